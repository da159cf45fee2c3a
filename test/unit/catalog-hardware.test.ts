import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { didYouMean, levenshtein } from "../../core/catalog/did-you-mean";
import { findHardware, hardwareCatalog, multiGpuInterconnect } from "../../core/catalog/hardware";
import { architectureFromInline, findModel, modelCatalog } from "../../core/catalog/models";
import { kvBytesPerToken } from "../../core/fit/fit";

const REQUIRED = ["rtx-5090", "rtx-4090", "rtx-4080", "rtx-3090", "l40s", "a100-40gb", "a100-80gb", "h100-80gb", "h200",
  "rtx-pro-6000", "dgx-spark", "cpu"];

describe("hardware catalog", () => {
  it("has every GPU the fleet files and burst pools name", () => {
    for (const id of REQUIRED) assert.ok(findHardware(id), `missing ${id}`);
    assert.equal(new Set(hardwareCatalog.map((h) => h.id)).size, hardwareCatalog.length, "duplicate ids");
  });

  it("reports CUDA totals a little below the marketing size, calibration H100 = 79.19", () => {
    // Board memory is sold in binary gigabytes (an RTX 5090's 32 GB is 32607 MiB); CUDA reports less.
    for (const h of hardwareCatalog.filter((x) => x.family !== "cpu")) {
      assert.ok(h.memoryGiB < h.marketingGB, `${h.id}: ${h.memoryGiB} GiB vs ${h.marketingGB} GB`);
      assert.ok(h.memoryGiB > h.marketingGB * 0.85, `${h.id}: ${h.memoryGiB} GiB is implausibly low`);
    }
    assert.equal(findHardware("h100-80gb")?.memoryGiB, 79.19);
  });

  it("describes the DGX Spark as arm64, unified, compute capability 12.1", () => {
    const spark = findHardware("dgx-spark");
    assert.equal(spark?.cpuArch, "arm64");
    assert.equal(spark?.unifiedMemory, true);
    assert.equal(spark?.computeCapability, 12.1);
    assert.ok(spark && spark.memoryGiB > 119 && spark.memoryGiB < 120);
  });

  it("describes CPU-only hosts with no compute capability", () => {
    const cpu = findHardware("cpu");
    assert.equal(cpu?.computeCapability, null);
    assert.equal(cpu?.family, "cpu");
  });

  it("spells Vast.ai gpu_name exactly as the offers do", () => {
    const data = JSON.parse(readFileSync(join(__dirname, "../../../shared/data/vast-offers-2024-11.json"), "utf8")) as unknown;
    const offers = (Array.isArray(data) ? data : (data as { offers: unknown[] }).offers) as Array<{ gpu_name: string }>;
    const seen = new Set(offers.map((o) => o.gpu_name));
    // Cards newer than the November 2024 snapshot cannot appear in it.
    const newer = new Set(["rtx-5090", "h200", "rtx-pro-6000"]);
    for (const h of hardwareCatalog.filter((x) => !newer.has(x.id) && x.vastNames.length > 0)) {
      assert.ok(h.vastNames.some((n) => seen.has(n)), `${h.id}: none of ${h.vastNames.join(", ")} in the offers`);
    }
    for (const name of ["RTX 4090", "H100 SXM", "A100 SXM4", "L40S", "RTX 3090"]) assert.ok(seen.has(name), name);
  });

  it("finds hardware case-insensitively and by an unambiguous Vast name", () => {
    assert.equal(findHardware("RTX-5090")?.id, "rtx-5090");
    assert.equal(findHardware("RTX 4090")?.id, "rtx-4090");
    assert.equal(findHardware("A100 SXM4"), undefined, "40 GB and 80 GB share the name");
    assert.equal(findHardware("rtx5090"), undefined);
  });

  it("puts SXM datacenter boards on NVLink and the rest on PCIe", () => {
    assert.equal(multiGpuInterconnect(findHardware("h100-80gb") ?? assert.fail()), "nvlink");
    assert.equal(multiGpuInterconnect(findHardware("rtx-5090") ?? assert.fail()), "pcie");
  });
});

describe("didYouMean", () => {
  it("computes edit distances", () => {
    assert.equal(levenshtein("kitten", "sitting"), 3);
    assert.equal(levenshtein("", "abc"), 3);
  });
  it("suggests the closest plausible name, ignoring case and separators", () => {
    const ids = hardwareCatalog.map((h) => h.id);
    assert.equal(didYouMean("rtx5090", ids), "rtx-5090");
    assert.equal(didYouMean("RTX_4090", ids), "rtx-4090");
    assert.equal(didYouMean("h100", ids), "h100-80gb");
    assert.equal(didYouMean("dgx spark", ids), "dgx-spark");
    assert.equal(didYouMean("tpu-v5", ids), undefined);
    assert.equal(didYouMean("", ids), undefined);
  });
});

