/**
 * How SGLang 0.5.18 sizes `--mem-fraction-static` when the flag is unset
 * (sglang/srt/server_args.py `_handle_gpu_memory_settings`, `reserve_for_graph_mb`). The fraction
 * covers weights + KV pool only; activations and CUDA graphs take the reserved rest on top.
 */

/** Chunked-prefill size and decode CUDA-graph batch by GPU memory band (MiB thresholds of the source). */
function gpuBand(gpuMemMiB: number, tp: number): { chunkedPrefill: number; decodeMaxBs: number } {
  if (gpuMemMiB < 20 * 1024) return { chunkedPrefill: 2048, decodeMaxBs: 8 };
  if (gpuMemMiB < 35 * 1024) return { chunkedPrefill: 2048, decodeMaxBs: tp < 4 ? 24 : 80 };
  if (gpuMemMiB < 60 * 1024) return { chunkedPrefill: 4096, decodeMaxBs: tp < 4 ? 32 : 160 };
  if (gpuMemMiB < 160 * 1024) return { chunkedPrefill: 8192, decodeMaxBs: tp < 4 ? 256 : 512 };
  return { chunkedPrefill: 16384, decodeMaxBs: 512 };
}

/** Prefill CUDA-graph capture sizes up to `maxBs` (`_generate_prefill_cuda_graph_batch_sizes`). */
function prefillCaptureSizeCount(maxBs: number): number {
  const sizes: number[] = [];
  const range = (start: number, stop: number, step: number) => { for (let s = start; s <= stop; s += step) sizes.push(s); };
  range(4, 32, 4); range(48, 256, 16); range(288, 512, 32); range(576, 1024, 64); range(1280, 4096, 256); range(4608, maxBs, 512);
  return sizes.filter((s) => s <= maxBs).length;
}

/**
 * MiB SGLang keeps outside the static fraction for activations and CUDA graphs: 512 + 1.5 per
 * activation token (max(chunked prefill, 2048)) + TP/8 GiB + 2 per decode graph batch + 8 per
 * prefill graph size, at least 10 GiB on GPUs above 60 GiB. Non-MLA models, no DP attention.
 */
export function sglangReservedMiB(gpuMemoryGiB: number, tensorParallel: number, chunkedPrefillSize?: number): number {
  const gpuMemMiB = gpuMemoryGiB * 1024;
  const band = gpuBand(gpuMemMiB, tensorParallel);
  const chunked = chunkedPrefillSize ?? band.chunkedPrefill;
  let reserved = 512 + Math.max(chunked, 2048) * 1.5 + (tensorParallel / 8) * 1024;
  reserved += band.decodeMaxBs * 2 + prefillCaptureSizeCount(chunked) * 8;
  if (gpuMemMiB > 60 * 1024) reserved = Math.max(reserved, 10 * 1024);
  return reserved;
}

/** SGLang's own `mem_fraction_static` for this GPU: (memory − reserved) / memory, rounded to 3 places. */
export function sglangDefaultMemFraction(gpuMemoryGiB: number, tensorParallel: number, chunkedPrefillSize?: number): number {
  const gpuMemMiB = gpuMemoryGiB * 1024;
  return Math.round(((gpuMemMiB - sglangReservedMiB(gpuMemoryGiB, tensorParallel, chunkedPrefillSize)) / gpuMemMiB) * 1000) / 1000;
}

/**
 * GPU memory SGLang finds in use before it loads weights, GiB: the CUDA context of the scheduler
 * process, NCCL and custom all-reduce buffers at TP ≥ 2, and whatever other processes hold (a
 * display server, another engine; on unified memory the OS). SGLang sizes the KV pool against the
 * memory *available* then, not the device total: `init_torch_distributed` returns
 * `min_per_gpu_memory = get_available_gpu_memory(...)` after NCCL init (model_runner.py), and
 * `profile_max_num_token(total_gpu_memory=min_per_gpu_memory)` keeps
 * `rest = available_after_weights − total_gpu_memory × (1 − mem_fraction_static)`
 * (model_runner_kv_cache_mixin.py), so KV = fraction × (total − this) − weights. On Orin, Thor and
 * Spark (SM 8.7, 11.0, 12.1) "available" is `psutil.virtual_memory().available`, i.e. MemAvailable.
 * The context is 0.5 GiB: "Load weight begin. avail mem=137.29 GB" on 139.81 GiB H200s at TP 8
 * leaves 2.5 GiB = 0.5 + NVLink NCCL 2.0 (sglang#11716); an RTX 4090 pair at TP 2 over PCIe starts
 * loading with 22.84 of 23.55 GiB, 0.71 = 0.5 + 0.2 (ktransformers#1870).
 */
export function sglangPreLoadUsageGiB(ncclGiB: number, otherProcessesGiB: number): number {
  return SGLANG_CUDA_CONTEXT_GiB + ncclGiB + otherProcessesGiB;
}

const SGLANG_CUDA_CONTEXT_GiB = 0.5;
