import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { architectureFromHfConfig } from "../../core/catalog/hf-config";
import { findModel } from "../../core/catalog/models";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, "../fixtures/hf", `${name}.json`), "utf8")) as Record<string, unknown>;

/** |a − b| / b ≤ tolerance */
function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) / expected <= tolerance, `${what}: ${actual} vs ${expected}`);
}

describe("architectureFromHfConfig on real config.json files", () => {
  // Published totals (model cards / safetensors counts); derived counts must land within 2 %.
  const published: ReadonlyArray<readonly [string, number, number?]> = [
    ["llama-3.1-8b", 8.03], ["qwen2.5-7b", 7.61], ["qwen3-8b", 8.19], ["qwen3-14b", 14.77], ["qwen3-30b-a3b", 30.53, 3.35],
    ["gpt-oss-20b", 20.91], ["gemma-3-4b-it", 4.3], ["gemma-3-12b-it", 12.19], ["qwen3.6-27b", 27],
  ];
  for (const [name, total, active] of published) {
    it(`${name}: ${total}B parameters${active ? `, ${active}B active` : ""} within 2%`, () => {
      const a = architectureFromHfConfig(fixture(name));
      near(a.paramsBillion, total, 0.02, `${name} total`);
      if (active !== undefined) near(a.activeParamsBillion, active, 0.02, `${name} active`);
    });
  }

  it("reads a dense Llama: shapes, untied embeddings, head_dim from hidden/heads, max positions", () => {
    const a = architectureFromHfConfig(fixture("llama-3.1-8b"));
    assert.deepEqual([a.layers, a.hiddenSize, a.attentionHeads, a.kvHeads, a.headDim], [32, 4096, 32, 8, 128]);
    assert.equal(a.vocabSize, 128256);
    assert.equal(a.tiedEmbeddings, false);
    assert.equal(a.maxContext, 131072);
    assert.equal(a.slidingWindow, undefined);
  });

  it("ignores Qwen2's sliding_window when use_sliding_window is false", () => {
    assert.equal(architectureFromHfConfig(fixture("qwen2.5-7b")).slidingWindow, undefined);
  });

  it("reads Qwen3 MoE experts (num_experts, num_experts_per_tok, moe_intermediate_size)", () => {
    const a = architectureFromHfConfig(fixture("qwen3-30b-a3b"));
    assert.deepEqual(a.experts, { total: 128, active: 8, intermediateSize: 768 });
    assert.equal(a.kvHeads, 4);
  });

  it("reads gpt-oss: num_local_experts, intermediate_size as expert width, layer_types with 12 sliding layers", () => {
    const a = architectureFromHfConfig(fixture("gpt-oss-20b"));
    assert.deepEqual(a.experts, { total: 32, active: 4, intermediateSize: 2880 });
    assert.deepEqual(a.slidingWindow, { tokens: 128, layers: 12 });
    assert.equal(a.headDim, 64);
  });

  it("reads Gemma 3 from text_config with the class defaults config.json leaves out", () => {
    const a = architectureFromHfConfig(fixture("gemma-3-12b-it"));
    assert.deepEqual([a.layers, a.hiddenSize, a.attentionHeads, a.kvHeads, a.headDim], [48, 3840, 16, 8, 256]);
    assert.equal(a.vocabSize, 262208);
    assert.equal(a.tiedEmbeddings, true);
    // sliding_window_pattern 6: layers 6, 12, … are global; 40 of 48 slide over 1024 tokens.
    assert.deepEqual(a.slidingWindow, { tokens: 1024, layers: 40 });
    const small = architectureFromHfConfig(fixture("gemma-3-4b-it"));
    assert.deepEqual([small.attentionHeads, small.kvHeads, small.slidingWindow?.layers], [8, 4, 29]);
  });

  it("reads Qwen3.6's hybrid: 48 linear-attention state layers, their state size, gated q", () => {
    const a = architectureFromHfConfig(fixture("qwen3.6-27b"));
    assert.equal(a.stateLayers, 48);
    // conv (2·16·128 + 48·128) × 3 × 2 B + SSM 48 × 128 × 128 × 4 B
    assert.equal(a.stateBytesPerLayer, 10240 * 3 * 2 + 48 * 128 * 128 * 4);
    assert.equal(a.maxContext, 262144);
    assert.equal(a.vocabSize, 248320);
  });

  it("agrees with the catalog entries built from the same configs", () => {
    for (const [name, id] of [["llama-3.1-8b", "llama-3.1-8b"], ["qwen3-30b-a3b", "qwen3-30b-a3b"], ["gpt-oss-20b", "gpt-oss-20b"],
      ["qwen3.6-27b", "qwen3.6-27b"], ["gemma-3-12b-it", "gemma-3-12b"]] as const) {
      const parsed = architectureFromHfConfig(fixture(name));
      const catalog = findModel(id)?.architecture ?? assert.fail(id);
      for (const key of ["layers", "hiddenSize", "attentionHeads", "kvHeads", "headDim", "vocabSize", "tiedEmbeddings"] as const) {
        assert.equal(parsed[key], catalog[key], `${id}.${key}`);
      }
      near(parsed.paramsBillion, catalog.paramsBillion, 0.005, `${id} params`);
    }
  });
});

