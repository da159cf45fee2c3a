import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findHardware } from "../../core/catalog/hardware";
import { findModel } from "../../core/catalog/models";
import type { ModelArchitecture } from "../../core/catalog/types";
import { fitEngine } from "../../core/fit/fit";
import { sglangPreLoadUsageGiB } from "../../core/fit/sglang-behaviour";
import type { FitInput } from "../../core/fit/types";
import { errorPercent, predictSglangTokens } from "../../bench/fit-accuracy-rows";
import { sglangLogRows } from "../fixtures/sglang-startup-logs";

const arch = (id: string): ModelArchitecture => findModel(id)?.architecture ?? assert.fail(`no ${id}`);
const GiB = 1024 ** 3;

function input(engine: FitInput["engine"], hardware: string, over: Partial<FitInput> = {}): FitInput {
  const h = findHardware(hardware) ?? assert.fail(`no ${hardware}`);
  return {
    architecture: arch("llama-3.1-8b"), quantization: "bf16", kvCacheDtype: "auto", gpuMemoryGiB: h.memoryGiB,
    unifiedMemory: h.unifiedMemory, gpuMemoryUtilization: 0.85, tensorParallel: 1, maxModelLen: 8192, maxNumSeqs: 256,
    engine, engineVersion: engine === "vllm" ? "0.19.0" : "0.5.18", hardwareId: h.id, interconnect: "pcie", weightsGiB: 14.99,
    ...over,
  };
}

describe("SGLang sizes KV against the memory available before the weights load", () => {
  it("KV = fraction × (total − CUDA context − NCCL − other processes) − weights", () => {
    const f = fitEngine(input("sglang", "rtx-4090"));
    const expected = 0.85 * (23.55 - 0.5) - 14.99;
    assert.ok(Math.abs(f.kvPoolGiB - expected) < 1e-9, `${f.kvPoolGiB} vs ${expected}`);
    assert.equal(f.kvCacheTokens, Math.floor((expected * GiB) / 131072));
  });

  it("the pre-load usage matches SGLang's own 'Load weight begin. avail mem' lines", () => {
    // 8 × H200 (139.81 GiB), NVLink: 137.29 GiB available → 2.52 GiB in use (sglang#11716).
    assert.ok(Math.abs(sglangPreLoadUsageGiB(2.1, 0) - (139.81 - 137.29)) < 0.1);
    // 2 × RTX 4090 (23.55 GiB), PCIe: 22.84 GiB available → 0.71 GiB (ktransformers#1870).
    assert.ok(Math.abs(sglangPreLoadUsageGiB(0.2, 0) - (23.55 - 22.84)) < 0.05);
  });

  it("NCCL buffers at TP ≥ 2 and memory other processes hold shrink the pool by fraction × their size", () => {
    const alone = fitEngine(input("sglang", "h100-80gb", { tensorParallel: 1 }));
    const tp2 = fitEngine(input("sglang", "h100-80gb", { tensorParallel: 2, interconnect: "nvlink", weightsGiB: 14.99 }));
    assert.ok(Math.abs(alone.kvPoolGiB - tp2.kvPoolGiB - 0.85 * 2.1) < 1e-9);
    const desktop = fitEngine(input("sglang", "rtx-4090", { otherProcessesGiB: 1 }));
    const headless = fitEngine(input("sglang", "rtx-4090"));
    assert.ok(Math.abs(headless.kvPoolGiB - desktop.kvPoolGiB - 0.85) < 1e-9);
  });
});

describe("SGLang against its startup logs (test/fixtures/sglang-startup-logs.ts)", () => {
  for (const row of sglangLogRows) {
    it(`${row.id}: KV tokens within 2.5% with the logged weight size`, () => {
      const error = errorPercent(predictSglangTokens(row, true), row.kvTokens);
      assert.ok(Math.abs(error) <= 2.5, `${row.id}: predicted ${predictSglangTokens(row, true)} vs ${row.kvTokens} logged (${error.toFixed(2)}%)`);
    });
  }
});

describe("memory other processes hold (a display on a consumer card, the OS on unified memory)", () => {
  it("vLLM keeps its budget — the profile counts only growth after its first snapshot — when enough is free", () => {
    const headless = fitEngine(input("vllm", "rtx-4090"));
    const desktop = fitEngine(input("vllm", "rtx-4090", { otherProcessesGiB: 1 }));
    assert.equal(desktop.kvCacheTokens, headless.kvCacheTokens);
    assert.equal(desktop.fits, true);
  });

  it("vLLM refuses to start when less is free than utilisation × total, and names the highest utilisation that starts", () => {
    const f = fitEngine(input("vllm", "rtx-4090", { gpuMemoryUtilization: 0.98, otherProcessesGiB: 1 }));
    assert.equal(f.fits, false);
    assert.match(f.message, /^does not fit: vLLM would not start, it wants 0\.98 × 23\.55 = 23\.1 GiB free but other processes hold 1\.0 GiB/);
    assert.match(f.message, /lower gpuMemoryUtilization to at most 0\.95$/);
  });
});

describe("unified memory (DGX Spark): what the OS holds counts against vLLM's free-memory check", () => {
  it("the catalog says how much a Spark's OS holds and the plan's fit uses it", () => {
    const spark = findHardware("dgx-spark") ?? assert.fail("no dgx-spark");
    assert.equal(spark.hostReservedGiB, 7.4);
    const held = { otherProcessesGiB: spark.hostReservedGiB };
    assert.equal(fitEngine(input("vllm", "dgx-spark", { gpuMemoryUtilization: 0.92, ...held })).fits, true);
    const f = fitEngine(input("vllm", "dgx-spark", { gpuMemoryUtilization: 0.95, ...held }));
    assert.equal(f.fits, false);
    assert.match(f.message, /leaving 112\.2 GiB .* at most 0\.93$/);
  });
});

