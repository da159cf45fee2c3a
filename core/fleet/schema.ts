import { z } from "zod";
import { Duration, Image, Name, Port, SecretField } from "./primitives";
import { Recipe } from "./recipe";

export const Machine = z
  .strictObject({
    name: Name,
    /** Hardware catalog id, e.g. `rtx-5090`, `dgx-spark`, `cpu`. */
    hardware: z.string().min(1).describe("Hardware catalog id: rtx-5090, rtx-4090, rtx-4080, rtx-3090, l40s, a100-40gb, a100-80gb, h100-80gb, h200, rtx-pro-6000, dgx-spark, cpu."),
    /** Number of GPUs of that kind in the machine. */
    gpus: z.number().int().positive().default(1).describe("GPUs of this kind in the machine."),
    /** Name or address other fleet members use to reach it (MagicDNS name over the mesh). */
    address: z.string().min(1).describe("How the gateway and Prometheus reach this machine: MagicDNS name (spark.example.ts.net) or 127.0.0.1."),
    /** Address engine ports are published on: the machine's mesh IP or loopback, never 0.0.0.0. */
    bindAddress: z.string().default("127.0.0.1").describe("Address engine ports are published on: the mesh address or 127.0.0.1 (never 0.0.0.0)."),
    docker: z
      .strictObject({
        host: z.string().default("unix:///var/run/docker.sock").describe("Docker host: 'unix:///var/run/docker.sock' or 'ssh://user@host' over the mesh."),
        /** `host` networking (services bind bindAddress directly) or `bridge` (ports published on bindAddress). */
        network: z.enum(["host", "bridge"]).default("bridge").describe("Container networking: 'bridge' publishes ports on bindAddress; 'host' binds services to bindAddress."),
      })
      .default({ host: "unix:///var/run/docker.sock", network: "bridge" })
      .describe("Docker engine of the machine."),
    /** Usable GPU memory override in GiB (what the device reports). */
    memoryGiB: z.number().positive().optional().describe("Usable GPU memory in GiB, overriding the hardware catalog."),
    /** Host path used as the model cache volume. */
    modelCacheDir: z.string().optional().describe("Host directory for the model cache; default a named Docker volume."),
  })
  .describe("A machine that runs containers.");
export type Machine = z.infer<typeof Machine>;

export const Deployment = z
  .strictObject({
    name: Name,
    /** Recipe to run (a key of `recipes`). Exclusive with `swap`. */
    recipe: z.string().optional().describe("Recipe name (a key of recipes). Give recipe or swap."),
    /** A hot-swap slot: llama-swap loads one of these recipes on demand. */
    swap: z
      .strictObject({
        recipes: z.array(z.string()).min(1).describe("Recipes llama-swap may load, one at a time."),
        ttlSeconds: z.number().int().nonnegative().default(600).describe("Unload a model after this many idle seconds (0 = never)."),
        image: Image.optional(),
      })
      .optional()
      .describe("Hot-swap slot served by llama-swap."),
    machine: z.string().describe("Machine name (a machines[].name)."),
    port: Port,
    /** GPU indices on the machine; default all GPUs the recipe's tensor parallel needs, from 0. */
    gpuIndices: z.array(z.number().int().nonnegative()).optional().describe("GPU indices used, e.g. [0]; default the first tensorParallel GPUs."),
    /** Name clients and routes use; replicas share it. Default: the deployment name. */
    servedName: Name.optional().describe("Model name served through the gateway; deployments sharing it are load-balanced. Default: the deployment name."),
    /** Identical copies on consecutive ports, named `<name>-1..n`. */
    replicas: z.number().int().positive().max(16).default(1).describe("Identical copies on consecutive ports, named <name>-1..n."),
  })
  .describe("One engine (or swap slot) placed on a machine.");
export type Deployment = z.infer<typeof Deployment>;

export const CloudProvider = z
  .strictObject({
    name: Name,
    /** LiteLLM model string, e.g. `deepseek/deepseek-chat`, `anthropic/claude-sonnet-4-5`. */
    model: z.string().min(1).describe("LiteLLM model string, e.g. 'deepseek/deepseek-chat'."),
    apiKey: SecretField,
    apiBase: z.string().url().optional().describe("Custom API base URL."),
    contextWindow: z.number().int().positive().describe("Context window in tokens (for context-window fallback checks)."),
  })
  .describe("A cloud model reachable through the gateway.");

export const Route = z
  .strictObject({
    name: Name,
    /** Ordered: the first is primary, the rest are fallbacks. Served names, deployments, cloud providers or other routes. */
    targets: z.array(z.string()).min(1).describe("Ordered targets: the first serves, the rest are fallbacks (served names, deployment names or cloud provider names)."),
  })
  .describe("A model name clients call, with an ordered fallback chain.");