describe("architectureFromHfConfig on edge cases", () => {
  const base = { num_hidden_layers: 4, hidden_size: 256, num_attention_heads: 8, vocab_size: 1000, intermediate_size: 512 };

  it("throws naming the missing field", () => {
    assert.throws(() => architectureFromHfConfig({ ...base, num_hidden_layers: undefined }), /num_hidden_layers/);
    assert.throws(() => architectureFromHfConfig({ ...base, vocab_size: undefined }), /vocab_size/);
    assert.throws(() => architectureFromHfConfig({ text_config: { hidden_size: 8 } }), /text_config\.num_hidden_layers/);
    assert.throws(() => architectureFromHfConfig([1, 2]), /JSON object/);
    assert.throws(() => architectureFromHfConfig(null), /JSON object/);
    assert.throws(() => architectureFromHfConfig({ ...base, num_experts: 8 }), /num_experts_per_tok/);
  });

  it("defaults KV heads to attention heads (MHA) and honours multi_query", () => {
    assert.equal(architectureFromHfConfig(base).kvHeads, 8);
    assert.equal(architectureFromHfConfig({ ...base, multi_query: true }).kvHeads, 1);
  });

  it("accepts GPT-2 style names (n_layer, n_embd, n_head, n_inner, n_positions)", () => {
    const a = architectureFromHfConfig({ model_type: "nomic_bert", n_layer: 12, n_embd: 768, n_head: 12, n_inner: 3072,
      vocab_size: 30528, n_positions: 8192 });
    assert.deepEqual([a.layers, a.hiddenSize, a.attentionHeads, a.headDim, a.maxContext], [12, 768, 12, 64, 8192]);
    assert.equal(a.encoderOnly, true);
    near(a.paramsBillion, 0.137, 0.05, "nomic-embed-text-v1.5");
  });

  it("counts DeepSeek-style shared experts and first_k_dense_replace", () => {
    const a = architectureFromHfConfig({ ...base, n_routed_experts: 8, num_experts_per_tok: 2, moe_intermediate_size: 128,
      n_shared_experts: 1, first_k_dense_replace: 1 });
    const perExpert = 3 * 256 * 128;
    assert.equal(Math.round((a.paramsBillion - a.activeParamsBillion) * 1e9), 3 * 6 * perExpert);
  });

  it("treats a window without a pattern as every layer sliding, and one as long as the context as none", () => {
    assert.deepEqual(architectureFromHfConfig({ ...base, sliding_window: 4096 }).slidingWindow, { tokens: 4096, layers: 4 });
    assert.equal(architectureFromHfConfig({ ...base, sliding_window: 4096, max_position_embeddings: 4096 }).slidingWindow, undefined);
  });
});
