import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findHardware } from "../../core/catalog/hardware";
import { findModel } from "../../core/catalog/models";
import type { ModelArchitecture } from "../../core/catalog/types";
import { sglangDefaultMemFraction } from "../../core/fit/sglang-behaviour";
import { estimateWeightsGiB, fitEngine, kvBytesPerToken } from "../../core/fit/fit";
import { vllmKvLayout } from "../../core/fit/kv-cache";
import { activationPeak } from "../../core/fit/overhead";
import type { FitInput } from "../../core/fit/types";
import { cudaGraphCaptureSizes, vllmBehaviour, vllmSchedulerDefaults, versionAtLeast } from "../../core/fit/vllm-behaviour";

const arch = (id: string): ModelArchitecture => findModel(id)?.architecture ?? assert.fail(`no ${id}`);
const gpu = (id: string) => findHardware(id) ?? assert.fail(`no ${id}`);

/** A vLLM fit on a catalog GPU; everything else as `vllm serve` would default it. */
function vllm(model: string, hardware: string, over: Partial<FitInput> = {}): ReturnType<typeof fitEngine> {
  const h = gpu(hardware);
  return fitEngine({
    architecture: arch(model), quantization: "bf16", kvCacheDtype: "auto", gpuMemoryGiB: h.memoryGiB, unifiedMemory: h.unifiedMemory,
    gpuMemoryUtilization: 0.9, tensorParallel: 1, maxModelLen: 8192,
    maxNumSeqs: vllmSchedulerDefaults(h.memoryGiB, h.id).maxNumSeqs, engine: "vllm", engineVersion: "0.19.0", hardwareId: h.id,
    ...over,
  });
}

describe("weights by quantisation, against vLLM's 'Model loading took'", () => {
  const cases: ReadonlyArray<readonly [string, FitInput["quantization"], number, number, string]> = [
    ["llama-3.1-8b", "bf16", 1, 14.99, "llm-d, H100"],
    ["llama-3.1-8b", "gptq", 1, 5.38, "RedHatAI w4a16, llm-d"],
    ["llama-3.1-8b", "fp8", 1, 8.49, "online --quantization fp8, llm-d"],
    ["llama-3.1-8b", "bf16", 4, 3.77, "TP 4, llm-d"],
    ["qwen2-7b", "bf16", 1, 14.25, "A100 log"],
    ["qwen3-8b", "bf16", 1, 15.27, "several logs"],
    ["qwen3-8b", "fp8", 1, 8.8, "16 GB Blackwell card, vLLM 0.23"],
    ["qwen3-8b", "nvfp4", 1, 5.98, "16 GB Blackwell card, vLLM 0.23"],
    ["qwen3-30b-a3b", "nvfp4", 1, 16.86, "16 GB Blackwell card, vLLM 0.23 (did not fit)"],
    ["gpt-oss-120b", "mxfp4", 4, 17.22, "A100 TP 4, padded MXFP4 experts"],
  ];
  for (const [model, q, tp, logged, source] of cases) {
    it(`${model} ${q} TP${tp}: ${logged} GiB within 3% (${source})`, () => {
      const est = estimateWeightsGiB(arch(model), q, tp);
      assert.ok(Math.abs(est - logged) / logged <= 0.03, `${est.toFixed(2)} GiB vs ${logged}`);
    });
  }

  it("keeps embeddings unquantised, counts tied embeddings once, and uses the GGUF file's bits per weight", () => {
    const llama = arch("llama-3.1-8b");
    assert.ok(estimateWeightsGiB(llama, "awq", 1) > (llama.paramsBillion * 1e9 * 4.16) / 8 / 1024 ** 3, "embeddings stay 16-bit");
    const tied = { ...llama, tiedEmbeddings: true, paramsBillion: llama.paramsBillion - 0.525 };
    assert.ok(estimateWeightsGiB(tied, "bf16", 1) < estimateWeightsGiB(llama, "bf16", 1));
    // Llama-3.1-8B Q4_K_M is 4.58 GiB (llama.cpp quantize README).
    assert.ok(Math.abs(estimateWeightsGiB(llama, "gguf-q4_k_m", 1) - 4.58) < 0.05);
  });
});

