import { z } from "zod";
import { Burst } from "./burst";
import { Cluster, ClusterPlacement } from "./cluster";
import { AbsoluteDir, BindAddress, BucketName, CatalogId, DockerHost, HostAddress, HttpUrl, PlainText, TailnetName } from "./grammar";
import { Image, Name, Port, SecretField, boundedDuration } from "./primitives";
import { Recipe } from "./recipe";

export const Machine = z
  .strictObject({
    /** Unique name (a DNS label). */
    name: Name,
    /** Hardware catalog id, e.g. `rtx-5090`, `dgx-spark`, `cpu`. */
    hardware: CatalogId.describe("Hardware catalog id: rtx-5090, rtx-4090, rtx-4080, rtx-3090, l40s, a100-40gb, a100-80gb, h100-80gb, h200, rtx-pro-6000, dgx-spark, cpu."),
    /** Number of GPUs of that kind in the machine. */
    gpus: z.number().int().positive().default(1).describe("GPUs of this kind in the machine."),
    /** Name or address other fleet members use to reach it (MagicDNS name over the mesh). */
    address: HostAddress.describe("How the gateway and Prometheus reach this machine: MagicDNS name (spark.example.ts.net) or 127.0.0.1."),
    /** Address engine ports are published on: the machine's mesh IP or loopback, never 0.0.0.0. */
    bindAddress: BindAddress.default("127.0.0.1").describe("IPv4 address engine ports are published on: the mesh address or 127.0.0.1. 0.0.0.0 (every interface) needs allowPublicBind: true."),
    /**
     * Opt-in to binding services on every interface (bindAddress 0.0.0.0, or `--host 0.0.0.0` in a
     * recipe's extraArgs). Engines have no authentication: only set this behind a firewall you control.
     * @default false
     */
    allowPublicBind: z.boolean().default(false)
      .describe("Allow services on this machine to listen on every interface (0.0.0.0). Engines have no authentication: keep false unless a firewall you control fronts the machine."),
    /** Docker engine of the machine: where it listens and how containers are networked. */
    docker: z
      .strictObject({
        /** Docker host: the local socket or `ssh://user@host` over the mesh. */
        host: DockerHost.default("unix:///var/run/docker.sock").describe("Docker host: 'unix:///var/run/docker.sock' or 'ssh://user@host' over the mesh."),
        /** `host` networking (services bind bindAddress directly) or `bridge` (ports published on bindAddress). */
        network: z.enum(["host", "bridge"]).default("bridge").describe("Container networking: 'bridge' publishes ports on bindAddress; 'host' binds services to bindAddress."),
      })
      .default({ host: "unix:///var/run/docker.sock", network: "bridge" })
      .describe("Docker engine of the machine."),
    /** Usable GPU memory override in GiB (what the device reports). */
    memoryGiB: z.number().positive().optional().describe("Usable GPU memory in GiB, overriding the hardware catalog."),
    /** Host path used as the model cache volume. */
    modelCacheDir: AbsoluteDir.optional().describe("Absolute host directory for the model cache, e.g. /srv/models; default a named Docker volume."),
  })
  .describe("A machine that runs containers.");
export type Machine = z.infer<typeof Machine>;

export const Deployment = z
  .strictObject({
    /** Unique name (a DNS label). */
    name: Name,
    /** Recipe to run (a key of `recipes`). Exclusive with `swap`. */
    recipe: Name.optional().describe("Recipe name (a key of recipes). Give recipe or swap."),
    /** A hot-swap slot: llama-swap loads one of these recipes on demand. */
    swap: z
      .strictObject({
        /** Recipes llama-swap may load, one at a time (llamacpp recipes). */
        recipes: z.array(Name).min(1).describe("Recipes llama-swap may load, one at a time."),
        /** Unload a model after this many idle seconds (0 = never). */
        ttlSeconds: z.number().int().nonnegative().max(604800).default(600).describe("Unload a model after this many idle seconds (0 = never)."),
        /** llama-swap image override. */
        image: Image.optional(),
      })
      .optional()
      .describe("Hot-swap slot served by llama-swap."),
    /** Machine name (a machines[].name); or cluster + nodePool. */
    machine: Name.optional().describe("Machine name (a machines[].name); or cluster + nodePool."),
    ...ClusterPlacement,
    /** Port the service listens on. */
    port: Port,
    /** GPU indices on the machine; default all GPUs the recipe's tensor parallel needs, from 0. */
    gpuIndices: z.array(z.number().int().nonnegative().max(255)).min(1).refine((a) => new Set(a).size === a.length, "lists a GPU twice: give each index once").optional().describe("GPU indices used, e.g. [0]; default the first tensorParallel GPUs."),
    /** Name clients and routes use; replicas share it. Default: the deployment name. */
    servedName: Name.optional().describe("Model name served through the gateway; deployments sharing it are load-balanced. Default: the deployment name."),
    /** Identical copies on consecutive ports, named `<name>-1..n`. */
    replicas: z.number().int().positive().max(16).default(1).describe("Identical copies on consecutive ports, named <name>-1..n."),
  })
  .describe("One engine (or swap slot) placed on a machine.");
