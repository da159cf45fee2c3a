import type { Architecture } from "../fleet/recipe";
import type { ModelArchitecture, ModelCatalogEntry } from "./types";

/**
 * Model families the fabric sizes without a config.json. Numbers are the checkpoints' own
 * config.json values (test/fixtures/hf/ holds copies of the ones marked so); `paramsBillion` is the
 * safetensors total (vision towers included for multimodal checkpoints vLLM loads whole).
 */
export const modelCatalog: readonly ModelCatalogEntry[] = [
  entry("llama-3.1-8b", ["meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct",
    "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16", "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
    "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"], // fixture llama-3.1-8b.json
  { layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, paramsBillion: 8.03, vocabSize: 128256,
    tiedEmbeddings: false, intermediateSize: 14336, maxContext: 131072 }),
  entry("llama-3.1-70b", ["meta-llama/Llama-3.1-70B", "meta-llama/Llama-3.1-70B-Instruct", "meta-llama/Meta-Llama-3.1-70B-Instruct",
    "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4"],
  { layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128, paramsBillion: 70.55, vocabSize: 128256,
    tiedEmbeddings: false, intermediateSize: 28672, maxContext: 131072 }),
  entry("qwen2.5-7b", ["Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct-AWQ", "Qwen/Qwen2.5-7B-Instruct-GGUF"],
  { layers: 28, hiddenSize: 3584, attentionHeads: 28, kvHeads: 4, headDim: 128, paramsBillion: 7.62, vocabSize: 152064,
    tiedEmbeddings: false, intermediateSize: 18944, maxContext: 32768 }),
  // Calibration row C (REFERENCE.md): Qwen2-7B-Instruct on an A100 80GB.
  entry("qwen2-7b", ["Qwen/Qwen2-7B", "Qwen/Qwen2-7B-Instruct"],
  { layers: 28, hiddenSize: 3584, attentionHeads: 28, kvHeads: 4, headDim: 128, paramsBillion: 7.62, vocabSize: 152064,
    tiedEmbeddings: false, intermediateSize: 18944, maxContext: 32768 }),
  entry("qwen3-8b", ["Qwen/Qwen3-8B", "Qwen/Qwen3-8B-AWQ", "Qwen/Qwen3-8B-FP8", "Qwen/Qwen3-8B-GGUF"], qwen3_8b()),
  entry("qwen3-32b", ["Qwen/Qwen3-32B", "Qwen/Qwen3-32B-AWQ", "Qwen/Qwen3-32B-FP8"],
  { layers: 64, hiddenSize: 5120, attentionHeads: 64, kvHeads: 8, headDim: 128, paramsBillion: 32.76, vocabSize: 151936,
    tiedEmbeddings: false, intermediateSize: 25600, maxContext: 40960 }),
  entry("qwen3-30b-a3b", ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-30B-A3B-Instruct-2507", "Qwen/Qwen3-30B-A3B-FP8",
    "Qwen/Qwen3-30B-A3B-GPTQ-Int4"], // fixture qwen3-30b-a3b.json
  { layers: 48, hiddenSize: 2048, attentionHeads: 32, kvHeads: 4, headDim: 128, paramsBillion: 30.53, activeParamsBillion: 3.34,
    vocabSize: 151936, tiedEmbeddings: false, experts: { total: 128, active: 8, intermediateSize: 768 }, maxContext: 40960 }),
  // Gemma 3: 5 of every 6 layers use a 1024-token window (sliding_window_pattern 6).
  entry("gemma-3-12b", ["google/gemma-3-12b-it", "google/gemma-3-12b-pt", "unsloth/gemma-3-12b-it-GGUF", "ggml-org/gemma-3-12b-it-GGUF"],
  { layers: 48, hiddenSize: 3840, attentionHeads: 16, kvHeads: 8, headDim: 256, paramsBillion: 12.19, vocabSize: 262208,
    tiedEmbeddings: true, intermediateSize: 15360, slidingWindow: { tokens: 1024, layers: 40 }, maxContext: 131072 }),
  entry("gemma-3-27b", ["google/gemma-3-27b-it", "google/gemma-3-27b-pt", "unsloth/gemma-3-27b-it-GGUF"],
  { layers: 62, hiddenSize: 5376, attentionHeads: 32, kvHeads: 16, headDim: 128, paramsBillion: 27.43, vocabSize: 262208,
    tiedEmbeddings: true, intermediateSize: 21504, slidingWindow: { tokens: 1024, layers: 52 }, maxContext: 131072 }),
  // v0.2/v0.3 (full attention). v0.1 slides a 4096 window on every layer: size it with inline numbers.
  entry("mistral-7b", ["mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-v0.3", "mistralai/Mistral-7B-Instruct-v0.2"],
  { layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, paramsBillion: 7.25, vocabSize: 32768,
    tiedEmbeddings: false, intermediateSize: 14336, maxContext: 32768 }),
  // Qwen2.5-14B architecture.
  entry("deepseek-r1-distill-qwen-14b", ["deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "bartowski/DeepSeek-R1-Distill-Qwen-14B-GGUF",
    "unsloth/DeepSeek-R1-Distill-Qwen-14B-GGUF"],
  { layers: 48, hiddenSize: 5120, attentionHeads: 40, kvHeads: 8, headDim: 128, paramsBillion: 14.77, vocabSize: 152064,
    tiedEmbeddings: false, intermediateSize: 13824, maxContext: 131072 }),
  // gpt-oss: layers alternate a 128-token window and full attention; MXFP4 experts, BF16 attention.
  entry("gpt-oss-20b", ["openai/gpt-oss-20b", "unsloth/gpt-oss-20b-GGUF", "ggml-org/gpt-oss-20b-GGUF"], // fixture gpt-oss-20b.json
  { layers: 24, hiddenSize: 2880, attentionHeads: 64, kvHeads: 8, headDim: 64, paramsBillion: 20.91, activeParamsBillion: 3.61,
    vocabSize: 201088, tiedEmbeddings: false, experts: { total: 32, active: 4, intermediateSize: 2880 },
    slidingWindow: { tokens: 128, layers: 12 }, maxContext: 131072 }),
  entry("gpt-oss-120b", ["openai/gpt-oss-120b", "unsloth/gpt-oss-120b-GGUF", "ggml-org/gpt-oss-120b-GGUF"],
  { layers: 36, hiddenSize: 2880, attentionHeads: 64, kvHeads: 8, headDim: 64, paramsBillion: 116.83, activeParamsBillion: 5.13,
    vocabSize: 201088, tiedEmbeddings: false, experts: { total: 128, active: 4, intermediateSize: 2880 },
    slidingWindow: { tokens: 128, layers: 18 }, maxContext: 131072 }),
  entry("nomic-embed-text-v1.5", ["nomic-ai/nomic-embed-text-v1.5", "nomic-ai/nomic-embed-text-v1"],
  { layers: 12, hiddenSize: 768, attentionHeads: 12, kvHeads: 12, headDim: 64, paramsBillion: 0.137, vocabSize: 30528,
    tiedEmbeddings: true, intermediateSize: 3072, maxContext: 8192, encoderOnly: true }),
  // NVIDIA ToolOrchestra's orchestrator is a Qwen3-8B fine-tune: "Qwen3 arch" and Qwen's
  // <tool_call> token id 151657 in public training scripts (YGN-SAGE). The seed's "-AWQ" repo is
  // a community quantisation; its exact id is unverified.
  entry("nemotron-orchestrator-8b", ["nvidia/Nemotron-Orchestrator-8B", "nvidia/Nemotron-Orchestrator-8B-AWQ", "nvidia/Orchestrator-8B"],
    qwen3_8b()),
  // Qwen3.5/3.6 dense 27B (identical configs): 64 layers, every 4th full attention, the other 48
  // Gated DeltaNet. State per linear layer: conv 10240×3×2 B + SSM 48 heads×128×128×4 B (fp32).
  // Fixture qwen3.6-27b.json; params are text 26.9B + vision 0.46B.
  entry("qwen3.6-27b", ["Qwen/Qwen3.6-27B", "vrfai/Qwen3.6-27B-NVFP4", "Qwen/Qwen3.6-27B-FP8", "Qwen/Qwen3.5-27B"],
  { layers: 64, hiddenSize: 5120, attentionHeads: 24, kvHeads: 4, headDim: 256, paramsBillion: 27.36, vocabSize: 248320,
    tiedEmbeddings: false, intermediateSize: 17408, stateLayers: 48, stateBytesPerLayer: 3_207_168, maxContext: 262144 }),
];