describe("KV bytes per token", () => {
  it("shards KV heads over TP and replicates them beyond the head count", () => {
    const llama = arch("llama-3.1-8b");
    assert.equal(kvBytesPerToken(llama, "auto", 1, "vllm"), 131072);
    assert.equal(kvBytesPerToken(llama, "auto", 2, "vllm"), 65536);
    assert.equal(kvBytesPerToken(llama, "auto", 16, "vllm"), 16384, "8 KV heads over 16 GPUs: one per GPU");
    assert.equal(kvBytesPerToken(llama, "fp8", 1, "vllm"), 65536);
  });
  it("uses llama.cpp block sizes and ignores TP there", () => {
    const llama = arch("llama-3.1-8b");
    assert.equal(kvBytesPerToken(llama, "q8_0", 4, "llamacpp"), 131072 * (34 / 32) / 2);
    assert.equal(kvBytesPerToken(llama, "q4_0", 1, "ollama"), 131072 * (18 / 32) / 2);
  });
});

describe("vLLM mechanism", () => {
  it("reproduces calibration row A: H100, Llama-3.1-8B, 0.95, 476,016 tokens", () => {
    const f = vllm("llama-3.1-8b", "h100-80gb", { gpuMemoryUtilization: 0.95, weightsGiB: 14.99 });
    assert.equal(f.kvCacheTokens, 476016);
    assert.ok(Math.abs(f.activationGiB - 1.89) < 0.05, `activation ${f.activationGiB}`);
    assert.equal(f.nonTorchGiB, 0.25);
    assert.equal(f.cudaGraphGiB, 0, "0.19 does not subtract CUDA graphs");
  });

  it("gives fp8 KV twice the tokens of bf16 in the same pool", () => {
    const bf16 = vllm("qwen3-8b", "h100-80gb");
    const fp8 = vllm("qwen3-8b", "h100-80gb", { kvCacheDtype: "fp8" });
    assert.equal(fp8.kvPoolGiB, bf16.kvPoolGiB);
    assert.ok(Math.abs(fp8.kvCacheTokens - 2 * bf16.kvCacheTokens) <= 16);
  });

  it("sizes the pool independently of maxModelLen; only concurrency changes", () => {
    const short = vllm("llama-3.1-8b", "h100-80gb", { maxModelLen: 4096 });
    const long = vllm("llama-3.1-8b", "h100-80gb", { maxModelLen: 32768 });
    assert.equal(short.kvCacheTokens, long.kvCacheTokens);
    assert.ok(Math.abs(short.maxConcurrency / long.maxConcurrency - 8) < 1e-9);
  });

  it("refuses a context the pool cannot hold once, with the numbers and a fix", () => {
    const f = vllm("qwen3-8b", "rtx-4090", { maxModelLen: 40960, weightsGiB: 15.27 });
    assert.equal(f.fits, false);
    assert.match(f.message, /^does not fit: needs \d+\.\d+ GiB \(weights 15\.3 \+ activation /);
    assert.match(f.message, /KV for one 40960-token sequence 5\.63\)/);
    assert.match(f.message, /rtx-4090 gives 0\.90 × 23\.55 = 21\.2 GiB/);
    assert.match(f.message, /lower maxModelLen to \d+ or less/);
    assert.match(f.message, /raise gpuMemoryUtilization to 0\.9\d/);
  });

  it("says when the weights alone exceed the budget", () => {
    const f = vllm("llama-3.1-70b", "rtx-4090");
    assert.equal(f.fits, false);
    assert.equal(f.kvCacheTokens, 0);
    assert.match(f.message, /leaves no KV pool/);
    assert.match(f.message, /smaller quantisation or more GPUs/);
    assert.doesNotMatch(f.message, /raise gpuMemoryUtilization/);
  });

  it("picks sampler scratch, non-torch memory and CUDA-graph accounting by release", () => {
    assert.equal(vllmBehaviour("0.10.1.1").samplerBytesPerLogit, 14);
    assert.equal(vllmBehaviour("0.15.1").samplerBytesPerLogit, 38);
    assert.equal(vllmBehaviour("0.19.0").samplerBytesPerLogit, 14);
    assert.equal(vllmBehaviour("0.20.2").subtractsCudaGraphs, false);
    assert.equal(vllmBehaviour("0.21.0").subtractsCudaGraphs, true);
    assert.equal(vllmBehaviour("").version, "0.26.0");
    assert.ok(versionAtLeast("v0.11.1", 0, 11, 1) && !versionAtLeast("0.11.0", 0, 11, 1));
    const old = vllm("qwen3-8b", "h100-80gb", { engineVersion: "0.16.0" });
    const recent = vllm("qwen3-8b", "h100-80gb", { engineVersion: "0.17.0" });
    assert.ok(old.activationGiB > recent.activationGiB + 3, "the sorting sampler of 0.11.1–0.16 needs > 3 GiB more here");
    assert.ok(vllm("qwen3-8b", "h100-80gb", { engineVersion: "0.24.0" }).cudaGraphGiB > 0.4);
  });

  it("defaults like `vllm serve`: big batches on ≥ 70 GiB GPUs except A100s", () => {
    assert.deepEqual(vllmSchedulerDefaults(79.19, "h100-80gb"), { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    assert.deepEqual(vllmSchedulerDefaults(79.15, "a100-80gb"), { maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    assert.deepEqual(vllmSchedulerDefaults(31.36), { maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    // GB10: NVML cannot report unified memory, vLLM reads 0 GiB and keeps the small defaults.
    assert.deepEqual(vllmSchedulerDefaults(119.63, "dgx-spark", true), { maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    assert.deepEqual(cudaGraphCaptureSizes(8), [1, 2, 4, 8, 16]);
    assert.equal(cudaGraphCaptureSizes(1024).length, 51, "logged: PIECEWISE=51 (largest=512)");
  });

  it("keeps the activation peak flat across TP (the sampler sees the whole vocabulary)", () => {
    const input = { maxNumSeqs: 1024, maxNumBatchedTokens: 8192, samplerBytesPerLogit: 14, kernelWorkspaceGiB: 0.1 };
    const one = activationPeak(arch("llama-3.1-8b"), { ...input, tensorParallel: 1 });
    const four = activationPeak(arch("llama-3.1-8b"), { ...input, tensorParallel: 4 });
    assert.equal(one.totalGiB, four.totalGiB);
  });

  it("charges 2.1 GiB of NCCL buffers per GPU on NVLink and 0.2 on PCIe", () => {
    assert.equal(vllm("llama-3.1-8b", "h100-80gb", { tensorParallel: 2 }).nonTorchGiB, 2.1);
    assert.equal(vllm("llama-3.1-8b", "rtx-4090", { tensorParallel: 2, interconnect: "pcie" }).nonTorchGiB, 0.2);
  });

  it("groups Gemma 3 layers like vLLM's hybrid allocator and caps sliding layers at the window", () => {
    const layout = vllmKvLayout(arch("gemma-3-12b"), "auto", 1);
    assert.deepEqual(layout.groups, { full: 1, sliding: 5, state: 0 });
    assert.equal(layout.groupLayers, 8);
    const long = vllm("gemma-3-12b", "h100-80gb", { maxModelLen: 131072 });
    const dense = vllm("gemma-3-12b", "h100-80gb", { maxModelLen: 131072, architecture: { ...arch("gemma-3-12b"), slidingWindow: undefined } });
    assert.ok(long.maxConcurrency > 3 * dense.maxConcurrency, `${long.maxConcurrency} vs ${dense.maxConcurrency}`);
  });
});

describe("the seed fleet", () => {
  it("fits the 5090 orchestrator (AWQ, fp8 KV, 0.4 of the card, 16 sequences of 32K)", () => {
    const f = vllm("nemotron-orchestrator-8b", "rtx-5090", { quantization: "awq", kvCacheDtype: "fp8", gpuMemoryUtilization: 0.4,
      maxModelLen: 32768, maxNumSeqs: 16, engineVersion: "0.26.0" });
    assert.equal(f.fits, true, f.message);
    assert.ok(f.budgetGiB < 12.6 && f.weightsGiB > 5 && f.weightsGiB < 6.5);
    assert.match(f.message, /^fits: needs .* of the 0\.40 × 31\.36 = 12\.5 GiB rtx-5090 gives this engine/);
  });

  it("fits the DGX Spark reasoner (NVFP4 27B hybrid, 131K, 0.55, draft 1 GiB) and says the memory is unified", () => {
    const f = vllm("qwen3.6-27b", "dgx-spark", { quantization: "nvfp4", kvCacheDtype: "fp8", gpuMemoryUtilization: 0.55,
      maxModelLen: 131072, maxNumSeqs: 10, draftWeightsGiB: 1, engineVersion: "0.26.0" });
    assert.equal(f.fits, true, f.message);
    assert.ok(f.maxConcurrency >= 10, `only ${f.maxConcurrency} sequences of 131072`);
    assert.equal(f.kvBytesPerToken, 2 * 16 * 4 * 256);
    assert.match(f.message, /0\.55 × 119\.63 = 65\.8 GiB dgx-spark/);
    assert.match(f.message, /dgx-spark memory is unified: the OS, containers and page cache share these 119\.6 GiB/);
  });
});

describe("other engines", () => {
  const base = (engine: FitInput["engine"], over: Partial<FitInput> = {}): FitInput => ({
    architecture: arch("deepseek-r1-distill-qwen-14b"), quantization: "gguf-q4_k_m", kvCacheDtype: "q8_0", gpuMemoryGiB: 31.36,
    unifiedMemory: false, gpuMemoryUtilization: 0.9, tensorParallel: 1, maxModelLen: 32768, maxNumSeqs: 1, engine,
    engineVersion: "b10902", hardwareId: "rtx-5090", ...over,
  });

  it("llama.cpp: budget is what it needs; KV for the whole context; fits against the GPU", () => {
    const f = fitEngine(base("llamacpp"));
    assert.equal(f.fits, true, f.message);
    assert.equal(f.kvCacheTokens, 32768);
    assert.ok(Math.abs(f.budgetGiB - (f.weightsGiB + f.kvPoolGiB + f.activationGiB + f.nonTorchGiB)) < 1e-9);
    assert.ok(Math.abs(f.kvPoolGiB - (48 * 2 * 8 * 128 * (34 / 32) * 32768) / 1024 ** 3) < 1e-9);
    const tight = fitEngine(base("llamacpp", { gpuMemoryGiB: 8, hardwareId: "cpu" }));
    assert.equal(tight.fits, false);
    assert.match(tight.message, /^does not fit: needs \d+\.\d+ GiB \(weights .* but cpu has 8\.00 GiB/);
  });

  it("llama.cpp keeps only the window for sliding layers", () => {
    const gemma = fitEngine(base("llamacpp", { architecture: arch("gemma-3-12b") }));
    const full = fitEngine(base("llamacpp", { architecture: { ...arch("gemma-3-12b"), slidingWindow: undefined } }));
    assert.ok(gemma.kvPoolGiB < full.kvPoolGiB / 3);
  });

  it("TEI: an encoder needs weights and one batch of activations, no KV", () => {
    const f = fitEngine(base("tei", { architecture: arch("nomic-embed-text-v1.5"), quantization: "fp16", kvCacheDtype: "auto", maxModelLen: 8192 }));
    assert.equal(f.fits, true);
    assert.equal(f.kvCacheTokens, 0);
    assert.ok(f.budgetGiB < 2);
  });

  it("SGLang takes weights and KV from the static fraction, activations and graphs on top; TRT-LLM a fraction of what is free", () => {
    // SGLang 0.5.18 on a 31.36 GiB card, TP 1: 512 + 2048 × 1.5 + 128 + 24 × 2 + 41 × 8 = 4088 MiB reserved.
    assert.equal(sglangDefaultMemFraction(31.36, 1), 0.872);
    const own = fitEngine(base("sglang", { architecture: arch("qwen3-8b"), quantization: "bf16", kvCacheDtype: "auto", gpuMemoryUtilization: 0.872 }));
    assert.equal(own.fits, true);
    assert.ok(Math.abs(own.weightsGiB + own.kvPoolGiB + own.nonTorchGiB - 0.872 * 31.36) < 1e-9);
    assert.ok(own.budgetGiB > 0.872 * 31.36 + 3.9 && own.budgetGiB <= 31.36, `the GPU-sharing check sees the whole footprint: ${own.budgetGiB}`);
    // The old forced 0.9 leaves less than SGLang's reserve: OOM at CUDA-graph capture.
    const s = fitEngine(base("sglang", { architecture: arch("qwen3-8b"), quantization: "bf16", kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 }));
    assert.equal(s.fits, false);
    assert.match(s.message, /OOM at graph capture\): lower gpuMemoryUtilization to at most 0\.872 or leave it unset/);
    const t = fitEngine(base("trtllm", { architecture: arch("qwen3-8b"), quantization: "bf16", kvCacheDtype: "auto" }));
    assert.equal(t.kvCacheTokens % 32, 0);
    assert.ok(t.budgetGiB < 31.36);
  });

  it("rejects meaningless numbers with the field and value", () => {
    assert.throws(() => fitEngine(base("vllm", { gpuMemoryUtilization: 1.5 })), /gpuMemoryUtilization must be in \(0, 1\], got 1\.5/);
    assert.throws(() => fitEngine(base("vllm", { maxModelLen: 0 })), /maxModelLen must be a positive number, got 0/);
  });
});
