import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorPercent, predictTokens } from "../../bench/fit-accuracy";
import { findModel } from "../../core/catalog/models";
import { fitEngine } from "../../core/fit/fit";
import { vllmKvCapacity } from "../../core/fit/kv-cache";
import { vllmLogRows } from "../fixtures/vllm-startup-logs";

/**
 * The memory model against real vLLM startup logs (the table is test/fixtures/vllm-startup-logs.ts:
 * model, quantisation, GPU, TP, utilisation, max_model_len, KV dtype, vLLM version, logged weights,
 * logged KV GiB and tokens, source). Accuracy bar: KV-cache tokens within 3 % median of what vLLM
 * printed when given the logged weight size, within 10 % with the model's own weight estimate.
 */

/** Rows whose error is understood but not modelled, with the bound they are held to. */
const KNOWN_OUTLIERS: Readonly<Record<string, { readonly bound: number; readonly why: string }>> = {
  "Qwen3-235B-A22B-FP8 L40S TP8 EP (MoE)": {
    bound: 8,
    why: "expert-parallel FP8 MoE logged 1.4 GiB of activation; sampler + MoE caches explain 0.7 GiB",
  },
  "Qwen3.8-27B DGX Spark 0.92 786K (GB10, hybrid)": {
    bound: 8,
    why: "multimodal hybrid on GB10: 3.78 GiB activation peak (vision encoder profiled) and 1.94 GiB CUDA-graph estimate vs 0.95 and 1.28 modelled",
  },
  "Qwen3.8-27B DGX Spark 0.92 32K (GB10, hybrid)": {
    bound: 6,
    why: "the same multimodal hybrid at 32K: vision-encoder profile and a 1.56 GiB CUDA-graph estimate vs 1.28 modelled",
  },
  "Qwen2-7B A100-40GB TP2 across nodes": {
    bound: 8,
    why: "two Ray pods on two nodes: NCCL runs over the network (0.86 GiB more than two GPUs in one node logged); not modelled",
  },
};

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

describe("KV-cache tokens against vLLM startup logs", () => {
  it("has at least ten rows, each with a source", () => {
    assert.ok(vllmLogRows.length >= 10, `only ${vllmLogRows.length} rows`);
    for (const row of vllmLogRows) assert.ok(row.source.length > 10, `${row.id} has no source`);
  });

  for (const row of vllmLogRows) {
    const bound = KNOWN_OUTLIERS[row.id]?.bound ?? 3;
    it(`${row.id} (vLLM ${row.vllmVersion}): within ${bound}% with the logged weights`, () => {
      const error = errorPercent(predictTokens(row, true), row.kvTokens);
      assert.ok(Math.abs(error) <= bound, `${row.id}: predicted ${predictTokens(row, true)} tokens vs ${row.kvTokens} logged (${error.toFixed(2)}%)`);
    });
    it(`${row.id}: within 10% with the model's own weight estimate`, () => {
      const error = errorPercent(predictTokens(row, false), row.kvTokens);
      assert.ok(Math.abs(error) <= 10, `${row.id}: ${error.toFixed(2)}% with estimated weights`);
    });
  }

  it("median |error| ≤ 3% with logged weights and ≤ 10% with estimated weights", () => {
    const logged = vllmLogRows.map((r) => Math.abs(errorPercent(predictTokens(r, true), r.kvTokens)));
    const estimated = vllmLogRows.map((r) => Math.abs(errorPercent(predictTokens(r, false), r.kvTokens)));
    assert.ok(median(logged) <= 3, `median ${median(logged).toFixed(2)}%`);
    assert.ok(median(estimated) <= 10, `median ${median(estimated).toFixed(2)}%`);
  });
});

describe("hybrid and sliding-window KV layouts against vLLM's own report", () => {
  it("gpt-oss-120b TP4 (0.10.1): 18 sliding + 18 full layers give 284.25x at 16384 tokens", () => {
    const row = vllmLogRows.find((r) => r.id.startsWith("gpt-oss-120b"));
    assert.ok(row);
    const fit = fitEngine({
      architecture: findModel("gpt-oss-120b")?.architecture ?? assert.fail("catalog"), quantization: "mxfp4",
      kvCacheDtype: "auto", gpuMemoryGiB: row.totalGiB, unifiedMemory: false, gpuMemoryUtilization: row.gpuMemoryUtilization,
      tensorParallel: 4, maxModelLen: 16384, maxNumSeqs: 256, maxNumBatchedTokens: 2048, engine: "vllm",
      engineVersion: row.vllmVersion, weightsGiB: row.weightsGiB, interconnect: "pcie",
    });
    // Logged: "Maximum concurrency for 16,384 tokens per request: 284.25x".
    assert.ok(Math.abs(fit.maxConcurrency - 284.25) / 284.25 < 0.01, `concurrency ${fit.maxConcurrency}`);
  });

  it("Qwen3.x-27B on DGX Spark: a 50.29 GiB pool holds 820,013 tokens, 1.04x at 786,432 (vLLM 0.2x, bf16 KV)", () => {
    // Qwen3.8-27B shares Qwen3.6-27B's config.json (48 Gated DeltaNet + 16 full-attention layers).
    // vLLM raises the attention block to 784 tokens so one block holds a 3.2 MB recurrent state.
    const arch = findModel("qwen3.6-27b")?.architecture ?? assert.fail("catalog");
    const capacity = vllmKvCapacity(arch, 50.29 * 1024 ** 3, {
      kvCacheDtype: "auto", tensorParallel: 1, maxModelLen: 786432, maxNumBatchedTokens: 8192, tokensFromConcurrency: true,
    });
    assert.ok(Math.abs(capacity.tokens - 820013) / 820013 < 0.001, `tokens ${capacity.tokens}`);
    assert.equal(capacity.maxConcurrency.toFixed(2), "1.04");
  });
});