export type Deployment = z.infer<typeof Deployment>;

export const CloudProvider = z
  .strictObject({
    /** Unique name (a DNS label). */
    name: Name,
    /** LiteLLM model string, e.g. `deepseek/deepseek-chat`, `anthropic/claude-sonnet-4-5`. */
    model: PlainText.describe("LiteLLM model string, e.g. 'deepseek/deepseek-chat'."),
    /** API key, as {secret: <stack config key>}. */
    apiKey: SecretField,
    /** Custom API base URL. */
    apiBase: HttpUrl.optional().describe("Custom API base URL."),
    /** Context window in tokens (for context-window fallback checks). */
    contextWindow: z.number().int().positive().describe("Context window in tokens (for context-window fallback checks)."),
  })
  .describe("A cloud model reachable through the gateway.");

export const Route = z
  .strictObject({
    /** Unique name (a DNS label). */
    name: Name,
    /** Ordered: the first is primary, the rest are fallbacks. Served names, deployments, burst pools, cloud providers or other routes. */
    targets: z.array(Name).min(1).describe("Ordered targets: the first serves, the rest are fallbacks (served names, deployment names, burst pool names, cloud provider names or other routes)."),
    /** Context the route promises; every fallback must serve at least this. Default: the primary's. */
    contextWindow: z.number().int().positive().optional().describe("Context (tokens) the route promises; every fallback must serve at least this. Default: the primary target's window."),
  })
  .describe("A model name clients call, with an ordered fallback chain.");

export const Gateway = z
  .strictObject({
    /** Machine that runs LiteLLM. */
    machine: Name.describe("Machine that runs the LiteLLM gateway (a machines[].name)."),
    /** Port clients call. */
    port: Port.default(4000),
    /** LiteLLM master key (must start with sk-), as {secret: <key>}. */
    masterKey: SecretField.describe("LiteLLM master key (must start with sk-), as {secret: <key>}."),
    /** Cloud models behind the gateway, usable as route fallbacks. */
    providers: z.array(CloudProvider).default([]).describe("Cloud models reachable through the gateway (route fallbacks)."),
    /** Model names clients call, each with an ordered fallback chain. */
    routes: z.array(Route).default([]).describe("Routes: model names with ordered fallback chains."),
    /**
     * Retries within a model group before falling back. A backend that refuses the connection or
     * answers 5xx is cooled down at its first failure, so a retry lands on another replica.
     */
    numRetries: z.number().int().nonnegative().default(3)
      .describe("Retries within a model group before falling back; a backend that refuses connections or answers 5xx is cooled down at once, so a retry lands on another replica."),
    /** Request timeout. */
    timeoutSeconds: z.number().positive().max(86400).default(600).describe("Request timeout."),
    /** Other failures (timeouts, 4xx) per minute before a backend is cooled down; refused connections and 5xx cool it at once. */
    allowedFails: z.number().int().positive().default(3)
      .describe("Other failures (timeouts, 4xx) per minute before a backend is cooled down; refused connections and 5xx cool it down at once."),
    /**
     * How long a failing backend is skipped. A rollout waits this long (plus 2 s) after a wave is
     * healthy before the next wave stops its engines, so the gateway has taken the new ones back.
     */
    cooldownSeconds: z.number().int().positive().max(3600).default(10)
      .describe("How long a failing backend is skipped; a rollout waits at least this long (+2 s) between waves so the gateway has taken the new engines back."),
    /**
     * Seconds between the gateway's health probes of every engine and burst host slot (a 1-token
     * completion, 5 s timeout). A backend whose probe fails is left out of routing until one passes:
     * a stalled host stops costing requests, a burst host that comes up gets requests after its
     * first passing probe. A rollout waits at least this long (+7 s) between waves.
     */
    healthCheckSeconds: z.number().int().min(5).max(3600).default(15)
      .describe("Seconds between the gateway's health probes of every engine and burst host slot; a backend whose probe fails is left out of routing until one passes. A rollout waits at least this long (+7 s) between waves."),
  })
  .describe("LiteLLM gateway in front of every engine.");

export const Mesh = z
  .strictObject({
    /** Mesh provider; Tailscale is supported. */
    provider: z.literal("tailscale").describe("Mesh provider; Tailscale is supported."),
    /** Tailnet name, e.g. example.ts.net or the organisation name. */
    tailnet: TailnetName.describe("Tailnet name, e.g. 'example.ts.net'."),
    /** Tailscale API key or OAuth client secret reference. */
    apiKey: SecretField.optional().describe("Tailscale API key, as {secret: tailscaleApiKey}."),
    /** Lifetime of the ephemeral keys burst hosts join with. */
    burstKeyExpirySeconds: z.number().int().positive().max(7776000).default(3600).describe("Expiry of the ephemeral auth keys burst hosts join with, seconds."),
  })
  .describe("Private mesh between machines (Tailscale).");

