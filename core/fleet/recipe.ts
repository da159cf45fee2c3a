import { z } from "zod";
import { CatalogId, EnvName, EnvValue, HfRepoId, PlainText, RepoFile, Revision } from "./grammar";
import { Image } from "./primitives";
import { RecipeSlo } from "./slo";

/** Engines a recipe can run on. `llama-swap` is not a recipe engine: swap slots are deployments. */
export const EngineId = z
  .enum(["vllm", "sglang", "llamacpp", "ollama", "trtllm", "tei"])
  .describe("Inference engine: vllm, sglang, llamacpp (llama-server), ollama, trtllm (TensorRT-LLM) or tei (text-embeddings-inference).");
export type EngineId = z.infer<typeof EngineId>;

/** Weight formats the memory model and the checks understand. */
export const Quantization = z
  .enum([
    "bf16", "fp16", "fp8", "int8", "awq", "gptq", "nvfp4", "mxfp4",
    "gguf-q4_k_m", "gguf-q5_k_m", "gguf-q6_k", "gguf-q8_0", "gguf-f16",
  ])
  .describe("Weight format. nvfp4/mxfp4/awq/gptq/fp8 checkpoints are detected by vLLM; the value drives memory math and hardware checks.");
export type Quantization = z.infer<typeof Quantization>;

export const KvCacheDtype = z.enum(["auto", "bf16", "fp16", "fp8", "q8_0", "q4_0"])
  .describe("KV-cache element type. 'auto' follows the model dtype; q8_0/q4_0 are llama.cpp and Ollama types.");
export type KvCacheDtype = z.infer<typeof KvCacheDtype>;

/**
 * Model architecture numbers, for models not in the catalog. Enough to size weights and KV cache.
 */
export const Architecture = z
  .strictObject({
    /** Transformer layers (num_hidden_layers). */
    layers: z.number().int().positive().describe("Transformer layers (num_hidden_layers)."),
    /** Hidden size (hidden_size). */
    hiddenSize: z.number().int().positive().describe("Hidden size (hidden_size)."),
    /** Attention heads (num_attention_heads). */
    attentionHeads: z.number().int().positive().describe("Attention heads (num_attention_heads)."),
    /** Key/value heads (num_key_value_heads); equals attentionHeads without GQA. */
    kvHeads: z.number().int().positive().describe("Key/value heads (num_key_value_heads)."),
    /** Head dimension; defaults to hiddenSize / attentionHeads. */
    headDim: z.number().int().positive().optional().describe("Head dimension (head_dim); default hiddenSize / attentionHeads."),
    /** Total parameters in billions (all experts for MoE). */
    paramsBillion: z.number().positive().describe("Total parameters in billions, all experts included."),
    /** Vocabulary size; embeddings and lm_head usually stay unquantised. */
    vocabSize: z.number().int().positive().optional().describe("Vocabulary size (vocab_size)."),
    /** Sliding-window size in tokens for the layers that use one. */
    slidingWindow: z.number().int().positive().optional().describe("Sliding-window length in tokens for windowed layers."),
    /** How many of the layers use the sliding window. */
    slidingWindowLayers: z.number().int().nonnegative().optional().describe("Number of layers that use the sliding window."),
    /** Layers that keep no KV cache (linear attention / state-space layers in hybrids). */
    stateLayers: z.number().int().nonnegative().optional().describe("Layers without a KV cache (linear-attention or SSM layers of hybrids)."),
    /** Maximum context the model supports (max_position_embeddings). */
    maxContext: z.number().int().positive().optional().describe("Longest context the model supports (max_position_embeddings)."),
    /** Whether lm_head shares the embedding matrix (tie_word_embeddings). */
    tiedEmbeddings: z.boolean().optional().describe("Whether lm_head shares the embedding matrix (tie_word_embeddings)."),
  })
  .describe("Architecture numbers for a model the catalog does not know.");
export type Architecture = z.infer<typeof Architecture>;

export const ModelRef = z
  .strictObject({
    /** Hugging Face repository id, e.g. `Qwen/Qwen3-8B-AWQ`. */
    id: HfRepoId.describe("Hugging Face repository id, e.g. 'Qwen/Qwen3-8B-AWQ'."),
    /** Commit sha or tag to pin; part of the recipe hash. */
    revision: Revision.optional().describe("Revision (commit sha or tag) to pin."),
    /** A model catalog id (e.g. `llama-3.1-8b`) or inline architecture numbers. */
    config: z.union([CatalogId, Architecture]).optional()
      .describe("Model catalog id (e.g. 'llama-3.1-8b') or inline architecture; default: looked up from the repository id."),
    /** GGUF file inside the repository (llama.cpp, Ollama). */
    file: RepoFile.optional().describe("GGUF file name inside the repository (llama.cpp)."),
    /** Where engines fetch the weights: the fleet's store (MinIO) first, or the public hub. */
    source: z.enum(["hub", "store"]).default("hub").describe("Where engines fetch weights: 'store' (the fleet's MinIO, synced into the cache volume before start) or 'hub'."),
    /** Measured size of the weights on one GPU, GiB; overrides the estimate. */
    weightsGiB: z.number().positive().optional().describe("Known weight size per GPU in GiB; overrides the estimate."),
  })
  .describe("The model a recipe serves.");
