import type { ModelArchitecture } from "../catalog/types";
import { pagedMessage } from "./fit-message";
import { kvBytesPerToken, vllmKvCapacity } from "./kv-cache";
import { activationPeak, cudaGraphGiB, nonTorchGiB } from "./overhead";
import type { FitInput, FitResult } from "./types";
import { sglangPreLoadUsageGiB, sglangReservedMiB } from "./sglang-behaviour";
import { vllmUnifiedHostGrowthGiB } from "./unified-memory";
import { vllmBehaviour, vllmSchedulerDefaults } from "./vllm-behaviour";
import { estimateWeightsGiB } from "./weights";

const GiB = 1024 ** 3;

/** Weights on one GPU: the measured size when known, else the estimate; plus the draft model. */
export function weightsPerGpu(input: FitInput): number {
  const main = input.weightsGiB ?? estimateWeightsGiB(input.architecture, input.quantization, input.tensorParallel);
  return main + (input.draftWeightsGiB ?? 0);
}

function gpuLabel(input: FitInput): string {
  return input.hardwareId ?? "the GPU";
}

/**
 * vLLM (V1): budget = total × gpu_memory_utilization; the KV pool is what the budget leaves after
 * weights, the profile run's activation peak, non-torch memory and (from 0.21) the CUDA-graph
 * estimate; blocks of 16 tokens per layer group (see vllmKvLayout). It refuses to start when the
 * pool cannot hold one maxModelLen request.
 */
export function fitVllm(input: FitInput): FitResult {
  const arch = input.architecture;
  const behaviour = vllmBehaviour(input.engineVersion);
  const defaults = vllmSchedulerDefaults(input.gpuMemoryGiB, input.hardwareId, input.unifiedMemory);
  const maxNumBatchedTokens = input.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens;
  const tp = Math.max(1, input.tensorParallel);
  const weightsGiB = weightsPerGpu(input);
  const activationGiB = activationPeak(arch, { tensorParallel: tp, maxNumSeqs: input.maxNumSeqs, maxNumBatchedTokens,
    samplerBytesPerLogit: behaviour.samplerBytesPerLogit, kernelWorkspaceGiB: behaviour.kernelWorkspaceGiB }).totalGiB;
  const nonTorch = nonTorchGiB(tp, input.interconnect ?? "nvlink", behaviour.nonTorchSingleGpuGiB)
    + vllmUnifiedHostGrowthGiB(input.unifiedMemory);
  const cudaGraph = behaviour.subtractsCudaGraphs ? cudaGraphGiB(arch, input.maxNumSeqs) : 0;
  const budgetGiB = input.gpuMemoryGiB * input.gpuMemoryUtilization;
  const poolGiB = budgetGiB - weightsGiB - activationGiB - nonTorch - cudaGraph;
  const capacityOf = (pool: number, maxModelLen: number) => vllmKvCapacity(arch, Math.max(0, pool) * GiB, {
    kvCacheDtype: input.kvCacheDtype, tensorParallel: tp, maxModelLen, maxNumBatchedTokens,
    tokensFromConcurrency: behaviour.tokensFromConcurrency,
  });
  const capacity = capacityOf(poolGiB, input.maxModelLen);
  const sequenceGiB = arch.encoderOnly ? 0 : capacity.bytesPerSequence / GiB;
  const startupRefusal = vllmFreeMemoryRefusal(input, budgetGiB);
  const fits = poolGiB > 0 && sequenceGiB <= poolGiB && !startupRefusal;
  const overheadParts = [["weights", weightsGiB], ["activation", activationGiB], ["non-torch", nonTorch],
    ["CUDA graphs", cudaGraph]] as const;
  const message = pagedMessage({
    gpu: gpuLabel(input), totalGiB: input.gpuMemoryGiB, unified: input.unifiedMemory,
    budgetText: `${input.gpuMemoryUtilization.toFixed(2)} × ${input.gpuMemoryGiB} = ${budgetGiB.toFixed(1)} GiB`,
    needParts: overheadParts, maxModelLen: input.maxModelLen, sequenceGiB, poolGiB, fits,
    tokens: capacity.tokens, concurrency: capacity.maxConcurrency,
    ...(fits ? {} : {
      longestFittingLen: longestFittingLen(input.maxModelLen, (len) => capacityOf(poolGiB, len).bytesPerSequence <= poolGiB * GiB),
      utilisationNeeded: (budgetGiB - poolGiB + sequenceGiB) / input.gpuMemoryGiB,
    }),
  });
  return {
    totalGiB: input.gpuMemoryGiB, budgetGiB, weightsGiB, activationGiB, nonTorchGiB: nonTorch, cudaGraphGiB: cudaGraph,
    ...(startupRefusal ? { message: startupRefusal } : { message }),
    kvPoolGiB: Math.max(0, poolGiB), kvBytesPerToken: kvBytesPerToken(arch, input.kvCacheDtype, tp, input.engine),
    kvCacheTokens: arch.encoderOnly ? 0 : capacity.tokens, maxConcurrency: arch.encoderOnly ? input.maxNumSeqs : capacity.maxConcurrency,
    fits: arch.encoderOnly ? poolGiB >= 0 && !startupRefusal : fits,
  };
}