export const Storage = z
  .strictObject({
    /** Machine that runs MinIO. */
    machine: Name.describe("Machine that runs MinIO (a machines[].name)."),
    /** Buckets to create; the first holds models and is versioned. */
    port: Port.default(9000),
    /** Buckets to create; the first holds models and is versioned. */
    consolePort: Port.default(9001),
    /** Buckets to create; the first holds models and is versioned. */
    buckets: z.array(BucketName).min(1).default(["models"]).describe("Buckets to create; the first holds models and is versioned."),
    /** MinIO root user, as {secret: minioRootUser}. */
    rootUser: SecretField,
    /** MinIO root password, as {secret: minioRootPassword}. */
    rootPassword: SecretField,
  })
  .describe("MinIO model store.");

export const Monitoring = z
  .strictObject({
    /** Machine that runs Prometheus. */
    machine: Name.describe("Machine that runs Prometheus (a machines[].name)."),
    /** Run node exporter (and DCGM exporter on GPU machines) on every machine. */
    port: Port.default(9090),
    /** Run node exporter (and DCGM exporter on GPU machines) on every machine. */
    retention: boundedDuration("1h", "100y").default("15d"),
    /** Run node exporter (and DCGM exporter on GPU machines) on every machine. */
    scrapeInterval: boundedDuration("1s", "1h").default("15s"),
    /** Run node exporter (and DCGM exporter on GPU machines) on every machine. */
    exporters: z.boolean().default(true).describe("Run node exporter (and DCGM exporter on GPU machines) on every machine."),
  })
  .describe("Prometheus with alert rules.");

export const ServiceImages = z
  .strictObject({
    /** LiteLLM proxy image. */
    litellm: Image.optional(),
    /** Prometheus image. */
    prometheus: Image.optional(),
    /** MinIO server image. */
    minio: Image.optional(),
    /** MinIO client image used for bucket setup and model sync. */
    mc: Image.optional(),
    /** Prometheus node exporter image. */
    nodeExporter: Image.optional(),
    /** NVIDIA DCGM exporter image. */
    dcgmExporter: Image.optional(),
    /** The `fabric autoscale` container (node 24 and the pulumi CLI; tools/images/autoscaler). No default: nothing is published. */
    autoscaler: Image.optional(),
  })
  .default({})
  .describe("Overrides of the pinned service images (gateway, Prometheus, MinIO, mc, exporters).");
export type ServiceImages = z.infer<typeof ServiceImages>;

export const Rollout = z
  .strictObject({
    /** Engines of one route replaced at a time. */
    maxUnavailable: z.number().int().positive().default(1).describe("Engines of one route replaced at a time."),
    /** Wait this long for an engine to become healthy. */
    healthTimeoutSeconds: z.number().int().positive().max(86400).default(900).describe("Wait this long for an engine to become healthy."),
    /** When an engine is stopped (replaced or removed), in-flight requests get this long to finish before it is killed. */
    drainSeconds: z.number().int().nonnegative().max(3600).default(30)
      .describe("When an engine is stopped, in-flight requests get this long to finish (SIGTERM, then SIGKILL)."),
  })
  .describe("How engine changes roll out.");

export const Fleet = z
  .strictObject({
    /** JSON Schema reference for editors. */
    $schema: z.string().optional(),
    /** Machines that run containers. */
    machines: z.array(Machine).default([]).describe("Machines that run containers (none for a fleet that runs only on clusters)."),
    /** Recipes by name: engine + model + quantisation + flags + context length. */
    recipes: z.record(Name, Recipe).default({}).describe("Recipes by name."),
    /** Kubernetes clusters with GPU node pools. */
    clusters: z.array(Cluster).default([]).describe("Kubernetes clusters with GPU node pools (deployments with cluster + nodePool)."),
    /** Engines placed on machines. */
    deployments: z.array(Deployment).default([]).describe("Engines (and swap slots) placed on machines."),
    /** LiteLLM gateway in front of every engine. */
    gateway: Gateway.optional(),
    /** Rented burst capacity. */
    burst: Burst.optional(),
    /** Private mesh between machines. */
    mesh: Mesh.optional(),
    /** MinIO model store. */
    storage: Storage.optional(),
    /** Prometheus with alert rules. */
    monitoring: Monitoring.optional(),
    /** How engine changes roll out. */
    rollout: Rollout.default({ maxUnavailable: 1, healthTimeoutSeconds: 900, drainSeconds: 30 }),
    /** Service image overrides. */
    images: ServiceImages,
    /** Secret stack config key holding the Hugging Face token for gated models. */
    huggingFaceToken: SecretField.optional(),
  })
  .refine((f) => f.machines.length > 0 || f.clusters.length > 0, { path: ["machines"], message: "a fleet needs machines (Docker hosts) or clusters: add a machines section" })
  .describe("An inference fleet: machines, recipes, deployments and the services around them.");
export type Fleet = z.infer<typeof Fleet>;
export type FleetInput = z.input<typeof Fleet>;
