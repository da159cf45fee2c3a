import type { ModelArchitecture } from "../catalog/types";
import { gib, parts, thousands, unifiedNote } from "./fit-message";
import { weightsPerGpu } from "./fit-paged";
import { kvBytesPerToken, kvElementBytes } from "./kv-cache";
import { denseIntermediate } from "./overhead";
import type { FitInput, FitResult } from "./types";

const GiB = 1024 ** 3;

/** llama.cpp's default micro-batch (`-ub 512`): the compute buffer is sized for it. */
const LLAMACPP_UBATCH = 512;
/** CUDA context, cuBLAS handles and driver reservations of one process on a GPU. */
const CUDA_CONTEXT_GiB = 0.3;
/** TEI's default `--max-batch-tokens`. */
const TEI_MAX_BATCH_TOKENS = 16384;

/**
 * Context llama.cpp/Ollama allocate: the renderers give every parallel slot the full maxModelLen
 * (`-c maxModelLen × slots`, OLLAMA_CONTEXT_LENGTH × OLLAMA_NUM_PARALLEL), as vLLM's max_model_len is
 * per sequence too.
 */
function contextTokens(input: FitInput): number {
  return input.maxModelLen * Math.max(1, input.maxNumSeqs);
}

/**
 * KV bytes for the whole context in llama.cpp/Ollama: every attention layer holds all of it,
 * except sliding-window layers, which keep the window per slot plus one micro-batch (llama.cpp's
 * SWA cache, the default unless --swa-full), and recurrent layers, which keep one state per slot.
 */
function localKvBytes(arch: ModelArchitecture, input: FitInput): number {
  const perLayerToken = 2 * arch.kvHeads * arch.headDim * kvElementBytes(input.kvCacheDtype);
  const slots = Math.max(1, input.maxNumSeqs);
  const sliding = arch.slidingWindow;
  const slidingLayers = sliding?.layers ?? 0;
  const stateLayers = arch.stateLayers ?? 0;
  const fullLayers = arch.layers - slidingLayers - stateLayers;
  const slidingTokens = sliding ? Math.min(contextTokens(input), sliding.tokens * slots + LLAMACPP_UBATCH) : 0;
  const state = stateLayers * (arch.stateBytesPerLayer ?? arch.hiddenSize * 128 * 4) * slots;
  return fullLayers * perLayerToken * contextTokens(input) + slidingLayers * perLayerToken * slidingTokens + state;
}

/**
 * Compute buffer with flash attention (llama.cpp's default on CUDA): the f32 logits of one
 * micro-batch plus the MLP and attention intermediates of one layer.
 */
function computeBufferGiB(arch: ModelArchitecture): number {
  const h = arch.hiddenSize;
  const mlp = arch.experts ? arch.experts.intermediateSize * arch.experts.active : denseIntermediate(arch);
  return (LLAMACPP_UBATCH * (4 * arch.vocabSize + 8 * mlp + 16 * h)) / GiB;
}

/**
 * llama.cpp server and Ollama have no utilisation knob: they take what the weights, the KV cache for
 * the whole context and the compute buffer need. The budget is that need; it fits when it is no
 * more than the memory (other tenants are summed per GPU by the gpu-oversubscription check).
 */
export function fitLocal(input: FitInput): FitResult {
  const arch = input.architecture;
  const gpu = input.hardwareId ?? "the GPU";
  const weightsGiB = weightsPerGpu(input);
  const kvGiB = localKvBytes(arch, input) / GiB;
  const computeGiB = computeBufferGiB(arch);
  const context = input.hardwareId === "cpu" ? 0 : CUDA_CONTEXT_GiB;
  const need = weightsGiB + kvGiB + computeGiB + context;
  const fits = need <= input.gpuMemoryGiB;
  const slots = Math.max(1, input.maxNumSeqs);
  const what = parts([["weights", weightsGiB], [`KV for ${slots} × ${input.maxModelLen} tokens`, kvGiB], ["compute buffer", computeGiB],
    ["CUDA context", context]]);
  const verdict = fits
    ? `fits: needs ${gib(need)} GiB (${what}) of the ${gib(input.gpuMemoryGiB)} GiB ${gpu} has; ` +
      `${slots} slot(s) of ${thousands(input.maxModelLen)} tokens`
    : `does not fit: needs ${gib(need)} GiB (${what}) but ${gpu} has ${gib(input.gpuMemoryGiB)} GiB; ` +
      `lower the context (maxModelLen), quantise the KV cache (kvCacheDtype q8_0) or pick a smaller GGUF`;
  return {
    totalGiB: input.gpuMemoryGiB, budgetGiB: need, weightsGiB, activationGiB: computeGiB, nonTorchGiB: context, cudaGraphGiB: 0,
    kvPoolGiB: kvGiB, kvBytesPerToken: kvBytesPerToken(arch, input.kvCacheDtype, 1, input.engine),
    kvCacheTokens: contextTokens(input), maxConcurrency: slots, fits,
    message: verdict + (input.unifiedMemory ? unifiedNote(gpu, input.gpuMemoryGiB) : ""),
  };
}

/**
 * Text Embeddings Inference: an encoder with no KV cache. It needs the weights, the activations of
 * one `--max-batch-tokens` batch (hidden states, attention projections and the MLP) and the CUDA context.
 */
export function fitTei(input: FitInput): FitResult {
  const arch = input.architecture;
  const gpu = input.hardwareId ?? "the GPU";
  const weightsGiB = weightsPerGpu(input);
  const activationGiB = (TEI_MAX_BATCH_TOKENS * (8 * arch.hiddenSize + 4 * denseIntermediate(arch)) * 2) / GiB;
  const context = input.hardwareId === "cpu" ? 0 : CUDA_CONTEXT_GiB;
  const need = weightsGiB + activationGiB + context;
  const fits = need <= input.gpuMemoryGiB;
  const what = parts([["weights", weightsGiB], [`activations for ${TEI_MAX_BATCH_TOKENS} batch tokens`, activationGiB],
    ["CUDA context", context]]);
  const message = (fits ? `fits: needs ${gib(need)} GiB (${what}) of the ${gib(input.gpuMemoryGiB)} GiB ${gpu} has; no KV cache (encoder)`
    : `does not fit: needs ${gib(need)} GiB (${what}) but ${gpu} has ${gib(input.gpuMemoryGiB)} GiB`)
    + (input.unifiedMemory ? unifiedNote(gpu, input.gpuMemoryGiB) : "");
  return {
    totalGiB: input.gpuMemoryGiB, budgetGiB: need, weightsGiB, activationGiB, nonTorchGiB: context, cudaGraphGiB: 0,
    kvPoolGiB: 0, kvBytesPerToken: 0, kvCacheTokens: 0, maxConcurrency: Math.max(1, input.maxNumSeqs), fits, message,
  };
}