/**
 * vLLM refuses to start when the GPU has less free memory than it was asked to use
 * (vllm/v1/worker/gpu_worker.py `init_device`: `if self.init_snapshot.free_memory <
 * self.requested_memory: raise ValueError("Free memory on device ... is less than desired GPU memory
 * utilization ...")`). Memory a display or another process holds is not subtracted from the budget
 * (the profile only counts growth after that snapshot), so it shows here and nowhere else.
 */
function vllmFreeMemoryRefusal(input: FitInput, budgetGiB: number): string | undefined {
  const other = input.otherProcessesGiB ?? 0;
  const free = input.gpuMemoryGiB - other;
  if (other <= 0 || free >= budgetGiB) return undefined;
  const highest = Math.floor((free / input.gpuMemoryGiB) * 100) / 100;
  return `does not fit: vLLM would not start, it wants ${input.gpuMemoryUtilization.toFixed(2)} × ${input.gpuMemoryGiB} = ${budgetGiB.toFixed(1)} GiB free`
    + ` but other processes hold ${other.toFixed(1)} GiB of ${gpuLabel(input)}, leaving ${free.toFixed(1)} GiB`
    + ` ("Free memory on device ... is less than desired GPU memory utilization"): lower gpuMemoryUtilization to at most ${highest}`;
}

/** The longest context (a multiple of 16, at most `upTo`) for which `fitsLen` holds; 0 when none. */
function longestFittingLen(upTo: number, fitsLen: (len: number) => boolean): number {
  let lo = 0;
  let hi = Math.floor(upTo / 16);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fitsLen(mid * 16)) lo = mid; else hi = mid - 1;
  }
  return lo * 16;
}

/**
 * SGLang: `--mem-fraction-static` of the GPU holds weights and the KV pool (the recipe's value, or
 * SGLang's own per-GPU default, see sglang-behaviour.ts); activations and CUDA graphs take
 * SGLang's reserve on top of it, so the engine's footprint (the budget the GPU-sharing check adds
 * up) is fraction × total + reserve. One-token pages; sliding-window layers are sized in full.
 */
export function fitSglang(input: FitInput): FitResult {
  const arch = input.architecture;
  const tp = Math.max(1, input.tensorParallel);
  const weightsGiB = weightsPerGpu(input);
  const fraction = input.gpuMemoryUtilization;
  // KV = fraction × (memory available before the weights load) − weights (sglangPreLoadUsageGiB).
  const preLoadGiB = sglangPreLoadUsageGiB(tp >= 2 ? nonTorchGiB(tp, input.interconnect ?? "nvlink", 0) : 0,
    input.otherProcessesGiB ?? 0);
  const nonTorch = fraction * preLoadGiB;
  const staticGiB = input.gpuMemoryGiB * fraction;
  const reservedGiB = sglangReservedMiB(input.gpuMemoryGiB, tp, input.maxNumBatchedTokens) / 1024;
  const poolGiB = staticGiB - weightsGiB - nonTorch;
  // SGLang rounds its own fraction to 3 places, so its footprint may pass the GPU by that rounding.
  const roundingGiB = 0.0005 * input.gpuMemoryGiB;
  const result = tokenPoolResult(input, arch, { budgetGiB: Math.min(staticGiB + reservedGiB, input.gpuMemoryGiB), poolGiB, weightsGiB, activationGiB: reservedGiB, nonTorch, pageTokens: 1,
    budgetText: `${input.gpuMemoryUtilization.toFixed(3)} × ${input.gpuMemoryGiB} = ${staticGiB.toFixed(1)} GiB (SGLang mem-fraction-static;`
      + ` activations and CUDA graphs take ${reservedGiB.toFixed(1)} GiB on top)` });
  if (staticGiB + reservedGiB <= input.gpuMemoryGiB + roundingGiB) return result;
  const highest = Math.floor(((input.gpuMemoryGiB - reservedGiB) / input.gpuMemoryGiB) * 1000) / 1000;
  return { ...result, fits: false, message: `does not fit: needs ${(staticGiB + reservedGiB).toFixed(1)} GiB (mem-fraction-static `
    + `${input.gpuMemoryUtilization.toFixed(3)} × ${input.gpuMemoryGiB} = ${staticGiB.toFixed(1)} GiB + SGLang's ${reservedGiB.toFixed(1)} GiB for activations `
    + `and CUDA graphs) but ${gpuLabel(input)} has ${input.gpuMemoryGiB} GiB${input.unifiedMemory ? " of unified memory, shared with the OS" : ""} (OOM at graph capture): lower gpuMemoryUtilization to at most ${highest} or leave it unset` };
}

