import type { ModelArchitecture } from "../catalog/types";
import type { KvCacheDtype } from "../fleet/recipe";
import type { FitInput } from "./types";

/**
 * Bytes per cached element. vLLM/SGLang/TRT-LLM: `auto` follows the model dtype (bf16/fp16 = 2), fp8 = 1.
 * llama.cpp/Ollama block types: q8_0 stores 32 values in 34 bytes (1.0625), q4_0 in 18 (0.5625).
 */
export function kvElementBytes(dtype: KvCacheDtype): number {
  switch (dtype) {
    case "fp8": return 1;
    case "q8_0": return 34 / 32;
    case "q4_0": return 18 / 32;
    default: return 2;
  }
}

/** KV heads one GPU holds: vLLM shards heads over TP and replicates them when TP exceeds the count. */
export function kvHeadsPerGpu(arch: ModelArchitecture, tensorParallel: number): number {
  return Math.max(1, Math.floor(arch.kvHeads / Math.max(1, tensorParallel)));
}

/**
 * KV-cache bytes per token on one GPU: 2 (K and V) × attention layers × KV heads per GPU × head_dim ×
 * element bytes. Linear-attention/SSM layers hold no per-token KV and are left out; sliding-window
 * layers are counted in full (their cap is applied per request, see {@link vllmKvLayout}).
 * llama.cpp and Ollama do not shard by tensor parallelism, so they always count every head.
 */
export function kvBytesPerToken(arch: ModelArchitecture, kvCacheDtype: KvCacheDtype, tensorParallel: number,
  engine: FitInput["engine"]): number {
  if (arch.encoderOnly) return 0;
  const attentionLayers = arch.layers - (arch.stateLayers ?? 0);
  const heads = engine === "llamacpp" || engine === "ollama" ? arch.kvHeads : kvHeadsPerGpu(arch, tensorParallel);
  return 2 * attentionLayers * heads * arch.headDim * kvElementBytes(kvCacheDtype);
}

/** How vLLM's hybrid KV-cache manager lays out one GPU's pool. */
export interface VllmKvLayout {
  /** Tokens per block: 16, or raised so one attention block is at least one recurrent-state page. */
  readonly blockTokens: number;
  /** Layers per KV-cache group; every group allocates blocks of the same size from one pool. */
  readonly groupLayers: number;
  /** Bytes of one block across the layers of one group. */
  readonly blockBytes: number;
  /** Groups of full-attention, sliding-window and recurrent-state layers (padded to whole groups). */
  readonly groups: { readonly full: number; readonly sliding: number; readonly state: number };
}

/**
 * The pool layout vLLM V1 builds (kv_cache_utils: uniform page size across layer types). Layers
 * of one type are split into groups of equal size — the smallest type's layer count, or the
 * largest when all types are within 25 % — and every group draws same-sized blocks from the
 * shared pool, so a model with 8 full and 40 sliding layers (Gemma 3 12B) gets 1 + 5 groups of 8.
 */
export function vllmKvLayout(arch: ModelArchitecture, kvCacheDtype: KvCacheDtype, tensorParallel: number): VllmKvLayout {
  const state = arch.stateLayers ?? 0;
  const sliding = arch.slidingWindow?.layers ?? 0;
  const full = Math.max(0, arch.layers - state - sliding);
  const perTokenPerLayer = 2 * kvHeadsPerGpu(arch, tensorParallel) * arch.headDim * kvElementBytes(kvCacheDtype);
  const statePage = state > 0 ? (arch.stateBytesPerLayer ?? defaultStateBytes(arch)) / Math.max(1, tensorParallel) : 0;
  // Attention blocks grow (in steps of 16 tokens) until a block holds one sequence's recurrent state.
  const blockTokens = statePage > 0 ? 16 * Math.max(1, Math.ceil(statePage / (16 * perTokenPerLayer))) : 16;
  const counts = [full, sliding, state].filter((n) => n > 0);
  if (counts.length === 0) counts.push(1);
  const smallest = Math.min(...counts);
  const largest = Math.max(...counts);
  const groupLayers = counts.length <= 1 ? largest : largest <= smallest * 1.25 ? largest : smallest;
  const groupsOf = (n: number) => (n > 0 ? Math.ceil(n / groupLayers) : 0);
  return {
    blockTokens,
    groupLayers,
    blockBytes: groupLayers * blockTokens * perTokenPerLayer,
    groups: { full: groupsOf(full), sliding: groupsOf(sliding), state: groupsOf(state) },
  };
}

/**
 * Recurrent state when config.json did not give it: one fp32 128-wide row per hidden unit, the
 * order of a Gated DeltaNet layer (Qwen3.6-27B: 3.2 MB measured vs 2.6 MB from this rule).
 */
function defaultStateBytes(arch: ModelArchitecture): number {
  return arch.hiddenSize * 128 * 4;
}

/** Blocks one request of `maxModelLen` tokens can hold at its peak (vLLM's max_memory_usage_bytes). */
export function vllmBlocksPerRequest(arch: ModelArchitecture, layout: VllmKvLayout, maxModelLen: number,
  maxNumBatchedTokens: number): number {
  const bt = layout.blockTokens;
  const fullBlocks = Math.ceil(maxModelLen / bt);
  // A sliding layer keeps its window plus the chunk being prefilled, and one block of slack.
  const window = arch.slidingWindow?.tokens ?? 0;
  const slidingBlocks = Math.ceil(Math.min(window - 1 + maxNumBatchedTokens, maxModelLen) / bt) + 1;
  return layout.groups.full * fullBlocks + layout.groups.sliding * slidingBlocks + layout.groups.state;
}

/** What a KV pool holds, the way vLLM reports it. */
export interface VllmKvCapacity {
  readonly numBlocks: number;
  /** "GPU KV cache size: N tokens". */
  readonly tokens: number;
  /** "Maximum concurrency for L tokens per request: Xx". */
  readonly maxConcurrency: number;
  /** Bytes one max-length request needs; vLLM refuses to start when the pool is smaller. */
  readonly bytesPerSequence: number;
}

/** Blocks, tokens and concurrency of a pool of `poolBytes` on one GPU. */
export function vllmKvCapacity(arch: ModelArchitecture, poolBytes: number, input: {
  readonly kvCacheDtype: KvCacheDtype; readonly tensorParallel: number; readonly maxModelLen: number;
  readonly maxNumBatchedTokens: number; readonly tokensFromConcurrency: boolean;
}): VllmKvCapacity {
  const layout = vllmKvLayout(arch, input.kvCacheDtype, input.tensorParallel);
  const numBlocks = Math.max(0, Math.floor(poolBytes / layout.blockBytes));
  const perRequest = vllmBlocksPerRequest(arch, layout, input.maxModelLen, input.maxNumBatchedTokens);
  const maxConcurrency = numBlocks / perRequest;
  const groupCount = layout.groups.full + layout.groups.sliding + layout.groups.state;
  // One group (every layer full attention): both reports are whole blocks of tokens.
  const tokens = input.tokensFromConcurrency && groupCount > 1
    ? Math.floor(maxConcurrency * input.maxModelLen)
    : Math.floor(numBlocks / groupCount) * layout.blockTokens;
  return { numBlocks, tokens, maxConcurrency, bytesPerSequence: perRequest * layout.blockBytes };
}
