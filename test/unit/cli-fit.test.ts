import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runFit } from "../../cli/fit";

/** Runs `fabric fit` with captured streams; files come from `files`, falling back to the fixtures. */
function fit(args: string[], files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runFit(args, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    readFile: (p) => {
      const text = files[p];
      if (text !== undefined) return text;
      if (p.startsWith("fixtures/")) return readFileSync(join(__dirname, "..", p), "utf8");
      throw new Error(`ENOENT: no such file or directory, open '${p}'`);
    },
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("fabric fit", () => {
  it("fits the seed orchestrator on the RTX 5090 and prints a table with the verdict (exit 0)", () => {
    const r = fit(["--model", "nvidia/Nemotron-Orchestrator-8B-AWQ", "--gpu", "rtx-5090", "--max-model-len", "32768",
      "--gpu-memory-utilization", "0.4", "--max-num-seqs", "16", "--kv-cache-dtype", "fp8"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "");
    assert.match(r.out, /^model {7}nemotron-orchestrator-8b \(nvidia\/Nemotron-Orchestrator-8B-AWQ\)$/m);
    assert.match(r.out, /weights awq \(from the name/);
    assert.match(r.out, /^KV tokens {3}[\d,]+  \(±[\d.]+% on 32 GB consumer \(median [\d.]+%\) — \d+ vLLM logs?\)$/m, "the band measured for the class");
    assert.match(r.out, /^fits: needs .* 0\.40 × 31\.36 = 12\.5 GiB rtx-5090 gives this engine/m);
  });

  it("on a DGX Spark prints the GB10 band measured from real logs, not 'error unknown', with vLLM's small GB10 batch defaults", () => {
    const r = fit(["--model", "qwen3-8b", "--gpu", "dgx-spark", "--max-model-len", "32768", "--gpu-memory-utilization", "0.8",
      "--engine-version", "0.27.1"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^KV tokens {3}[\d,]+  \(±[\d.]+% on GB10 \(median [\d.]+%\) — \d+ vLLM logs\)$/m);
    assert.doesNotMatch(r.out, /error unknown/);
    const json = fit(["--model", "qwen3-8b", "--gpu", "dgx-spark", "--max-model-len", "32768", "--gpu-memory-utilization", "0.8",
      "--engine-version", "0.27.1", "--json"]);
    const parsed = JSON.parse(json.out) as { maxNumSeqs: number; nonTorchGiB: number; kvErrorBand: { hardwareClass: string } };
    assert.equal(parsed.kvErrorBand.hardwareClass, "GB10");
    assert.ok(parsed.nonTorchGiB > 2, "unified memory: the engine's host-side growth is booked as non-torch");
    assert.equal(parsed.maxNumSeqs, 256, "NVML reports no memory on GB10, so vLLM keeps 256 sequences");
  });

  it("--other-gib: memory a desktop holds makes vLLM refuse a utilisation it cannot get, and the JSON carries the KV band", () => {
    const r = fit(["--model", "llama-3.1-8b", "--gpu", "rtx-4090", "--max-model-len", "8192", "--gpu-memory-utilization", "0.98",
      "--other-gib", "0.8"]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /vLLM would not start, .* other processes hold 0\.8 GiB .* lower gpuMemoryUtilization to at most 0\.96$/m);
    const j = JSON.parse(fit(["--model", "llama-3.1-8b", "--gpu", "h100-80gb", "--json"]).out) as { kvErrorBand: { hardwareClass: string; logs: number } };
    assert.equal(j.kvErrorBand.hardwareClass, "H100/H200");
    assert.ok(j.kvErrorBand.logs >= 3);
  });

  it("prints JSON with every number (--json)", () => {
    const r = fit(["--model", "llama-3.1-8b", "--gpu", "h100-80gb", "--gpu-memory-utilization", "0.95", "--max-model-len", "8192",
      "--weights-gib", "14.99", "--engine-version", "0.19.0", "--json"]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    for (const key of ["totalGiB", "budgetGiB", "weightsGiB", "activationGiB", "nonTorchGiB", "cudaGraphGiB", "kvPoolGiB",
      "kvBytesPerToken", "kvCacheTokens", "maxConcurrency", "fits", "message", "model", "gpu"]) {
      assert.ok(key in j, `missing ${key}`);
    }
    assert.equal(j["kvCacheTokens"], 476016);
    assert.equal(j["kvBytesPerToken"], 131072);
    assert.equal(j["maxNumSeqs"], 1024, "vLLM's default on an H100");
    assert.equal(j["fits"], true);
  });

  it("reads a Hugging Face config.json (--config) and takes the quantisation from it", () => {
    const r = fit(["--config", "fixtures/hf/gpt-oss-20b.json", "--gpu", "rtx-pro-6000", "--json", "--max-model-len", "65536"]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    assert.equal(j["quantization"], "mxfp4");
    assert.equal(j["gpu"], "rtx-pro-6000");
  });

  it("exits 1 with the numbers when the model does not fit", () => {
    const r = fit(["--model", "llama-3.1-70b", "--gpu", "rtx-4090"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^does not fit: needs [\d.]+ GiB \(weights [\d.]+ .* but rtx-4090 gives 0\.92 × 23\.55 = 21\.7 GiB/m);
    assert.equal(r.err, "");
  });

  it("splits over GPUs with --gpus and reports per-GPU figures", () => {
    const r = fit(["--model", "llama-3.1-70b", "--gpu", "h100-80gb", "--gpus", "4", "--json"]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { tensorParallel: number; weightsGiB: number; nonTorchGiB: number };
    assert.equal(j.tensorParallel, 4);
    assert.ok(j.weightsGiB > 32 && j.weightsGiB < 34, `${j.weightsGiB}`);
    assert.equal(j.nonTorchGiB, 2.1);
  });

  it("uses --gpu-memory-gib for the machine's own memory (CPU llama.cpp host)", () => {
    const r = fit(["--model", "qwen2.5-7b", "--gpu", "cpu", "--gpu-memory-gib", "8", "--engine", "llamacpp",
      "--quantization", "gguf-q4_k_m", "--max-model-len", "4096", "--json"]);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { totalGiB: number }).totalGiB, 8);
  });

  it("prints usage with --help (exit 0)", () => {
    const r = fit(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /--max-num-batched-tokens/);
  });

  describe("bad arguments exit 2 with a message and no stack trace", () => {
    const cases: ReadonlyArray<readonly [string, string[], RegExp]> = [
      ["unknown flag", ["--modle", "qwen3-8b", "--gpu", "rtx-5090"], /Unknown option '--modle' \(did you mean --model\?\)/],
      ["unknown GPU", ["--model", "qwen3-8b", "--gpu", "rtx5090"], /unknown GPU 'rtx5090': did you mean 'rtx-5090'\? Known: rtx-5090,/],
      ["missing GPU", ["--model", "qwen3-8b"], /--gpu is required/],
      ["unknown model", ["--model", "mystery/Model-7B", "--gpu", "rtx-5090"], /unknown model 'mystery\/Model-7B'.*pass --config/],
      ["model and config", ["--model", "qwen3-8b", "--config", "x.json", "--gpu", "rtx-5090"], /exactly one of --model/],
      ["unreadable config", ["--config", "missing.json", "--gpu", "rtx-5090"], /cannot read --config missing\.json: ENOENT/],
      ["config not JSON", ["--config", "bad.json", "--gpu", "rtx-5090"], /--config bad\.json is not JSON/],
      ["config missing a field", ["--config", "thin.json", "--gpu", "rtx-5090"], /--config thin\.json: config\.json: num_hidden_layers/],
      ["bad number", ["--model", "qwen3-8b", "--gpu", "rtx-5090", "--max-model-len", "lots"], /--max-model-len must be a positive number, got 'lots'/],
      ["fraction as percent", ["--model", "qwen3-8b", "--gpu", "rtx-5090", "--gpu-memory-utilization", "90"], /fraction in \(0, 1\], got 90/],
      ["bad quantisation", ["--model", "qwen3-8b", "--gpu", "rtx-5090", "--quantization", "awk"], /--quantization 'awk' is not one of .* \(did you mean 'awq'\?\)/],
      ["bad engine", ["--model", "qwen3-8b", "--gpu", "rtx-5090", "--engine", "vllm2"], /--engine 'vllm2' is not one of/],
      ["positional", ["qwen3-8b", "--gpu", "rtx-5090"], /Unexpected argument 'qwen3-8b'/],
    ];
    for (const [what, args, message] of cases) {
      it(what, () => {
        const r = fit(args, { "bad.json": "{nope", "thin.json": JSON.stringify({ hidden_size: 64 }) });
        assert.equal(r.code, 2, `${what}: exit ${r.code}, out ${r.out}`);
        assert.match(r.err, message);
        assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
        assert.equal(r.out, "");
      });
    }
  });
});
