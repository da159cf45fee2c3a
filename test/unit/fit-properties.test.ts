import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { modelCatalog } from "../../core/catalog/models";
import { estimateWeightsGiB, fitEngine } from "../../core/fit/fit";
import type { FitInput } from "../../core/fit/types";

const decoders = modelCatalog.filter((m) => !m.architecture.encoderOnly);
/** Float slack for sums of GiB figures: relative, since a 60 GiB budget carries ~1e-14 of rounding per term. */
const EPS = 1e-9;
const within = (x: number, limit: number) => x <= limit + EPS * Math.max(1, Math.abs(limit));

/** Any plausible vLLM/SGLang/TRT-LLM/llama.cpp start on one of the catalog's decoder models. */
const fitInput: fc.Arbitrary<FitInput> = fc.record({
  model: fc.constantFrom(...decoders),
  quantization: fc.constantFrom("bf16", "fp16", "fp8", "int8", "awq", "gptq", "nvfp4", "mxfp4", "gguf-q4_k_m", "gguf-q8_0") as fc.Arbitrary<FitInput["quantization"]>,
  kvCacheDtype: fc.constantFrom("auto", "bf16", "fp8") as fc.Arbitrary<FitInput["kvCacheDtype"]>,
  gpuMemoryGiB: fc.double({ min: 8, max: 192, noNaN: true }),
  unifiedMemory: fc.boolean(),
  gpuMemoryUtilization: fc.double({ min: 0.05, max: 1, noNaN: true }),
  tensorParallel: fc.constantFrom(1, 2, 4, 8),
  maxModelLen: fc.integer({ min: 256, max: 262144 }),
  maxNumSeqs: fc.integer({ min: 1, max: 1024 }),
  maxNumBatchedTokens: fc.option(fc.integer({ min: 256, max: 16384 }), { nil: undefined }),
  engine: fc.constantFrom("vllm", "vllm", "vllm", "sglang", "trtllm", "llamacpp") as fc.Arbitrary<FitInput["engine"]>,
  engineVersion: fc.constantFrom("0.10.1.1", "0.15.1", "0.19.0", "0.24.0", ""),
  interconnect: fc.constantFrom("nvlink", "pcie") as fc.Arbitrary<"nvlink" | "pcie">,
}).map(({ model, maxNumBatchedTokens, ...rest }) => ({
  ...rest, architecture: model.architecture, ...(maxNumBatchedTokens === undefined ? {} : { maxNumBatchedTokens }),
}));

describe("fit invariants", () => {
  it("whenever it fits, weights + KV pool + overheads stay within the budget and the budget within the GPU", () => {
    fc.assert(fc.property(fitInput, (input) => {
      const f = fitEngine(input);
      if (!f.fits) return;
      const used = f.weightsGiB + f.kvPoolGiB + f.activationGiB + f.nonTorchGiB + f.cudaGraphGiB;
      assert.ok(within(used, f.budgetGiB), `${used} > budget ${f.budgetGiB}`);
      assert.ok(within(f.budgetGiB, f.totalGiB), `budget ${f.budgetGiB} > total ${f.totalGiB}`);
      // Hybrid models report tokens per layer group, which can be below one sequence that still fits.
      const hybrid = input.architecture.slidingWindow || input.architecture.stateLayers;
      if (!hybrid && input.engine !== "llamacpp") {
        assert.ok(f.kvCacheTokens >= input.maxModelLen, `fits with ${f.kvCacheTokens} tokens < ${input.maxModelLen}`);
      }
    }), { numRuns: 400 });
  });

  it("vLLM hands out whole 16-token blocks", () => {
    fc.assert(fc.property(fitInput, (input) => {
      const f = fitEngine({ ...input, engine: "vllm", architecture: { ...input.architecture, slidingWindow: undefined, stateLayers: undefined } });
      assert.equal(f.kvCacheTokens % 16, 0);
    }), { numRuns: 300 });
  });

  it("fp8 KV holds twice the tokens of bf16 in the same pool", () => {
    fc.assert(fc.property(fitInput, (input) => {
      const dense = { ...input, engine: "vllm" as const, engineVersion: "0.19.0",
        architecture: { ...input.architecture, slidingWindow: undefined, stateLayers: undefined } };
      const bf16 = fitEngine({ ...dense, kvCacheDtype: "bf16" });
      const fp8 = fitEngine({ ...dense, kvCacheDtype: "fp8" });
      assert.equal(fp8.kvPoolGiB, bf16.kvPoolGiB);
      // Twice the bytes per block → at most one block of rounding apart.
      assert.ok(Math.abs(fp8.kvCacheTokens - 2 * bf16.kvCacheTokens) <= 16, `${fp8.kvCacheTokens} vs 2 × ${bf16.kvCacheTokens}`);
    }), { numRuns: 300 });
  });

  it("more gpu-memory-utilization never gives fewer tokens", () => {
    fc.assert(fc.property(fitInput, fc.double({ min: 0, max: 0.5, noNaN: true }), (input, more) => {
      const higher = Math.min(1, input.gpuMemoryUtilization + more);
      const a = fitEngine({ ...input, engine: "vllm" });
      const b = fitEngine({ ...input, engine: "vllm", gpuMemoryUtilization: higher });
      assert.ok(b.kvCacheTokens >= a.kvCacheTokens, `${higher}: ${b.kvCacheTokens} < ${a.kvCacheTokens}`);
    }), { numRuns: 300 });
  });

  it("splitting over more GPUs never increases the weights on one GPU", () => {
    fc.assert(fc.property(fc.constantFrom(...decoders), fitInput, fc.constantFrom(1, 2, 4), (m, input, tp) => {
      const one = estimateWeightsGiB(m.architecture, input.quantization, tp);
      const two = estimateWeightsGiB(m.architecture, input.quantization, tp * 2);
      assert.ok(two <= one + EPS, `${m.id} ${input.quantization}: TP ${tp * 2} ${two} > TP ${tp} ${one}`);
    }), { numRuns: 300 });
  });

  it("is deterministic and always explains itself with numbers", () => {
    fc.assert(fc.property(fitInput, (input) => {
      const a = fitEngine(input);
      assert.deepEqual(fitEngine(input), a);
      assert.match(a.message, /^(fits|does not fit): needs \d/);
      if (input.unifiedMemory) assert.match(a.message, /unified/);
    }), { numRuns: 200 });
  });
});
