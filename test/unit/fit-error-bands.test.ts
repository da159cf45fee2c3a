import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLASS_ERROR_REASONS, CLASS_MEDIAN_LIMIT_PERCENT } from "../../bench/fit-accuracy";
import { errorBands, evaluateRows } from "../../bench/fit-accuracy-rows";
import { errorBandFor, formatErrorBand, hardwareClass, widestErrorBandFor } from "../../core/fit/error-band";
import { fitErrorBands } from "../../core/fit/error-bands.generated";
import { sglangLogRows } from "../fixtures/sglang-startup-logs";

describe("KV error bands (core/fit/error-bands.generated.ts)", () => {
  const bands = errorBands(evaluateRows());

  it("match the startup-log fixtures — regenerate with `node --import tsx bench/fit-accuracy.ts --write-bands`", () => {
    assert.deepEqual(fitErrorBands, bands);
  });

  it("give every class whose median error is above 3 % a stated reason", () => {
    for (const b of bands.filter((x) => x.medianAbsPercent > CLASS_MEDIAN_LIMIT_PERCENT)) {
      assert.ok(CLASS_ERROR_REASONS[`${b.engine} ${b.hardwareClass}`], `${b.engine} ${b.hardwareClass}: median ${b.medianAbsPercent}% without a reason`);
    }
  });

  it("pool GPUs into classes, tensor parallelism apart", () => {
    assert.equal(hardwareClass("rtx-4090", 1), "24 GB consumer");
    assert.equal(hardwareClass("rtx-3090", 1), "24 GB consumer");
    assert.equal(hardwareClass("a100-40gb", 2), "A100 TP≥2");
    assert.equal(hardwareClass("dgx-spark", 1), "GB10");
  });

  it("measure GB10 from at least three real vLLM logs, and print the band instead of 'error unknown'", () => {
    const gb10 = errorBandFor("vllm", "dgx-spark", 1) ?? assert.fail("no GB10 band");
    assert.ok(gb10.logs >= 3, `${gb10.logs} GB10 logs`);
    assert.match(formatErrorBand(gb10, "vllm", "GB10"), /^±\d+\.\d% on GB10 \(median \d+\.\d%\) — \d+ vLLM logs$/);
  });

  it("format the band with n and round it up, and say so when no log of the class exists", () => {
    const band = { engine: "vllm", hardwareClass: "H100/H200", logs: 10, medianAbsPercent: 0.07, maxAbsPercent: 1.15 };
    assert.equal(formatErrorBand(band, "vllm", "H100/H200"), "±1.2% on H100/H200 (median 0.1%) — 10 vLLM logs");
    assert.match(formatErrorBand(undefined, "vllm", "GB10"), /^error unknown on GB10: no vLLM startup log/);
  });

  it("look bands up by engine, GPU and tensor parallelism; plans take the wider of TP 1 and TP ≥ 2", () => {
    assert.equal(errorBandFor("vllm", "h100-80gb", 1)?.hardwareClass, "H100/H200");
    assert.equal(errorBandFor("vllm", "h100-80gb", 4)?.hardwareClass, "H100/H200 TP≥2");
    assert.equal(errorBandFor("vllm", "dgx-spark", 1)?.hardwareClass, "GB10");
    assert.equal(errorBandFor("sglang", "dgx-spark", 1), undefined, "no SGLang log from a GB10 yet");
    assert.equal(errorBandFor("vllm", "rtx-4080", 1), undefined);
    const a100 = [errorBandFor("vllm", "a100-80gb", 1), errorBandFor("vllm", "a100-80gb", 2)].map((b) => b?.maxAbsPercent ?? 0);
    assert.equal(widestErrorBandFor("vllm", "a100-80gb")?.maxAbsPercent, Math.max(...a100));
  });

  it("record for every SGLang row what its source leaves out", () => {
    for (const row of sglangLogRows) {
      assert.ok(row.source.startsWith("https://"), `${row.id} has no source URL`);
      if (row.weightsGiB === undefined) assert.match(row.unknown ?? "", /weights/, `${row.id} does not say how missing weights are treated`);
    }
  });
});