/** Qwen3-8B (fixture qwen3-8b.json), shared by its fine-tunes. */
function qwen3_8b(): ArchitectureInput {
  return { layers: 36, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128, paramsBillion: 8.19, vocabSize: 151936,
    tiedEmbeddings: false, intermediateSize: 12288, maxContext: 40960 };
}

type ArchitectureInput = Omit<ModelArchitecture, "activeParamsBillion"> & { readonly activeParamsBillion?: number };

function entry(id: string, repos: readonly string[], a: ArchitectureInput): ModelCatalogEntry {
  return { id, repos, architecture: { ...a, activeParamsBillion: a.activeParamsBillion ?? a.paramsBillion } };
}

/** Quantisation and packaging suffixes that name a variant of the same architecture. */
const VARIANT_SUFFIXES = [
  /-(awq|gptq)(-int[48])?$/, /-(nvfp4|mxfp4|fp8|fp8-dynamic|fp16|bf16|int4|int8|w4a16|w8a8|w8a16)$/, /-gguf$/, /-mlx(-\dbit)?$/,
  /-quantized\.w\d+a\d+$/, /-(instruct|chat|it|pt|base)(-\d{4})?$/, /-v\d+(\.\d+)?$/,
];

const byName = new Map<string, ModelCatalogEntry>();
for (const e of modelCatalog) {
  byName.set(e.id, e);
  for (const repo of e.repos) byName.set(repo.toLowerCase(), e);
}