describe("model catalog", () => {
  it("has the families of REFERENCE.md §4 plus the seed's models", () => {
    for (const id of ["llama-3.1-8b", "llama-3.1-70b", "qwen2.5-7b", "qwen2-7b", "qwen3-8b", "qwen3-32b", "qwen3-30b-a3b",
      "gemma-3-12b", "gemma-3-27b", "mistral-7b", "deepseek-r1-distill-qwen-14b", "gpt-oss-20b", "gpt-oss-120b",
      "nomic-embed-text-v1.5", "nemotron-orchestrator-8b", "qwen3.6-27b"]) {
      assert.ok(findModel(id), `missing ${id}`);
    }
  });

  it("matches KV bytes per token of the REFERENCE.md §4 table (bf16, TP 1)", () => {
    const kib = (id: string) => kvBytesPerToken(findModel(id)?.architecture ?? assert.fail(id), "auto", 1, "vllm") / 1024;
    assert.equal(kib("llama-3.1-8b"), 128);
    assert.equal(kib("llama-3.1-70b"), 320);
    assert.equal(kib("qwen2.5-7b"), 56);
    assert.equal(kib("qwen3-8b"), 144);
    assert.equal(kib("qwen3-32b"), 256);
    assert.equal(kib("qwen3-30b-a3b"), 96);
    assert.equal(kib("gemma-3-12b"), 384);
    assert.equal(kib("gemma-3-27b"), 496);
    assert.equal(kib("mistral-7b"), 128);
    assert.equal(kib("deepseek-r1-distill-qwen-14b"), 192);
    assert.equal(kib("gpt-oss-20b"), 48);
    assert.equal(kib("gpt-oss-120b"), 72);
    assert.equal(kib("nomic-embed-text-v1.5"), 0);
    // Only the 16 full-attention layers of Qwen3.6-27B keep KV: 2 × 16 × 4 × 256 × 2 B.
    assert.equal(kib("qwen3.6-27b"), 64);
  });

  it("finds entries by repo id, case-insensitively, and strips variant suffixes", () => {
    assert.equal(findModel("meta-llama/Llama-3.1-8B-Instruct")?.id, "llama-3.1-8b");
    assert.equal(findModel("QWEN/QWEN3-8B")?.id, "qwen3-8b");
    assert.equal(findModel("nvidia/Nemotron-Orchestrator-8B-AWQ")?.id, "nemotron-orchestrator-8b");
    assert.equal(findModel("vrfai/Qwen3.6-27B-NVFP4")?.id, "qwen3.6-27b");
    assert.equal(findModel("someone/Qwen3-8B-Instruct-AWQ")?.id, "qwen3-8b");
    assert.equal(findModel("someone/Meta-Llama-3.1-8B-Instruct-quantized.w8a8")?.id, "llama-3.1-8b");
    assert.equal(findModel("google/gemma-3-27b-it")?.id, "gemma-3-27b");
    assert.equal(findModel("unknown/model-7b"), undefined);
  });

  it("keeps catalog ids unique and every repo pointing at one entry", () => {
    assert.equal(new Set(modelCatalog.map((m) => m.id)).size, modelCatalog.length);
    const repos = modelCatalog.flatMap((m) => m.repos.map((r) => r.toLowerCase()));
    assert.equal(new Set(repos).size, repos.length);
  });

  it("converts inline fleet numbers with conservative defaults", () => {
    const a = architectureFromInline({ layers: 24, hiddenSize: 896, attentionHeads: 14, kvHeads: 2, paramsBillion: 0.494,
      slidingWindow: 4096 });
    assert.equal(a.headDim, 64);
    assert.equal(a.vocabSize, 131072);
    assert.equal(a.activeParamsBillion, 0.494);
    assert.deepEqual(a.slidingWindow, { tokens: 4096, layers: 24 });
    assert.equal(a.tiedEmbeddings, false);
    const b = architectureFromInline({ layers: 64, hiddenSize: 5120, attentionHeads: 24, kvHeads: 4, headDim: 256, paramsBillion: 27,
      vocabSize: 248320, stateLayers: 48, maxContext: 262144, tiedEmbeddings: true, slidingWindow: 1024, slidingWindowLayers: 0 });
    assert.equal(b.stateLayers, 48);
    assert.equal(b.slidingWindow, undefined);
    assert.equal(b.maxContext, 262144);
  });
});