/**
 * TensorRT-LLM: `kv_cache_config.free_gpu_memory_fraction` (the recipe's gpuMemoryUtilization) of the
 * memory still free after weights, activations and runtime buffers becomes the KV pool, in
 * 32-token blocks. The budget reported is what the engine ends up holding.
 */
export function fitTrtllm(input: FitInput): FitResult {
  const arch = input.architecture;
  const tp = Math.max(1, input.tensorParallel);
  const weightsGiB = weightsPerGpu(input);
  const activationGiB = activationPeak(arch, { tensorParallel: tp, maxNumSeqs: input.maxNumSeqs,
    maxNumBatchedTokens: input.maxNumBatchedTokens ?? 8192, samplerBytesPerLogit: 14, kernelWorkspaceGiB: 0.1 }).totalGiB;
  const nonTorch = nonTorchGiB(tp, input.interconnect ?? "nvlink", 0.25);
  const free = input.gpuMemoryGiB - weightsGiB - activationGiB - nonTorch;
  const poolGiB = free * input.gpuMemoryUtilization;
  const budgetGiB = weightsGiB + activationGiB + nonTorch + Math.max(0, poolGiB);
  return tokenPoolResult(input, arch, { budgetGiB, poolGiB, weightsGiB, activationGiB, nonTorch, pageTokens: 32,
    budgetText: `${input.gpuMemoryUtilization.toFixed(2)} of the ${free.toFixed(1)} GiB left after weights and activations`
      + ` (free_gpu_memory_fraction), ${budgetGiB.toFixed(1)} GiB in all,` });
}

function tokenPoolResult(input: FitInput, arch: ModelArchitecture, p: {
  budgetGiB: number; poolGiB: number; weightsGiB: number; activationGiB: number; nonTorch: number; pageTokens: number;
  budgetText: string;
}): FitResult {
  const perToken = kvBytesPerToken(arch, input.kvCacheDtype, input.tensorParallel, input.engine);
  const pages = perToken > 0 ? Math.floor(Math.max(0, p.poolGiB) * GiB / (perToken * p.pageTokens)) : 0;
  const tokens = pages * p.pageTokens;
  const sequenceGiB = (perToken * input.maxModelLen) / GiB;
  const fits = p.poolGiB > 0 && (arch.encoderOnly || tokens >= input.maxModelLen);
  const message = pagedMessage({
    gpu: gpuLabel(input), totalGiB: input.gpuMemoryGiB, unified: input.unifiedMemory, budgetText: p.budgetText,
    needParts: [["weights", p.weightsGiB], ["activation", p.activationGiB], ["non-torch", p.nonTorch]],
    maxModelLen: input.maxModelLen, sequenceGiB, poolGiB: p.poolGiB, tokens, concurrency: tokens / input.maxModelLen, fits,
    ...(fits || perToken === 0 ? {} : { longestFittingLen: Math.floor(tokens / 16) * 16 }),
  });
  return {
    totalGiB: input.gpuMemoryGiB, budgetGiB: p.budgetGiB, weightsGiB: p.weightsGiB, activationGiB: p.activationGiB,
    nonTorchGiB: p.nonTorch, cudaGraphGiB: 0, kvPoolGiB: Math.max(0, p.poolGiB), kvBytesPerToken: perToken,
    kvCacheTokens: tokens, maxConcurrency: tokens / input.maxModelLen, fits, message,
  };
}
