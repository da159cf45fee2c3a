import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Recipe, type Recipe as RecipeType } from "../../core/fleet/recipe";
import { canonicalJson, recipeHash } from "../../core/render/recipe-hash";

/** Fleet-file shaped recipes: every optional field may be present or not. */
const recipeInput = fc.record({
  engine: fc.constantFrom("vllm", "sglang", "llamacpp", "ollama", "trtllm", "tei"),
  model: fc.record({ id: fc.constantFrom("Qwen/Qwen3-8B-AWQ", "vrfai/Qwen3.6-27B-NVFP4"), revision: fc.stringMatching(/^[0-9a-f]{7,12}$/) }, { requiredKeys: ["id"] }),
  quantization: fc.constantFrom("bf16", "awq", "nvfp4", "gguf-q4_k_m"),
  maxModelLen: fc.integer({ min: 1024, max: 262144 }),
  gpuMemoryUtilization: fc.double({ min: 0.1, max: 1, noNaN: true }),
  maxNumSeqs: fc.integer({ min: 1, max: 512 }),
  kvCacheDtype: fc.constantFrom("auto", "fp8", "q8_0"),
  tensorParallel: fc.integer({ min: 1, max: 8 }),
  speculative: fc.record({ method: fc.constantFrom("dflash", "ngram"), model: fc.constant("z-lab/draft"), numSpeculativeTokens: fc.integer({ min: 1, max: 16 }) }, { requiredKeys: ["method", "numSpeculativeTokens"] }),
  trustRemoteCode: fc.boolean(),
  extraArgs: fc.array(fc.constantFrom("--enforce-eager", "--seed", "7"), { maxLength: 3 }),
  env: fc.dictionary(fc.constantFrom("A", "B", "VLLM_X"), fc.string({ maxLength: 4 })),
}, { requiredKeys: ["engine", "model"] }).map((input) => Recipe.parse(input));

/** The same data with object keys in a random order at every depth. */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, random));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
}

/** One field changed to a different valid value. */
const mutations: readonly ((r: RecipeType) => RecipeType)[] = [
  (r) => ({ ...r, engine: r.engine === "vllm" ? "sglang" : "vllm" }),
  (r) => ({ ...r, model: { ...r.model, id: `${r.model.id}-v2` } }),
  (r) => ({ ...r, model: { ...r.model, revision: `${r.model.revision ?? ""}0` } }),
  (r) => ({ ...r, quantization: r.quantization === "fp8" ? "awq" : "fp8" }),
  (r) => ({ ...r, maxModelLen: r.maxModelLen + 1 }),
  (r) => ({ ...r, gpuMemoryUtilization: (r.gpuMemoryUtilization ?? 0.9) === 0.5 ? 0.6 : 0.5 }),
  (r) => ({ ...r, maxNumSeqs: (r.maxNumSeqs ?? 0) + 1 }),
  (r) => ({ ...r, kvCacheDtype: r.kvCacheDtype === "fp8" ? "auto" : "fp8" }),
  (r) => ({ ...r, tensorParallel: r.tensorParallel + 1 }),
  (r) => ({ ...r, speculative: { method: "dflash", model: "z-lab/other", numSpeculativeTokens: (r.speculative?.numSpeculativeTokens ?? 0) + 1 } }),
  (r) => ({ ...r, trustRemoteCode: !r.trustRemoteCode }),
  (r) => ({ ...r, extraArgs: [...r.extraArgs, "--x"] }),
  (r) => ({ ...r, extraArgs: [...r.extraArgs].reverse().concat(r.extraArgs.length === 1 ? ["--y"] : []) }),
  (r) => ({ ...r, env: { ...r.env, CHANGED: "1" } }),
  (r) => ({ ...r, image: "vllm/vllm-openai:v0.25.1" }),
];

describe("recipeHash", () => {
  const base = Recipe.parse({ engine: "vllm", model: { id: "Qwen/Qwen3-8B-AWQ" }, quantization: "awq" });
  it("is 12 lower-case hex characters and stable", () => {
    assert.match(recipeHash(base), /^[0-9a-f]{12}$/);
    assert.equal(recipeHash(base), recipeHash(Recipe.parse({ engine: "vllm", model: { id: "Qwen/Qwen3-8B-AWQ" }, quantization: "awq" })));
  });
  it("does not change when a default is written out", () => {
    assert.equal(recipeHash(base), recipeHash(Recipe.parse({ engine: "vllm", model: { id: "Qwen/Qwen3-8B-AWQ", source: "hub" }, quantization: "awq", maxModelLen: 8192, tensorParallel: 1 })));
  });
  it("ignores key order at every depth", () => {
    fc.assert(fc.property(recipeInput, fc.integer(), (recipe, seed) => {
      let state = seed >>> 0;
      const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
      assert.equal(recipeHash(shuffleKeys(recipe, random) as RecipeType), recipeHash(recipe));
    }));
  });
  it("changes when any field changes", () => {
    fc.assert(fc.property(recipeInput, fc.constantFrom(...mutations), (recipe, mutate) => {
      const changed = mutate(recipe);
      fc.pre(canonicalJson(changed) !== canonicalJson(recipe));
      assert.notEqual(recipeHash(changed), recipeHash(recipe));
    }));
  });
});

describe("canonicalJson", () => {
  it("sorts keys recursively, keeps array order and drops undefined", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: undefined } }), '{"a":{"d":[3,1]},"b":1}');
  });
});
