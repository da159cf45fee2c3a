/** Shapes of the versioned catalogs (hardware, engines, models). Data lives beside this file. */

export type CpuArch = "amd64" | "arm64";

/** One GPU model (or `cpu`). Memory is what the device reports to CUDA, not the marketing number. */
export interface HardwareProfile {
  readonly id: string;
  readonly name: string;
  /** Compute capability as a number, e.g. 8.9, 12.1; null for CPU-only. */
  readonly computeCapability: number | null;
  readonly family: "ampere" | "ada" | "hopper" | "blackwell" | "cpu";
  readonly cpuArch: CpuArch;
  /** Usable memory per GPU in GiB as torch/vLLM reports it (total_memory). */
  readonly memoryGiB: number;
  /** Marketing memory in GB. */
  readonly marketingGB: number;
  readonly bandwidthGBps: number;
  /** CPU and GPU share one pool (DGX Spark): the OS and other processes eat into it. */
  readonly unifiedMemory: boolean;
  /**
   * Memory the OS and the engine's own start-up already hold of a unified pool when the engine
   * measures what is free, GiB (the fit's default for `otherProcessesGiB` on this hardware).
   */
  readonly hostReservedGiB?: number;
  /** `gpu_name` values on Vast.ai. */
  readonly vastNames: readonly string[];
}

/** Numbers the memory model needs, resolved from the catalog or a Hugging Face config.json. */
export interface ModelArchitecture {
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Total parameters (all experts), in billions. */
  readonly paramsBillion: number;
  /** Parameters active per token, in billions (MoE); equals paramsBillion for dense. */
  readonly activeParamsBillion: number;
  readonly vocabSize: number;
  readonly tiedEmbeddings: boolean;
  readonly intermediateSize?: number;
  readonly experts?: { readonly total: number; readonly active: number; readonly intermediateSize: number };
  /** Layers with a sliding window, and its length. */
  readonly slidingWindow?: { readonly tokens: number; readonly layers: number };
  /** Layers with no KV cache (linear attention / SSM in hybrids). */
  readonly stateLayers?: number;
  /** Recurrent state of one sequence in one state layer, bytes, whole model (conv + SSM state). */
  readonly stateBytesPerLayer?: number;
  readonly maxContext?: number;
  /** Encoder-only embedding model (no KV cache). */
  readonly encoderOnly?: boolean;
}

export interface ModelCatalogEntry {
  readonly id: string;
  /** Hugging Face repository ids this entry describes (any quantised variant). */
  readonly repos: readonly string[];
  readonly architecture: ModelArchitecture;
}

export type EngineKind = "vllm" | "sglang" | "llamacpp" | "ollama" | "trtllm" | "tei" | "llama-swap";

export interface EngineProfile {
  readonly id: EngineKind;
  readonly defaultVersion: string;
  /** Default image per CPU arch for GPU hosts; `cpu` images where the engine has them. */
  readonly images: { readonly amd64?: string; readonly arm64?: string; readonly cpu?: string; readonly blackwellArm64?: string };
  /** Port the engine listens on inside the container by default. */
  readonly defaultPort: number;
  readonly healthPath: string;
  readonly metricsPath: string | null;
  /** Prometheus job name for this engine's metrics. */
  readonly metricsJob: string;
}
