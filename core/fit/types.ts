import type { ModelArchitecture } from "../catalog/types";
import type { KvCacheDtype, Quantization } from "../fleet/recipe";

export interface FitInput {
  readonly architecture: ModelArchitecture;
  readonly quantization: Quantization;
  readonly kvCacheDtype: KvCacheDtype;
  /** Memory of one GPU as the device reports it, GiB. */
  readonly gpuMemoryGiB: number;
  readonly unifiedMemory: boolean;
  readonly gpuMemoryUtilization: number;
  readonly tensorParallel: number;
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens?: number;
  readonly engine: "vllm" | "sglang" | "llamacpp" | "ollama" | "trtllm" | "tei";
  readonly engineVersion: string;
  /** Known per-GPU weight size; overrides the estimate. */
  readonly weightsGiB?: number;
  /** Draft model for speculative decoding, GiB. */
  readonly draftWeightsGiB?: number;
  /** Hardware catalog id (`dgx-spark`): named in messages; A100s keep vLLM's small batch defaults. */
  readonly hardwareId?: string;
  /**
   * How tensor-parallel GPUs talk; decides NCCL's buffers (≈ 2.1 GiB per GPU on NVLink, ≈ 0.2 on PCIe).
   * @default "nvlink" (the larger, safe estimate)
   */
  readonly interconnect?: "nvlink" | "pcie";
  /**
   * GPU memory other processes already hold when the engine starts (a desktop's display server on a
   * consumer card, another engine, on unified memory what the OS keeps), GiB. vLLM's budget stays
   * total × utilisation but it refuses to start when less than that is free; SGLang's KV pool
   * shrinks by fraction × this. @default 0
   */
  readonly otherProcessesGiB?: number;
}

/** Memory fit of one engine on one GPU (per GPU when tensor parallel). All sizes GiB. */
export interface FitResult {
  readonly totalGiB: number;
  /** What the engine may use on this GPU (total × utilisation for vLLM/SGLang; what it needs for llama.cpp). */
  readonly budgetGiB: number;
  readonly weightsGiB: number;
  readonly activationGiB: number;
  readonly nonTorchGiB: number;
  readonly cudaGraphGiB: number;
  readonly kvPoolGiB: number;
  /** KV bytes per token on one GPU. */
  readonly kvBytesPerToken: number;
  readonly kvCacheTokens: number;
  /** kvCacheTokens / maxModelLen. */
  readonly maxConcurrency: number;
  readonly fits: boolean;
  /** One line with the numbers, e.g. "needs 41.3 GiB (weights 15.2 + ...) but ... gives 65.8 GiB". */
  readonly message: string;
}