export const Gateway = z
  .strictObject({
    machine: z.string(),
    port: Port.default(4000),
    image: Image.optional(),
    masterKey: SecretField.describe("LiteLLM master key (must start with sk-), as {secret: <key>}."),
    providers: z.array(CloudProvider).default([]),
    routes: z.array(Route).default([]),
    numRetries: z.number().int().nonnegative().default(2).describe("Retries within a model group before falling back."),
    timeoutSeconds: z.number().positive().default(600).describe("Request timeout."),
    allowedFails: z.number().int().positive().default(3).describe("Failures before a backend is cooled down."),
    cooldownSeconds: z.number().int().positive().default(30).describe("How long a failing backend is skipped."),
  })
  .describe("LiteLLM gateway in front of every engine.");

export const BurstPool = z
  .strictObject({
    name: Name,
    recipe: z.string(),
    desired: z.number().int().nonnegative().default(0).describe("Hosts to keep running now."),
    maxHosts: z.number().int().positive().describe("Hard cap on hosts in this pool."),
    maxPricePerHour: z.number().positive().describe("Price cap per host, $/hour (dph_total)."),
    selection: z.enum(["cheapest", "network-first", "time-to-useful"]).default("time-to-useful"),
    gpu: z.array(z.string()).min(1).describe("Acceptable hardware catalog ids, e.g. [rtx-5090, rtx-4090]."),
    numGpus: z.number().int().positive().default(1),
    minInetDownMbps: z.number().nonnegative().default(500),
    minReliability: z.number().min(0).max(1).default(0.98),
    verifiedOnly: z.boolean().default(true),
    diskGb: z.number().int().positive().default(100),
    servedName: Name.optional().describe("Served name of the burst engines; default the pool name."),
  })
  .describe("A pool of rented hosts running one recipe.");

export const Burst = z
  .strictObject({
    provider: z.literal("vast"),
    apiKey: SecretField,
    budgetPerHour: z.number().positive().describe("Hard budget for all pools, $/hour."),
    idleMinutes: z.number().int().positive().default(15).describe("A host with no requests for this long destroys itself."),
    port: Port.default(8000).describe("Engine port inside burst hosts."),
    pools: z.array(BurstPool).default([]),
  })
  .describe("Rented burst capacity (Vast.ai).");

export const Mesh = z
  .strictObject({
    provider: z.literal("tailscale"),
    tailnet: z.string().min(1),
    apiKey: SecretField.optional(),
    burstKeyExpirySeconds: z.number().int().positive().max(7776000).default(3600),
  })
  .describe("Private mesh between machines (Tailscale).");

export const Storage = z
  .strictObject({
    machine: z.string(),
    port: Port.default(9000),
    consolePort: Port.default(9001),
    image: Image.optional(),
    buckets: z.array(Name).min(1).default(["models"]),
    rootUser: SecretField,
    rootPassword: SecretField,
  })
  .describe("MinIO model store.");

export const Monitoring = z
  .strictObject({
    machine: z.string(),
    port: Port.default(9090),
    image: Image.optional(),
    retention: Duration.default("15d"),
    scrapeInterval: Duration.default("15s"),
    exporters: z.boolean().default(true).describe("Run node exporter (and DCGM exporter on GPU machines) on every machine."),
  })
  .describe("Prometheus with alert rules.");

export const Rollout = z
  .strictObject({
    maxUnavailable: z.number().int().positive().default(1).describe("Engines of one route replaced at a time."),
    healthTimeoutSeconds: z.number().int().positive().default(900).describe("Wait this long for an engine to become healthy."),
  })
  .describe("How engine changes roll out.");

export const Fleet = z
  .strictObject({
    $schema: z.string().optional(),
    machines: z.array(Machine).min(1),
    recipes: z.record(Name, Recipe).default({}),
    deployments: z.array(Deployment).default([]),
    gateway: Gateway.optional(),
    burst: Burst.optional(),
    mesh: Mesh.optional(),
    storage: Storage.optional(),
    monitoring: Monitoring.optional(),
    rollout: Rollout.default({ maxUnavailable: 1, healthTimeoutSeconds: 900 }),
    /** Secret stack config key holding the Hugging Face token for gated models. */
    huggingFaceToken: SecretField.optional(),
  })
  .describe("An inference fleet: machines, recipes, deployments and the services around them.");
export type Fleet = z.infer<typeof Fleet>;
export type FleetInput = z.input<typeof Fleet>;
