import { ALIASES, type ConfigFields, numberField } from "./config-fields";
import { countParameters } from "./param-count";
import type { ModelArchitecture } from "./types";

/**
 * Values Hugging Face leaves out of config.json because the model class defaults them: a Gemma 3
 * config.json names only what differs from `Gemma3TextConfig` (no vocab_size, head_dim, pattern).
 */
const CLASS_DEFAULTS: Readonly<Record<string, ConfigFields>> = {
  gemma3_text: { vocab_size: 262208, head_dim: 256, num_attention_heads: 8, num_key_value_heads: 4, sliding_window: 4096,
    sliding_window_pattern: 6, max_position_embeddings: 131072, tie_word_embeddings: true, intermediate_size: 9216 },
  gemma2: { sliding_window_pattern: 2, tie_word_embeddings: true },
  gemma: { tie_word_embeddings: true },
  nomic_bert: { tie_word_embeddings: true },
};

function requireNumber(c: ConfigFields, key: string, where: string): number {
  const v = numberField(c, key);
  if (v === undefined || v <= 0) {
    const also = ALIASES[key] ? ` (or ${ALIASES[key]?.join(", ")})` : "";
    throw new Error(`config.json: ${where}${key}${also} is missing or not a positive number; the memory model needs it`);
  }
  return v;
}

/** The language model's fields: multimodal checkpoints nest them in `text_config`/`llm_config`. */
function textFields(root: ConfigFields): { fields: ConfigFields; where: string } {
  for (const key of ["text_config", "llm_config", "language_config"]) {
    const nested = root[key];
    if (nested && typeof nested === "object" && !Array.isArray(nested)) {
      const inner = nested as ConfigFields;
      const type = typeof inner["model_type"] === "string" ? inner["model_type"] : "";
      // Root keys (tie_word_embeddings, quantization_config) apply unless the text config overrides them.
      return { fields: { ...(CLASS_DEFAULTS[type] ?? {}), ...root, ...inner }, where: `${key}.` };
    }
  }
  const type = typeof root["model_type"] === "string" ? root["model_type"] : "";
  return { fields: { ...(CLASS_DEFAULTS[type] ?? {}), ...root }, where: "" };
}

/** Layer roles from `layer_types` or the older sliding-window pattern keys. */
interface LayerRoles { readonly sliding: number; readonly state: number }

function layerRoles(c: ConfigFields, layers: number): LayerRoles {
  const types = c["layer_types"] ?? c["layers_block_type"];
  if (Array.isArray(types) && types.length > 0) {
    const count = (match: (t: string) => boolean) => types.filter((t) => typeof t === "string" && match(t)).length;
    return {
      sliding: count((t) => t === "sliding_attention" || t === "chunked_attention"),
      state: count((t) => t === "linear_attention" || t === "mamba" || t === "conv"),
    };
  }
  const hybrid = c["hybrid_override_pattern"];
  if (typeof hybrid === "string") return { sliding: 0, state: [...hybrid].filter((ch) => ch === "M").length };
  const interval = numberField(c, "full_attention_interval");
  const window = numberField(c, "sliding_window");
  if (interval && c["model_type"] !== undefined && String(c["model_type"]).startsWith("qwen3_5")) {
    return { sliding: 0, state: layers - Math.floor(layers / interval) };
  }
  if (window === undefined || c["use_sliding_window"] === false) return { sliding: 0, state: 0 };
  // Windows as long as the context never slide (Qwen2 configs carry sliding_window = max positions).
  const maxPositions = numberField(c, "max_position_embeddings");
  if (maxPositions !== undefined && window >= maxPositions) return { sliding: 0, state: 0 };
  const pattern = numberField(c, "sliding_window_pattern") ?? numberField(c, "_sliding_window_pattern");
  // Pattern n: every n-th layer is global, the rest slide (Gemma 2: 2, Gemma 3: 6).
  return { sliding: pattern && pattern > 1 ? layers - Math.floor(layers / pattern) : layers, state: 0 };
}

