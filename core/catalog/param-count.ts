import { type ConfigFields, numberField } from "./config-fields";
import type { ModelArchitecture } from "./types";

/** The shape numbers a parameter count needs, already read from config.json. */
export interface CountShape {
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly intermediateSize: number;
  readonly tiedEmbeddings: boolean;
  readonly stateLayers: number;
  readonly experts: ModelArchitecture["experts"];
}

/** Attention projections of one layer: q (doubled when gated), k, v, o, and biases where present. */
function attentionParams(c: ConfigFields, s: CountShape): number {
  const gate = c["attn_output_gate"] === true ? 2 : 1;
  const q = s.attentionHeads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const type = String(c["model_type"] ?? "");
  // Qwen2 always carries q/k/v biases; attention_bias adds o bias too (gpt-oss also has per-head sinks).
  const qkvBias = c["attention_bias"] === true || type.startsWith("qwen2") ? q + 2 * kv : 0;
  const oBias = c["attention_bias"] === true ? s.hiddenSize + s.attentionHeads : 0;
  return s.hiddenSize * q * gate + 2 * s.hiddenSize * kv + q * s.hiddenSize + qkvBias + oBias;
}

/** A Gated DeltaNet layer (Qwen3-Next/3.5/3.6): qkv, z, a, b, out projections and the conv. */
function linearAttentionParams(c: ConfigFields, s: CountShape): number | undefined {
  const nk = numberField(c, "linear_num_key_heads");
  const nv = numberField(c, "linear_num_value_heads");
  const dk = numberField(c, "linear_key_head_dim");
  const dv = numberField(c, "linear_value_head_dim");
  if (nk === undefined || nv === undefined || dk === undefined || dv === undefined) return undefined;
  const kernel = numberField(c, "linear_conv_kernel_dim") ?? 4;
  const qkv = 2 * nk * dk + nv * dv;
  const h = s.hiddenSize;
  return h * qkv + h * nv * dv + 2 * h * nv + nv * dv * h + qkv * kernel + 2 * nv + dv;
}

/** Layers that keep a dense MLP in a mixture-of-experts model (DeepSeek's first_k, Qwen's mlp_only_layers). */
function denseLayerCount(c: ConfigFields, layers: number): number {
  const firstK = numberField(c, "first_k_dense_replace") ?? 0;
  const mlpOnly = Array.isArray(c["mlp_only_layers"]) ? (c["mlp_only_layers"] as unknown[]).length : 0;
  const step = numberField(c, "decoder_sparse_step") ?? 1;
  const sparseByStep = step > 1 ? Math.floor(layers / step) : layers;
  return Math.min(layers, Math.max(firstK, mlpOnly, layers - sparseByStep));
}

/** Vision tower of a multimodal checkpoint (SigLIP / Qwen ViT): blocks, patch and position embeddings, projector. */
function visionParams(root: ConfigFields, textHidden: number): number {
  const v = root["vision_config"];
  if (!v || typeof v !== "object") return 0;
  const vc = v as ConfigFields;
  const depth = numberField(vc, "depth") ?? numberField(vc, "num_hidden_layers") ?? 0;
  const h = numberField(vc, "hidden_size") ?? numberField(vc, "embed_dim") ?? 0;
  const i = numberField(vc, "intermediate_size") ?? 4 * h;
  const patch = numberField(vc, "patch_size") ?? 14;
  const channels = numberField(vc, "in_channels") ?? numberField(vc, "num_channels") ?? 3;
  const temporal = numberField(vc, "temporal_patch_size") ?? 1;
  const image = numberField(vc, "image_size");
  const positions = numberField(vc, "num_position_embeddings") ?? (image ? (image / patch) ** 2 : 0);
  const merge = numberField(vc, "spatial_merge_size") ?? 1;
  const merged = h * merge * merge;
  const projector = merge > 1 ? merged * merged + merged * textHidden : h * textHidden;
  const block = 4 * h * h + 2 * h * i + 9 * h + i; // qkv+o, MLP, their biases and two layer norms
  return depth * block + channels * temporal * patch * patch * h + positions * h + projector;
}

/**
 * Total and per-token-active parameter counts from config.json shapes. Multi-token-prediction
 * heads are left out: vLLM loads them only for MTP speculative decoding.
 */
export function countParameters(root: ConfigFields, c: ConfigFields, s: CountShape): { total: number; active: number } {
  const h = s.hiddenSize;
  const embeddings = s.vocabSize * h * (s.tiedEmbeddings ? 1 : 2);
  const attention = attentionParams(c, s);
  const linear = linearAttentionParams(c, s) ?? attention;
  const mixers = (s.layers - s.stateLayers) * attention + s.stateLayers * linear;
  const norms = s.layers * 2 * h + h;
  const denseMlp = 3 * h * s.intermediateSize;
  let mlps = s.layers * denseMlp;
  let inactive = 0;
  if (s.experts) {
    const e = s.experts;
    const moeLayers = s.layers - denseLayerCount(c, s.layers);
    const expertBias = String(c["model_type"] ?? "") === "gpt_oss" ? 2 * e.intermediateSize + h : 0;
    const perExpert = 3 * h * e.intermediateSize + expertBias;
    const sharedIntermediate = numberField(c, "shared_expert_intermediate_size")
      ?? (numberField(c, "n_shared_experts") ?? 0) * e.intermediateSize;
    const shared = sharedIntermediate > 0 ? 3 * h * sharedIntermediate + h : 0;
    const router = h * e.total;
    mlps = (s.layers - moeLayers) * denseMlp + moeLayers * (e.total * perExpert + router + shared);
    inactive = moeLayers * (e.total - e.active) * perExpert;
  }
  const total = embeddings + mixers + norms + mlps + visionParams(root, h);
  return { total, active: total - inactive };
}