export type ModelRef = z.infer<typeof ModelRef>;

export const Speculative = z
  .strictObject({
    /** Speculative decoding method. */
    method: z.enum(["ngram", "eagle", "eagle3", "mtp", "draft_model", "suffix", "dflash"]).describe("Speculative decoding method."),
    /** Draft model repository (draft_model, eagle, eagle3, dflash). */
    model: HfRepoId.optional().describe("Draft model repository id."),
    /** Tokens proposed per step (num_speculative_tokens). */
    numSpeculativeTokens: z.number().int().positive().max(64).describe("Tokens proposed per step (num_speculative_tokens)."),
    /** Draft model size in GiB, counted against the engine's memory. */
    draftWeightsGiB: z.number().nonnegative().optional().describe("Draft model weight size in GiB (counted in the memory fit)."),
  })
  .describe("Speculative decoding (vLLM --speculative-config).");

/** A recipe: engine + model + quantisation + flags + context length. Its hash is the engine's identity. */
export const Recipe = z
  .strictObject({
    /** Inference engine that serves the recipe. */
    engine: EngineId,
    /** Engine version; selects the image tag and the memory model (CUDA-graph accounting). */
    engineVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, "use a version like '0.26.0' (vLLM), 'b10902' (llama.cpp) or 'v255-b10902' (llama-swap)").optional().describe("Engine version, e.g. '0.11.0'; default from the engine catalog."),
    /** Image override; default comes from the engine catalog for the machine's CPU architecture. */
    image: Image.optional(),
    /** The model the recipe serves. */
    model: ModelRef,
    /** Weight format; drives memory math and hardware checks. */
    quantization: Quantization.default("bf16"),
    /** Context length served (vLLM --max-model-len, llama.cpp --ctx-size). */
    maxModelLen: z.number().int().positive().max(16777216).default(8192).describe("Context length (--max-model-len / --ctx-size)."),
    /** Fraction of the GPU this engine may take (vLLM/SGLang). */
    gpuMemoryUtilization: z.number().gt(0).max(1).optional().describe("Fraction of GPU memory for this engine (vLLM --gpu-memory-utilization, SGLang --mem-fraction-static, TensorRT-LLM free_gpu_memory_fraction). Default: the engine's own (vLLM 0.92 from 0.26, SGLang per GPU, TensorRT-LLM 0.9)."),
    /** Concurrent sequences (vLLM --max-num-seqs, llama.cpp --parallel). */
    maxNumSeqs: z.number().int().positive().optional().describe("Concurrent sequences (vLLM --max-num-seqs, llama.cpp --parallel)."),
    /** Tokens per scheduler step (vLLM --max-num-batched-tokens). */
    maxNumBatchedTokens: z.number().int().positive().optional().describe("Tokens per scheduler step (vLLM --max-num-batched-tokens)."),
    /** KV-cache element type. */
    kvCacheDtype: KvCacheDtype.default("auto"),
    /** Tensor-parallel size (GPUs per engine). */
    tensorParallel: z.number().int().positive().max(64).default(1).describe("Tensor-parallel size (GPUs per engine)."),
    /** Speculative decoding settings. */
    speculative: Speculative.optional(),
    /** Pass --trust-remote-code (runs code from the model repository). */
    trustRemoteCode: z.boolean().default(false).describe("Pass --trust-remote-code."),
    /** Force prefix caching on/off (vLLM V1 default on). */
    enablePrefixCaching: z.boolean().optional().describe("Force prefix caching on/off (vLLM V1 default on)."),
    /** Extra engine arguments appended verbatim (reviewed in the plan). */
    extraArgs: z.array(PlainText).default([]).describe("Extra engine arguments appended verbatim."),
    /** Plain environment for the engine (no secrets: use secretEnv). */
    env: z.record(EnvName, EnvValue).default({}).describe("Plain environment variables (never secrets)."),
    /** Service-level objective gating rollouts (not part of the recipe hash: it changes no engine). */
    slo: RecipeSlo.optional(),
  })
  .describe("Engine + model + quantisation + flags + context length.");
export type Recipe = z.infer<typeof Recipe>;
