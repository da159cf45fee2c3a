/**
 * What changes between vLLM releases in how the KV pool is sized (V1 engine, 0.10 onward).
 * Each fact names the release it comes from; the sources are vLLM's own code and startup logs.
 */

/** `v0.19.1`, `0.10.1.1`, `0.26.0rc1` → [0, 19, 1]; unparsable parts read as 0. */
export function versionParts(version: string): [number, number, number] {
  const [a = 0, b = 0, c = 0] = version.replace(/^v/, "").split(/[.+-]/).map((p) => Number.parseInt(p, 10) || 0);
  return [a, b, c];
}

/** version ≥ major.minor.patch */
export function versionAtLeast(version: string, major: number, minor: number, patch = 0): boolean {
  const [a, b, c] = versionParts(version);
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/** The release the model assumes when a recipe pins none (the engine catalog's default at writing). */
export const ASSUMED_VLLM_VERSION = "0.26.0";

export interface VllmBehaviour {
  readonly version: string;
  /**
   * Bytes of sampler scratch per logit in the profile run's dummy sampler call (max_num_seqs × vocab
   * logits, top-k = vocab−1 and top-p = 0.9). FlashInfer's fused top-k/top-p (on by default until
   * 0.11.0, vllm#26859 turned it off) and the Triton top-k/top-p kernel that later became the
   * default need bf16 logits (2) + fp32 logits (4) + probabilities (4) + one fp32 scratch (4) = 14.
   * The PyTorch path in between sorts the whole row: bf16 (2) + fp32 (4) + sorted values and int64
   * indices (12) + the radix sort's double buffer (12) + int64 index input (8) = 38.
   * Checked against logged activation peaks: Llama-3.1-8B 1.89 GiB and Qwen3-8B 2.21 GiB on 0.19
   * (1024 seqs, 14 B), Qwen3-14B 5.64 GiB on 0.15/0.16 vs 2.23 GiB on 0.17 (38 B → 14 B).
   */
  readonly samplerBytesPerLogit: number;
  /**
   * CUDA context growth vLLM books as "non-torch" on one GPU: ≈ 0.05 GiB on 0.10 (Qwen2-7B on A100,
   * two utilisations of one setup), 0.13 GiB on 0.11–0.17 and 0.25 GiB from 0.18 (llm-d-planner, H100).
   */
  readonly nonTorchSingleGpuGiB: number;
  /**
   * Kernel workspaces the profile run keeps from 0.17 (compiled-graph buffers, attention and GEMM
   * workspaces): the ≈ 0.1 GiB of the logged peak that tensor shapes do not explain on 0.17–0.19
   * (Llama-3.1-8B, Qwen2.5-7B, Qwen3-8B, Qwen3-14B, Phi-4 alike); before 0.17 the peak is explained
   * to within 0.05 GiB without it.
   */
  readonly kernelWorkspaceGiB: number;
  /** From 0.21 vLLM profiles CUDA graphs before sizing the KV pool and subtracts them ("default since v0.21.0"). */
  readonly subtractsCudaGraphs: boolean;
  /**
   * How "GPU KV cache size: N tokens" is computed. Older releases print num_blocks / groups × 16;
   * newer ones print max_concurrency × max_model_len, which counts a sliding window's cap. The
   * switch came with the hybrid-report rework; 0.21 is assumed [U].
   */
  readonly tokensFromConcurrency: boolean;
}

/** The behaviour of one vLLM release. An empty version means {@link ASSUMED_VLLM_VERSION}. */
export function vllmBehaviour(engineVersion: string): VllmBehaviour {
  const version = engineVersion.trim() === "" ? ASSUMED_VLLM_VERSION : engineVersion.trim();
  const sortingSampler = versionAtLeast(version, 0, 11, 1) && !versionAtLeast(version, 0, 17);
  return {
    version,
    samplerBytesPerLogit: sortingSampler ? 38 : 14,
    nonTorchSingleGpuGiB: versionAtLeast(version, 0, 18) ? 0.25 : versionAtLeast(version, 0, 11) ? 0.13 : 0.05,
    kernelWorkspaceGiB: versionAtLeast(version, 0, 17) ? 0.1 : 0,
    subtractsCudaGraphs: versionAtLeast(version, 0, 21),
    tokensFromConcurrency: versionAtLeast(version, 0, 21),
  };
}

/**
 * vLLM's own default `gpu_memory_utilization`, which the renderer writes out so the plan shows what
 * the memory fit assumed: 0.92 from 0.26 (vllm/config/cache.py `Field(default=0.92)`), 0.9 before.
 * An unset version means {@link ASSUMED_VLLM_VERSION}.
 */
export function vllmDefaultGpuMemoryUtilization(engineVersion: string | undefined): number {
  return versionAtLeast(engineVersion?.trim() || ASSUMED_VLLM_VERSION, 0, 26) ? 0.92 : 0.9;
}

/** Scheduler limits vLLM picks when the flags are unset (EngineArgs.get_batch_defaults, API server). */
export interface SchedulerDefaults { readonly maxNumBatchedTokens: number; readonly maxNumSeqs: number }

/**
 * `vllm serve` defaults: GPUs with ≥ 70 GiB that are not A100s (A100s regress with big batches,
 * vllm#17885) get 8192 batched tokens and 1024 sequences; everything else 2048 and 256.
 * `get_batch_defaults` reads the size from NVML (`NvmlCudaPlatform.get_device_total_memory`:
 * `nvmlDeviceGetMemoryInfo(handle).total`), which a unified-memory GB10 does not support (NVML
 * raises NotSupported, `nvidia-smi` prints "[N/A]"); vLLM catches the error and takes 0 GiB, so a
 * DGX Spark gets the small defaults. Both GB10 logs in the fixtures show it: CUDA graphs captured
 * up to batch 512 = 2 × 256 sequences, compile range 2048 (vLLM 0.27.1).
 */
export function vllmSchedulerDefaults(gpuMemoryGiB: number, hardwareId = "", unifiedMemory = false): SchedulerDefaults {
  const big = !unifiedMemory && gpuMemoryGiB >= 70 && !hardwareId.toLowerCase().includes("a100");
  return big ? { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 } : { maxNumBatchedTokens: 2048, maxNumSeqs: 256 };
}

/**
 * Batch sizes vLLM captures CUDA graphs for: 1, 2, 4, then steps of 8 to 256 and of 16 beyond, up to
 * min(512, 2 × max_num_seqs).
 */
export function cudaGraphCaptureSizes(maxNumSeqs: number): number[] {
  const largest = Math.min(512, 2 * maxNumSeqs);
  const sizes = [1, 2, 4];
  for (let s = 8; s <= largest; s += s < 256 ? 8 : 16) sizes.push(s);
  return sizes.filter((s) => s <= largest);
}
