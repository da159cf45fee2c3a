/**
 * What vLLM books as "non-torch" memory on a unified-memory GPU (DGX Spark / GB10, SM 12.1).
 *
 * vLLM sizes the KV pool as budget − weights − activation peak − non-torch − CUDA-graph estimate,
 * where non-torch is the drop in free memory since its first snapshot that PyTorch's allocator does
 * not explain (`MemorySnapshot`, vllm/utils/mem_utils.py). On SM 12.1 "free" is the OS's
 * MemAvailable (`psutil.virtual_memory().available`), so everything the engine process grows on the
 * host between that snapshot and the end of the profile run lands in non-torch as well: the
 * torch.compile / Inductor workers and their heap, Triton and FlashInfer JIT, the loader's buffers
 * and whatever of a cold checkpoint the page cache keeps unreclaimable. On a discrete GPU none of
 * it touches device memory and non-torch is the CUDA context's growth (≈ 0.25 GiB from 0.18).
 *
 * Measured on GB10 (test/fixtures/vllm-startup-logs.ts), vLLM 0.27.1:
 * - Qwen3.8-27B bf16, the one log that prints every term: budget 110.06 − weights 51.35 − peak
 *   activation 3.78 − CUDA-graph estimate 1.94 − KV 50.29 = 2.70 GiB of non-torch, 2.45 GiB more
 *   than a discrete GPU of the same release books;
 * - Qwen3-0.6B: "consumed (weights + non-torch) 3.35 GiB" against 1.11 GiB of bf16 weights leaves
 *   2.24 GiB for non-torch plus the unprinted CUDA-graph estimate (≈ 0.5 GiB): ≈ 1.7 GiB.
 * Some starts are far worse: a Qwen3.6-35B-A3B NVFP4 start logged 52.66 GiB "consumed" against
 * 21.96 GiB loaded (30.7 GiB), and eugr/spark-vllm-docker#286 blames torch.compile's host heap and
 * page cache for "up to 30GB+" of it, so the GB10 error band, not this figure, is the headroom to keep.
 * Per-process accounting that would remove the term (vllm#55828) is not in any release checked.
 */
export const VLLM_UNIFIED_HOST_GROWTH_GIB = 2.45;

/** The host growth vLLM counts as non-torch on a unified-memory GPU, GiB; 0 on discrete GPUs. */
export function vllmUnifiedHostGrowthGiB(unifiedMemory: boolean): number {
  return unifiedMemory ? VLLM_UNIFIED_HOST_GROWTH_GIB : 0;
}