/** Bytes of recurrent state per sequence in one linear-attention layer (Gated DeltaNet keys). */
function stateBytes(c: ConfigFields): number | undefined {
  const nk = numberField(c, "linear_num_key_heads");
  const nv = numberField(c, "linear_num_value_heads");
  const dk = numberField(c, "linear_key_head_dim");
  const dv = numberField(c, "linear_value_head_dim");
  const kernel = numberField(c, "linear_conv_kernel_dim") ?? 4;
  if (nk === undefined || nv === undefined || dk === undefined || dv === undefined) return undefined;
  const ssmBytes = c["mamba_ssm_dtype"] === "bfloat16" || c["mamba_ssm_dtype"] === "float16" ? 2 : 4;
  const conv = (2 * nk * dk + nv * dv) * (kernel - 1) * 2;
  return conv + nv * dk * dv * ssmBytes;
}

/** Mixture-of-experts numbers under their various names (Qwen, Mixtral/gpt-oss, DeepSeek). */
function experts(c: ConfigFields, intermediate: number): ModelArchitecture["experts"] {
  const total = numberField(c, "num_experts") ?? numberField(c, "num_local_experts") ?? numberField(c, "n_routed_experts");
  if (!total || total <= 1) return undefined;
  const active = numberField(c, "num_experts_per_tok") ?? numberField(c, "experts_per_token") ?? numberField(c, "moe_topk");
  if (!active) throw new Error("config.json: num_experts_per_tok (or experts_per_token) is missing for a mixture-of-experts model");
  return { total, active, intermediateSize: numberField(c, "moe_intermediate_size") ?? intermediate };
}

/**
 * Reads any Hugging Face config.json into the memory model's architecture: dense, multimodal
 * (`text_config`), mixture-of-experts, sliding-window and linear-attention hybrids. Parameter
 * counts are derived from the shapes (embeddings, attention, MLP or experts, norms, vision tower),
 * since config.json does not carry them. Throws an Error naming the missing field.
 */
export function architectureFromHfConfig(config: unknown): ModelArchitecture {
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw new Error("config.json: expected a JSON object with num_hidden_layers, hidden_size, num_attention_heads");
  }
  const root = config as ConfigFields;
  const { fields: c, where } = textFields(root);
  const layers = requireNumber(c, "num_hidden_layers", where);
  const hiddenSize = requireNumber(c, "hidden_size", where);
  const attentionHeads = requireNumber(c, "num_attention_heads", where);
  const kvHeads = c["multi_query"] === true ? 1 : numberField(c, "num_key_value_heads") ?? attentionHeads;
  const headDim = numberField(c, "head_dim") ?? hiddenSize / attentionHeads;
  const vocabSize = requireNumber(c, "vocab_size", where);
  const intermediateSize = numberField(c, "intermediate_size") ?? 4 * hiddenSize;
  const tiedEmbeddings = c["tie_word_embeddings"] === true;
  const roles = layerRoles(c, layers);
  const moe = experts(c, intermediateSize);
  const window = numberField(c, "sliding_window");
  const state = stateBytes(c);
  const maxContext = numberField(c, "max_position_embeddings");
  const counted = countParameters(root, c, { layers, hiddenSize, attentionHeads, kvHeads, headDim, vocabSize, intermediateSize,
    tiedEmbeddings, stateLayers: roles.state, experts: moe });
  return {
    layers, hiddenSize, attentionHeads, kvHeads, headDim, vocabSize, tiedEmbeddings, intermediateSize,
    paramsBillion: counted.total / 1e9,
    activeParamsBillion: counted.active / 1e9,
    ...(moe ? { experts: moe } : {}),
    ...(roles.sliding > 0 && window !== undefined ? { slidingWindow: { tokens: window, layers: roles.sliding } } : {}),
    ...(roles.state > 0 ? { stateLayers: roles.state, ...(state !== undefined ? { stateBytesPerLayer: state } : {}) } : {}),
    ...(maxContext !== undefined ? { maxContext } : {}),
    ...(/bert|roberta|xlm|electra/i.test(String(c["model_type"] ?? "")) ? { encoderOnly: true } : {}),
  };
}
