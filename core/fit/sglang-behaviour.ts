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
