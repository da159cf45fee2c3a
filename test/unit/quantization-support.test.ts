import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ggufQuantTag, isGguf, quantizationSupport } from "../../core/catalog/quantization-support";
import type { HardwareProfile } from "../../core/catalog/types";
import { EngineId, Quantization } from "../../core/fleet/recipe";

function hardware(id: string, computeCapability: number | null, family: HardwareProfile["family"], cpuArch: HardwareProfile["cpuArch"] = "amd64"): HardwareProfile {
  return { id, name: id, computeCapability, family, cpuArch, memoryGiB: 24, marketingGB: 24, bandwidthGBps: 1000, unifiedMemory: false, vastNames: [] };
}

const rtx3090 = hardware("rtx-3090", 8.6, "ampere");
const a100 = hardware("a100-80gb", 8.0, "ampere");
const rtx4090 = hardware("rtx-4090", 8.9, "ada");
const l40s = hardware("l40s", 8.9, "ada");
const h100 = hardware("h100-80gb", 9.0, "hopper");
const b200 = hardware("b200", 10.0, "blackwell");
const rtx5090 = hardware("rtx-5090", 12.0, "blackwell");
const spark = hardware("dgx-spark", 12.1, "blackwell", "arm64");
const cpu = hardware("cpu", null, "cpu");
/** Ordered by compute capability. */
const gpus = [a100, rtx3090, rtx4090, l40s, h100, b200, rtx5090, spark] as const;

type Row = readonly [Quantization, EngineId, HardwareProfile, { supported: boolean; native: boolean }, RegExp?];

/** Known format × engine × GPU pairs from REFERENCE.md §1 and the engines' sources. */
const table: readonly Row[] = [
  ["nvfp4", "vllm", spark, { supported: true, native: true }],
  ["nvfp4", "vllm", rtx5090, { supported: true, native: true }],
  ["nvfp4", "sglang", b200, { supported: true, native: true }],
  ["nvfp4", "vllm", h100, { supported: false, native: false }, /h100-80gb is 9\.0 \(hopper\): use awq or fp8/],
  ["nvfp4", "vllm", a100, { supported: false, native: false }, /a100-80gb is 8\.0 \(ampere\): use awq or gptq/],
  ["fp8", "vllm", rtx4090, { supported: true, native: true }],
  ["fp8", "vllm", spark, { supported: true, native: true }],
  ["fp8", "vllm", a100, { supported: true, native: false }, /W8A16 through FP8 Marlin/],
  ["fp8", "sglang", rtx3090, { supported: true, native: false }],
  ["fp8", "trtllm", a100, { supported: false, native: false }, /≥ 8\.9/],
  ["mxfp4", "vllm", h100, { supported: true, native: true }],
  ["mxfp4", "vllm", b200, { supported: true, native: true }],
  ["mxfp4", "vllm", rtx5090, { supported: true, native: false }, /Marlin/],
  ["mxfp4", "vllm", rtx4090, { supported: true, native: false }, /Marlin/],
  ["mxfp4", "vllm", a100, { supported: true, native: false }, /Marlin/],
  ["mxfp4", "sglang", rtx4090, { supported: false, native: false }, /run it on vllm/],
  ["mxfp4", "sglang", rtx5090, { supported: true, native: false }],
  ["awq", "vllm", rtx3090, { supported: true, native: true }, /Marlin/],
  ["gptq", "sglang", rtx5090, { supported: true, native: true }],
  ["awq", "trtllm", h100, { supported: true, native: true }],
  ["gptq", "trtllm", h100, { supported: false, native: false }, /use awq or fp8/],
  ["int8", "vllm", a100, { supported: true, native: true }],
  ["bf16", "vllm", rtx3090, { supported: true, native: true }],
  ["gguf-q4_k_m", "llamacpp", rtx4090, { supported: true, native: true }],
  ["gguf-q8_0", "ollama", cpu, { supported: true, native: true }, /cpu \(CPU\)/],
  ["gguf-q4_k_m", "vllm", rtx4090, { supported: false, native: false }, /vllm-gguf-plugin/],
  ["awq", "llamacpp", rtx5090, { supported: false, native: false }, /GGUF files only.*gguf-q4_k_m/],
  ["bf16", "vllm", cpu, { supported: false, native: false }, /CPU-only: run a gguf-\* recipe on llamacpp or ollama/],
  ["fp16", "tei", rtx5090, { supported: true, native: true }],
  ["bf16", "tei", rtx5090, { supported: true, native: false }, /float16/],
  ["bf16", "tei", cpu, { supported: true, native: false }, /float32/],
  ["awq", "tei", rtx5090, { supported: false, native: false }, /bf16 or fp16 only/],
];