/**
 * A catalog entry by catalog id (`qwen3-8b`) or Hugging Face repository id, case-insensitive.
 * Unknown repositories fall back to their base name with variant suffixes stripped, so
 * `someone/Qwen3-8B-Instruct-AWQ` finds `qwen3-8b` and `Meta-Llama-3.1-8B-Instruct` finds `llama-3.1-8b`.
 */
export function findModel(idOrRepo: string): ModelCatalogEntry | undefined {
  const wanted = idOrRepo.trim().toLowerCase();
  const direct = byName.get(wanted);
  if (direct) return direct;
  let base = (wanted.split("/").pop() ?? wanted).replace(/^meta-(?=llama)/, "");
  for (let stripped = true; stripped;) {
    const hit = byName.get(base);
    if (hit) return hit;
    stripped = false;
    for (const suffix of VARIANT_SUFFIXES) {
      const next = base.replace(suffix, "");
      if (next !== base) { base = next; stripped = true; break; }
    }
  }
  return undefined;
}

/**
 * Converts the fleet file's inline numbers into the memory model's architecture. Gaps get the
 * conservative reading: no head_dim → hidden/heads; no vocabulary → 131072 (modern tokenizers are
 * 128–256K, and a larger vocabulary only adds unquantised embedding and sampler memory); a window
 * without a layer count → every layer windowed; dense (all parameters active).
 */
export function architectureFromInline(a: Architecture): ModelArchitecture {
  const slidingLayers = a.slidingWindowLayers ?? a.layers;
  return {
    layers: a.layers,
    hiddenSize: a.hiddenSize,
    attentionHeads: a.attentionHeads,
    kvHeads: a.kvHeads,
    headDim: a.headDim ?? Math.round(a.hiddenSize / a.attentionHeads),
    paramsBillion: a.paramsBillion,
    activeParamsBillion: a.paramsBillion,
    vocabSize: a.vocabSize ?? 131072,
    tiedEmbeddings: a.tiedEmbeddings ?? false,
    ...(a.slidingWindow !== undefined && slidingLayers > 0 ? { slidingWindow: { tokens: a.slidingWindow, layers: slidingLayers } } : {}),
    ...(a.stateLayers ? { stateLayers: a.stateLayers } : {}),
    ...(a.maxContext !== undefined ? { maxContext: a.maxContext } : {}),
  };
}
