import { fitLocal, fitTei } from "./fit-local";
import { fitSglang, fitTrtllm, fitVllm } from "./fit-paged";
import type { FitInput, FitResult } from "./types";

export { kvBytesPerToken } from "./kv-cache";
export { estimateWeightsGiB } from "./weights";

/**
 * Memory fit of one engine on one GPU (per GPU under tensor parallelism): how much the engine may
 * use, what weights, activations, runtime overhead and CUDA graphs take, the KV pool that is left
 * in GiB, tokens and max-length sequences, and whether the engine starts. Pure and deterministic.
 *
 * - vLLM: total × gpuMemoryUtilization minus the profile run (see fitVllm); refuses to start when
 *   one maxModelLen request does not fit the pool.
 * - SGLang: mem-fraction-static of the total holds weights and KV; activations sit outside it.
 * - TensorRT-LLM: free_gpu_memory_fraction of what is free after weights and activations.
 * - llama.cpp / Ollama: no knob; need = weights + KV for the context + compute buffer.
 * - TEI: an encoder; weights and one batch of activations.
 */
export function fitEngine(input: FitInput): FitResult {
  checkInput(input);
  switch (input.engine) {
    case "vllm": return fitVllm(input);
    case "sglang": return fitSglang(input);
    case "trtllm": return fitTrtllm(input);
    case "llamacpp": case "ollama": return fitLocal(input);
    case "tei": return fitTei(input);
  }
}

/** Numbers that make the arithmetic meaningless are programming errors, named with their value. */
function checkInput(input: FitInput): void {
  const positive: ReadonlyArray<readonly [string, number]> = [
    ["gpuMemoryGiB", input.gpuMemoryGiB], ["tensorParallel", input.tensorParallel], ["maxModelLen", input.maxModelLen],
    ["maxNumSeqs", input.maxNumSeqs], ["architecture.layers", input.architecture.layers],
    ["architecture.hiddenSize", input.architecture.hiddenSize], ["architecture.headDim", input.architecture.headDim],
  ];
  for (const [field, value] of positive) {
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`fitEngine: ${field} must be a positive number, got ${value}`);
  }
  const u = input.gpuMemoryUtilization;
  if (!(u > 0 && u <= 1)) throw new Error(`fitEngine: gpuMemoryUtilization must be in (0, 1], got ${u}`);
}