describe("quantizationSupport table", () => {
  for (const [q, engine, hw, expected, reason] of table) {
    it(`${q} on ${engine} / ${hw.id}`, () => {
      const verdict = quantizationSupport(q, engine, hw);
      assert.deepEqual({ supported: verdict.supported, native: verdict.native }, expected, verdict.reason);
      if (reason) assert.match(verdict.reason, reason);
    });
  }
});

describe("quantizationSupport messages", () => {
  it("explains NVFP4 on an Ada GPU with the numbers and the way out", () => {
    assert.deepEqual(quantizationSupport("nvfp4", "vllm", rtx4090), {
      supported: false,
      native: false,
      reason: "nvfp4 needs a Blackwell GPU (compute capability ≥ 10.0) for FP4 kernels; rtx-4090 is 8.9 (ada): use awq or fp8",
    });
  });
  it("refuses FP8 MoE on Ampere but keeps dense FP8 there", () => {
    assert.equal(quantizationSupport("fp8", "vllm", a100, { moe: true }).supported, false);
    assert.match(quantizationSupport("fp8", "vllm", a100, { moe: true }).reason, /fp8 MoE models have no kernels below compute capability 8\.9; a100-80gb is 8\.0/);
    assert.equal(quantizationSupport("fp8", "vllm", rtx4090, { moe: true }).supported, true);
  });
});

describe("quantizationSupport properties", () => {
  const engines = EngineId.options;
  const formats = Quantization.options;
  it("always explains itself, and never calls an unsupported format native", () => {
    fc.assert(fc.property(fc.constantFrom(...formats), fc.constantFrom(...engines), fc.constantFrom(...gpus, cpu), fc.boolean(), (q, engine, hw, moe) => {
      const v = quantizationSupport(q, engine, hw, { moe });
      assert.ok(v.reason.length > 20, v.reason);
      if (!v.supported) {
        assert.equal(v.native, false);
        assert.ok(v.reason.includes(":"), `an unsupported verdict says what to do instead: ${v.reason}`);
      }
    }));
  });
  it("a newer GPU never loses support an older one has", () => {
    fc.assert(fc.property(fc.constantFrom(...formats), fc.constantFrom(...engines), fc.boolean(), fc.integer({ min: 0, max: gpus.length - 2 }), (q, engine, moe, i) => {
      const older = gpus[i]!;
      for (const newer of gpus.slice(i + 1)) {
        if (quantizationSupport(q, engine, older, { moe }).supported) {
          assert.ok(quantizationSupport(q, engine, newer, { moe }).supported, `${q}/${engine}: ${older.id} yes but ${newer.id} no`);
        }
      }
    }));
  });
  it("llama.cpp and Ollama take exactly the GGUF formats, everywhere", () => {
    for (const engine of ["llamacpp", "ollama"] as const) {
      for (const q of formats) for (const hw of [...gpus, cpu]) assert.equal(quantizationSupport(q, engine, hw).supported, isGguf(q), `${q} ${engine} ${hw.id}`);
    }
  });
});

describe("ggufQuantTag", () => {
  it("names the file quant the hub tags use", () => {
    assert.equal(ggufQuantTag("gguf-q4_k_m"), "Q4_K_M");
    assert.equal(ggufQuantTag("gguf-f16"), "F16");
    assert.equal(ggufQuantTag("awq"), undefined);
  });
});
