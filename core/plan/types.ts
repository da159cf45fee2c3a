import type { AutoscalePlan } from "./autoscale";
import type { CpuArch } from "../catalog/types";
import type { FitResult } from "../fit/types";
import type { RecipeSlo } from "../fleet/slo";
import type { ClusterPlan } from "./cluster-plan";
import type { EngineWorkload } from "./workload";

/** A finding of a check. `path` points into the fleet file, e.g. `deployments[2].recipe`. */
export interface Violation {
  readonly rule: string;
  readonly severity: "error" | "warning";
  readonly path: string;
  readonly message: string;
  /** Line in the fleet file, when known. */
  readonly line?: number;
}

/** An environment variable whose value is a secret from stack config, resolved by the components. */
export interface SecretEnv {
  readonly name: string;
  /** Stack config key holding the secret. */
  readonly secret: string;
}

export interface HealthCheck {
  /** Docker healthcheck test, e.g. ["CMD", "curl", "-fsS", "http://127.0.0.1:8000/health"]. */
  readonly test: readonly string[];
  readonly path: string;
  readonly port: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

export interface PortMapping { readonly container: number; readonly host: number; readonly ip: string }
export interface VolumeMount { readonly volume: string; readonly containerPath: string; readonly readOnly?: boolean }
export interface FileMount { readonly containerPath: string; readonly content: string }

/** Everything needed to run one container; the components turn it into a docker.Container. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly platform: `linux/${CpuArch}`;
  /** Entrypoint override; null keeps the image's. */
  readonly entrypoint: readonly string[] | null;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: readonly SecretEnv[];
  readonly network: "host" | "bridge";
  readonly ports: readonly PortMapping[];
  /** GPU indices to request; null = no GPU. */
  readonly gpus: readonly number[] | null;
  readonly ipcHost: boolean;
  /** Share the host's pid namespace (the autoscale controller's lock records a pid the host checks). */
  readonly pidHost: boolean;
  readonly shmSizeMiB: number | null;
  readonly health: HealthCheck | null;
  /** Seconds between SIGTERM and SIGKILL when the container is stopped (in-flight work drains); null kills at once. */
  readonly stopGraceSeconds: number | null;
  readonly restart: "unless-stopped" | "no";
  readonly labels: Readonly<Record<string, string>>;
  readonly volumes: readonly VolumeMount[];
  readonly files: readonly FileMount[];
}

export interface MachinePlan {
  readonly name: string;
  readonly hardware: string;
  readonly cpuArch: CpuArch;
  readonly platform: `linux/${CpuArch}`;
  readonly dockerHost: string;
  readonly address: string;
  readonly gpus: number;
  /** Exporters (node, DCGM) on this machine. */
  readonly exporters: readonly ContainerSpec[];
}

/**
 * Pulls the model from the store into the cache volume before the engine starts. The container's
 * script reads STORE_ACCESS_KEY / STORE_SECRET_KEY, which the store component supplies from its
 * read-only access key (they are not stack config).
 */
export interface ModelSync {
  /** Store API URL the sync reads from. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly localPath: string;
  readonly container: ContainerSpec;
}

export interface EnginePlan {
  readonly deployment: string;
  readonly machine: string;
  readonly hardware: string;
  readonly engine: string;
  readonly recipe: string;
  readonly recipeHash: string;
  readonly servedName: string;
  readonly image: string;
  readonly platform: `linux/${CpuArch}`;
  readonly argv: readonly string[];
  readonly port: number;
  readonly address: string;
  readonly metricsPath: string | null;
  readonly metricsJob: string;
  readonly memory: FitResult | null;
  readonly modelSync: ModelSync | null;
  readonly container: ContainerSpec;
  /** The same engine, target-neutral: what the Kubernetes interpreter reads. */
  readonly workload: EngineWorkload;
  /** Cluster the engine runs on (a Kubernetes Deployment, not the container above); null on a machine. */
  readonly cluster: string | null;
  /** Context window served, for gateway fallback checks. */
  readonly maxModelLen: number;
  /** The recipe's SLO, checked by a benchmark after the engine's rollout wave; absent without one. */
  readonly slo?: RecipeSlo;
}

/** One step of a route's fallback chain, as reviewers read it. */
export interface GatewayRouteTargetPlan {
  /** Served name (model group) or cloud provider. */
  readonly name: string;
  readonly kind: "group" | "provider";
  /** Tokens this target serves (a group's smallest window). */
  readonly contextWindow: number;
  /** Local engines behind a group (deployment instance names). */
  readonly deployments: readonly string[];
  /** Burst pools whose host slots join the group, with their slot count (maxHosts). */
  readonly pools: readonly { readonly name: string; readonly slots: number }[];
}

/** A model name clients call, with the chain the gateway follows. */
export interface GatewayRoutePlan {
  readonly name: string;
  /** Tokens the route promises: its contextWindow, else the primary's. */
  readonly contextWindow: number;
  readonly targets: readonly GatewayRouteTargetPlan[];
}

export interface GatewayPlan {
  readonly machine: string;
  readonly url: string;
  /** Routes in fleet order, with their chains (targets the gateway could not place are left out). */
  readonly routes: readonly GatewayRoutePlan[];
  readonly config: unknown;
  readonly configYaml: string;
  /** Callback modules the config names (the burst gate), uploaded beside it. */
  readonly modules: readonly { readonly file: string; readonly content: string }[];
  readonly container: ContainerSpec;
}

export interface AutoscalerPlan {
  readonly machine: string;
  /** Its own /metrics as Prometheus scrapes it, e.g. `http://rtx5090.example.ts.net:9464/metrics`. */
  readonly metricsUrl: string;
  /** The project checkout it runs in (`--cwd`). */
  readonly projectDir: string;
  /** Args without `--stack` (the component adds the stack it deploys). */
  readonly container: ContainerSpec;
}

export interface MonitoringPlan {
  readonly machine: string;
  readonly url: string;
  readonly prometheusYml: string;
  readonly rulesYml: string;
  /** Every scrape target as job/host:port. */
  readonly targets: readonly { readonly job: string; readonly target: string; readonly deployment?: string }[];
  readonly container: ContainerSpec;
}

export interface StorePlan {
  readonly machine: string;
  readonly endpoint: string;
  readonly buckets: readonly string[];
  readonly versionedBuckets: readonly string[];
  readonly rootUserSecret: string;
  readonly rootPasswordSecret: string;
  readonly container: ContainerSpec;
}

export interface MeshKeyPlan {
  readonly role: string;
  readonly tags: readonly string[];
  readonly reusable: boolean;
  readonly ephemeral: boolean;
  readonly preauthorized: boolean;
  readonly expirySeconds: number;
}

export interface MeshPlan {
  readonly tailnet: string;
  readonly policy: unknown;
  readonly policyHujson: string;
  readonly keys: readonly MeshKeyPlan[];
  readonly apiKeySecret: string | null;
}

/** One host slot of a burst pool: where the gateway and Prometheus reach host n, rented or not (see burstSlots). */
export interface BurstSlotPlan {
  /** 1-based host number. */
  readonly hostIndex: number;
  /** `<pool>-<n>`: the host's tailnet hostname. */
  readonly hostName: string;
  /** DNS name or IPv4 the slot is reached at. */
  readonly address: string;
  readonly port: number;
  /** `http://<address>:<port>/v1`. */
  readonly baseUrl: string;
}

export interface BurstPoolPlan {
  readonly name: string;
  readonly recipe: string;
  readonly recipeHash: string;
  readonly desired: number;
  readonly maxHosts: number;
  readonly maxPricePerHour: number;
  readonly selection: string;
  readonly image: string;
  readonly argv: readonly string[];
  /** Model name the hosts serve and the gateway group they join. */
  readonly servedName: string;
  /** The recipe's maxModelLen. */
  readonly contextWindow: number;
  readonly mode: "chat" | "embedding";
  /** Prometheus job and metrics path of the engine (null path: no metrics). */
  readonly metricsJob: string;
  readonly metricsPath: string | null;
  /** Host slots 1..maxHosts. */
  readonly slots: readonly BurstSlotPlan[];
}

export interface BurstPlan {
  readonly provider: "vast";
  readonly budgetPerHour: number;
  readonly apiKeySecret: string | null;
  readonly pools: readonly BurstPoolPlan[];
}

/** The whole fleet as plain data: what `fabric plan` prints and what `pulumi up` deploys. */
export interface Plan {
  readonly machines: readonly MachinePlan[];
  readonly engines: readonly EnginePlan[];
  readonly gateway: GatewayPlan | null;
  readonly monitoring: MonitoringPlan | null;
  readonly store: StorePlan | null;
  readonly mesh: MeshPlan | null;
  readonly burst: BurstPlan | null;
  /** Per cluster, the Kubernetes objects its deployments become (what Pulumi applies and `fabric plan --out` writes). */
  readonly clusters: readonly ClusterPlan[];
  /** Autoscale policies of burst pools, with their PromQL (`fabric autoscale` applies them). */
  readonly autoscale: readonly AutoscalePlan[];
  /** `fabric autoscale` as a container of the stack (burst.autoscaler), or null: run it as a process. */
  readonly autoscaler: AutoscalerPlan | null;
  /** Deployment names per rollout wave, in order. */
  readonly waves: readonly (readonly string[])[];
  /**
   * Seconds a rollout waits after a wave is healthy before the next wave stops its engines: the
   * gateway's cooldown (+2 s), so it routes to the new engines again first; 0 without a gateway.
   */
  readonly waveSettleSeconds: number;
  readonly violations: readonly Violation[];
}
