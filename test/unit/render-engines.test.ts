import assert from "node:assert/strict";
import { describe, it } from "node:test";
import YAML from "yaml";
import type { HardwareProfile } from "../../core/catalog/types";
import { Recipe, type Recipe as RecipeType } from "../../core/fleet/recipe";
import { MODEL_CACHE_PATH, renderEngine, renderLlamaSwap, type EngineRenderContext, type SwapRenderContext } from "../../core/render/engines";

function hardware(id: string, computeCapability: number | null, family: HardwareProfile["family"], cpuArch: HardwareProfile["cpuArch"], memoryGiB: number): HardwareProfile {
  return { id, name: id, computeCapability, family, cpuArch, memoryGiB, marketingGB: memoryGiB, bandwidthGBps: 1000, unifiedMemory: id === "dgx-spark", vastNames: [] };
}

const spark = hardware("dgx-spark", 12.1, "blackwell", "arm64", 119.7);
const rtx5090 = hardware("rtx-5090", 12.0, "blackwell", "amd64", 31.4);
const h100 = hardware("h100-80gb", 9.0, "hopper", "amd64", 79.2);
const cpu = hardware("cpu", null, "cpu", "amd64", 64);

/** The seed's reasoner: Qwen3.6-27B NVFP4 with DFlash k=15 at 131K context, gmu 0.55, 10 sequences. */
const reasoner = Recipe.parse({
  engine: "vllm",
  model: { id: "vrfai/Qwen3.6-27B-NVFP4" },
  quantization: "nvfp4",
  maxModelLen: 131072,
  gpuMemoryUtilization: 0.55,
  maxNumSeqs: 10,
  kvCacheDtype: "fp8",
  speculative: { method: "dflash", model: "z-lab/Qwen3.6-27B-DFlash", numSpeculativeTokens: 15, draftWeightsGiB: 3.4 },
  extraArgs: ["--linear-backend", "flashinfer-cutlass"],
});
/** The always-on 8B AWQ orchestrator on the RTX 5090. */
const orchestrator = Recipe.parse({
  engine: "vllm",
  model: { id: "Qwen/Qwen3-8B-AWQ", revision: "a2b3c4d" },
  quantization: "awq",
  maxModelLen: 32768,
  gpuMemoryUtilization: 0.45,
  maxNumSeqs: 16,
  kvCacheDtype: "fp8",
  enablePrefixCaching: true,
});
const embed = Recipe.parse({ engine: "tei", model: { id: "nomic-ai/nomic-embed-text-v1.5" }, quantization: "fp16", maxModelLen: 8192 });
const r1 = Recipe.parse({
  engine: "llamacpp",
  model: { id: "bartowski/DeepSeek-R1-Distill-Qwen-14B-GGUF", file: "DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf" },
  quantization: "gguf-q4_k_m",
  maxModelLen: 16384,
  maxNumSeqs: 2,
  kvCacheDtype: "q8_0",
});
const qwenGguf = Recipe.parse({ engine: "llamacpp", model: { id: "Qwen/Qwen3-8B-GGUF" }, quantization: "gguf-q8_0", maxModelLen: 32768 });

function context(recipe: RecipeType, over: Partial<EngineRenderContext> = {}): EngineRenderContext {
  return { deployment: "d", servedName: "model", recipeName: "r", recipe, hardware: rtx5090, listenHost: "0.0.0.0", port: 8000, modelPath: null, hasHfToken: true, ...over };
}

/** The value after a flag, failing when the flag is absent. */
function flag(args: readonly string[], name: string): string {
  const i = args.indexOf(name);
  assert.ok(i >= 0, `${name} missing from ${args.join(" ")}`);
  return args[i + 1] ?? "";
}

const swapSlot: SwapRenderContext = {
  deployment: "swap", servedName: "swap", listenHost: "0.0.0.0", port: 8090, hardware: rtx5090, hasHfToken: false, ttlSeconds: 600,
  members: [{ recipeName: "r1-14b", recipe: r1, modelPath: null }, { recipeName: "qwen3-8b", recipe: qwenGguf, modelPath: null }],
};

describe("engine renders (snapshots)", () => {
  it("vllm: reasoner on dgx-spark", (t) => {
    t.assert.snapshot(renderEngine(context(reasoner, { deployment: "reasoner", servedName: "reasoner", recipeName: "reasoner", hardware: spark, port: 8120 })));
  });
  it("vllm: orchestrator on rtx-5090", (t) => {
    t.assert.snapshot(renderEngine(context(orchestrator, { servedName: "orchestrator", recipeName: "orchestrator" })));
  });
  it("sglang: reasoner on dgx-spark", (t) => {
    t.assert.snapshot(renderEngine(context({ ...reasoner, engine: "sglang", env: {}, extraArgs: [] }, { servedName: "reasoner", hardware: spark, port: 30000 })));
  });
  it("trtllm: reasoner on dgx-spark", (t) => {
    t.assert.snapshot(renderEngine(context({ ...reasoner, engine: "trtllm", env: {}, extraArgs: [] }, { servedName: "reasoner", hardware: spark })));
  });
  it("tei: nomic-embed on rtx-5090", (t) => {
    t.assert.snapshot(renderEngine(context(embed, { servedName: "embed", port: 8091 })));
  });
  it("llamacpp: R1-14B GGUF on rtx-5090", (t) => {
    t.assert.snapshot(renderEngine(context(r1, { servedName: "r1-14b", port: 8080 })));
  });
  it("ollama: R1-14B GGUF synced from the store on cpu", (t) => {
    t.assert.snapshot(renderEngine(context({ ...r1, engine: "ollama" }, { servedName: "r1-14b", hardware: cpu, port: 11434, modelPath: "/models/store/r1" })));
  });
  it("llama-swap: two-member slot on rtx-5090", (t) => {
    t.assert.snapshot(renderLlamaSwap(swapSlot));
  });
});

describe("vllm", () => {
  const render = renderEngine(context(reasoner, { servedName: "reasoner", hardware: spark, port: 8120 }));
  it("carries every recipe flag", () => {
    assert.equal(render.args[0], "vrfai/Qwen3.6-27B-NVFP4");
    assert.equal(flag(render.args, "--served-model-name"), "reasoner");
    assert.equal(flag(render.args, "--port"), "8120");
    assert.equal(flag(render.args, "--max-model-len"), "131072");
    assert.equal(flag(render.args, "--gpu-memory-utilization"), "0.55");
    assert.equal(flag(render.args, "--max-num-seqs"), "10");
    assert.equal(flag(render.args, "--kv-cache-dtype"), "fp8");
    assert.equal(flag(render.args, "--speculative-config"), '{"method":"dflash","model":"z-lab/Qwen3.6-27B-DFlash","num_speculative_tokens":15}');
  });
  it("leaves the quantisation method to checkpoint detection", () => {
    assert.ok(!render.args.includes("--quantization"));
    assert.ok(!render.args.includes("nvfp4"));
  });
  it("keeps the cache in the volume, shares IPC and probes /health", () => {
    assert.equal(render.env.HF_HOME, `${MODEL_CACHE_PATH}/huggingface`);
    assert.equal(flag(render.args, "--linear-backend"), "flashinfer-cutlass");
    assert.equal(render.ipcHost, true);
    assert.equal(render.healthPath, "/health");
    assert.equal(render.metricsPath, "/metrics");
    assert.equal(render.entrypoint, null);
  });
  it("writes vLLM's own default utilisation (0.92 from 0.26), the revision and prefix caching", () => {
    const args = renderEngine(context(Recipe.parse({ engine: "vllm", model: { id: "m/x", revision: "abc" }, enablePrefixCaching: false }))).args;
    assert.equal(flag(args, "--gpu-memory-utilization"), "0.92");
    const older = renderEngine(context(Recipe.parse({ engine: "vllm", engineVersion: "0.19.0", model: { id: "m/x" } }))).args;
    assert.equal(flag(older, "--gpu-memory-utilization"), "0.9");
    assert.equal(flag(args, "--revision"), "abc");
    assert.equal(flag(args, "--dtype"), "bfloat16");
    assert.ok(args.includes("--no-enable-prefix-caching"));
  });
  it("serves a synced path without a revision", () => {
    const args = renderEngine(context(orchestrator, { modelPath: "/models/store/q" })).args;
    assert.equal(args[0], "/models/store/q");
    assert.ok(!args.includes("--revision"));
  });
  it("takes an fp16 KV cache, which vLLM 0.26's CacheDType has", () => {
    assert.equal(flag(renderEngine(context({ ...orchestrator, kvCacheDtype: "fp16" })).args, "--kv-cache-dtype"), "float16");
  });
  it("refuses suffix decoding on the stock image, which lacks arctic-inference", () => {
    const suffix = { ...reasoner, speculative: { method: "suffix" as const, numSpeculativeTokens: 8 } };
    assert.throws(() => renderEngine(context(suffix, { recipeName: "s" })), /recipes\.s\.speculative\.method 'suffix' needs arctic-inference/);
    const own = renderEngine(context({ ...suffix, image: "registry.example/vllm-arctic:0.26.0" })).args;
    assert.equal(flag(own, "--speculative-config"), '{"method":"suffix","num_speculative_tokens":8}');
  });
  it("puts `vllm serve` first for NGC images and extraArgs last", () => {
    const args = renderEngine(context({ ...orchestrator, image: "nvcr.io/nvidia/vllm:26.07-py3", extraArgs: ["--enforce-eager"] })).args;
    assert.deepEqual(args.slice(0, 3), ["vllm", "serve", "Qwen/Qwen3-8B-AWQ"]);
    assert.equal(args.at(-1), "--enforce-eager");
  });
  it("rejects llama.cpp cache types and draft methods without a model", () => {
    assert.throws(() => renderEngine(context({ ...orchestrator, kvCacheDtype: "q8_0" }, { recipeName: "orch" })), /recipes\.orch\.kvCacheDtype 'q8_0'.*use auto/);
    assert.throws(() => renderEngine(context({ ...reasoner, speculative: { method: "dflash", numSpeculativeTokens: 4 } })), /speculative\.model is required/);
  });
});

describe("sglang", () => {
  const args = renderEngine(context({ ...reasoner, engine: "sglang", extraArgs: [] }, { hardware: spark })).args;
  it("maps the recipe onto launch_server flags", () => {
    assert.equal(flag(args, "--context-length"), "131072");
    assert.equal(flag(args, "--mem-fraction-static"), "0.55");
    assert.equal(flag(args, "--max-running-requests"), "10");
  });
  it("leaves --mem-fraction-static to SGLang's per-GPU formula when the recipe sets none", () => {
    const own = renderEngine(context({ ...reasoner, engine: "sglang", gpuMemoryUtilization: undefined })).args;
    assert.ok(!own.includes("--mem-fraction-static"), own.join(" "));
    assert.equal(flag(args, "--max-running-requests"), "10");
    assert.equal(flag(args, "--kv-cache-dtype"), "fp8_e4m3");
    assert.equal(flag(args, "--tp-size"), "1");
    assert.ok(args.includes("--enable-metrics"));
  });
  it("counts DFlash draft tokens with the root, as SGLang does", () => {
    assert.equal(flag(args, "--speculative-algorithm"), "DFLASH");
    assert.equal(flag(args, "--speculative-num-draft-tokens"), "16");
  });
  it("rejects suffix decoding", () => {
    assert.throws(() => renderEngine(context({ ...reasoner, engine: "sglang", speculative: { method: "suffix", numSpeculativeTokens: 8 } })), /no SGLang algorithm/);
  });
});

describe("llama.cpp", () => {
  const args = renderEngine(context(r1, { servedName: "r1-14b", port: 8080 })).args;
  it("gives every slot the full context and pins GPU offload", () => {
    assert.equal(flag(args, "-c"), String(16384 * 2));
    assert.equal(flag(args, "-np"), "2");
    assert.equal(flag(args, "-ngl"), "999");
    assert.equal(flag(args, "--port"), "8080");
    assert.equal(flag(args, "--alias"), "r1-14b");
  });
  it("quantises K and V with flash attention on", () => {
    assert.equal(flag(args, "-ctk"), "q8_0");
    assert.equal(flag(args, "-ctv"), "q8_0");
    assert.equal(flag(args, "-fa"), "on");
    assert.ok(args.includes("--metrics"));
  });
  it("chooses the model source", () => {
    assert.equal(flag(args, "--hf-file"), "DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf");
    assert.equal(flag(renderEngine(context(qwenGguf)).args, "-hf"), "Qwen/Qwen3-8B-GGUF:Q8_0");
    assert.equal(flag(renderEngine(context(r1, { modelPath: "/models/store/r1" })).args, "-m"), "/models/store/r1/DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf");
    const pinned = { ...r1, model: { ...r1.model, revision: "0123abc" } };
    assert.equal(flag(renderEngine(context(pinned)).args, "-mu"),
      "https://huggingface.co/bartowski/DeepSeek-R1-Distill-Qwen-14B-GGUF/resolve/0123abc/DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf");
  });
  it("drafts with --spec-type draft-simple and --spec-draft-n-max (--draft-max now throws)", () => {
    const drafted = renderEngine(context({ ...r1, speculative: { method: "draft_model", model: "bartowski/Qwen-0.5B-GGUF", numSpeculativeTokens: 8 } })).args;
    assert.equal(flag(drafted, "--spec-type"), "draft-simple");
    assert.equal(flag(drafted, "--spec-draft-hf"), "bartowski/Qwen-0.5B-GGUF");
    assert.equal(flag(drafted, "--spec-draft-n-max"), "8");
    assert.ok(!drafted.includes("--draft-max") && !drafted.includes("--hf-repo-draft"));
  });
  it("runs every layer on the CPU machine", () => {
    assert.equal(flag(renderEngine(context(r1, { hardware: cpu })).args, "-ngl"), "0");
  });
  it("rejects fp8 KV and a synced model without a file", () => {
    assert.throws(() => renderEngine(context({ ...r1, kvCacheDtype: "fp8" }, { recipeName: "r1" })), /recipes\.r1\.kvCacheDtype 'fp8'.*use q8_0/);
    assert.throws(() => renderEngine(context(qwenGguf, { modelPath: "/models/store/q", recipeName: "q" })), /recipes\.q\.model\.file is required/);
  });
});

describe("ollama", () => {
  const render = renderEngine(context({ ...r1, engine: "ollama" }, { servedName: "r1-14b", port: 11434 }));
  it("configures the server through its environment", () => {
    assert.equal(render.env.OLLAMA_HOST, "0.0.0.0:11434");
    assert.equal(render.env.OLLAMA_CONTEXT_LENGTH, "16384");
    assert.equal(render.env.OLLAMA_NUM_PARALLEL, "2");
    assert.equal(render.env.OLLAMA_KV_CACHE_TYPE, "q8_0");
    assert.equal(render.env.OLLAMA_FLASH_ATTENTION, "1");
    assert.equal(render.env.OLLAMA_KEEP_ALIVE, "-1");
    assert.equal(render.env.OLLAMA_MODELS, "/models/ollama");
  });
  it("creates the served model and is healthy only once it exists", () => {
    assert.equal(render.files[0]?.content, "FROM hf.co/bartowski/DeepSeek-R1-Distill-Qwen-14B-GGUF:Q4_K_M\nPARAMETER num_ctx 16384\n");
    assert.match(render.entrypoint?.[2] ?? "", /ollama create r1-14b -f \/etc\/ollama\/Modelfile/);
    assert.equal(render.healthPath, "/v1/models/r1-14b");
    assert.equal(render.metricsPath, null);
  });
  it("probes with the ollama binary, because the image has no curl, wget or python3", () => {
    assert.deepEqual(render.healthCommand, ["ollama", "show", "r1-14b"]);
  });
  it("rejects engine arguments", () => {
    assert.throws(() => renderEngine(context({ ...r1, engine: "ollama", extraArgs: ["--x"] })), /Ollama takes no engine arguments/);
  });
});

describe("trtllm", () => {
  const render = renderEngine(context({ ...reasoner, engine: "trtllm", extraArgs: [] }, { hardware: h100 }));
  it("runs trtllm-serve with the recipe's limits", () => {
    assert.deepEqual(render.args.slice(0, 3), ["trtllm-serve", "serve", "vrfai/Qwen3.6-27B-NVFP4"]);
    assert.equal(flag(render.args, "--max_seq_len"), "131072");
    assert.equal(flag(render.args, "--max_batch_size"), "10");
    assert.equal(flag(render.args, "--kv_cache_free_gpu_memory_fraction"), "0.55");
    assert.equal(render.metricsPath, "/prometheus/metrics");
  });
  it("writes the KV dtype and draft model into the options file", () => {
    assert.equal(flag(render.args, "--extra_llm_api_options"), render.files[0]?.containerPath);
    assert.deepEqual(YAML.parse(render.files[0]?.content ?? ""), {
      return_perf_metrics: true,
      kv_cache_config: { dtype: "fp8" },
      speculative_config: { decoding_type: "DFlash", max_draft_len: 15, speculative_model: "z-lab/Qwen3.6-27B-DFlash" },
    });
  });
  it("always turns on return_perf_metrics, without which /prometheus/metrics is not mounted", () => {
    const plain = renderEngine(context(Recipe.parse({ engine: "trtllm", model: { id: "m/x" } })));
    assert.deepEqual(YAML.parse(plain.files[0]?.content ?? ""), { return_perf_metrics: true });
    assert.equal(flag(plain.args, "--extra_llm_api_options"), plain.files[0]?.containerPath);
  });
  it("never renders --revision; a pinned hub revision must come from the store", () => {
    const pinned = Recipe.parse({ engine: "trtllm", model: { id: "m/x", revision: "abc" } });
    assert.throws(() => renderEngine(context(pinned, { recipeName: "t" })), /recipes\.t\.model\.revision cannot be passed to trtllm-serve/);
    assert.ok(!renderEngine(context(pinned, { modelPath: "/models/store/m/x/abc" })).args.includes("--revision"));
  });
});

describe("tei", () => {
  it("serves the embedding model under the served name in float16", () => {
    const args = renderEngine(context(embed, { servedName: "embed" })).args;
    assert.equal(flag(args, "--model-id"), "nomic-ai/nomic-embed-text-v1.5");
    assert.equal(flag(args, "--served-model-name"), "embed");
    assert.equal(flag(args, "--hostname"), "0.0.0.0");
    assert.equal(flag(args, "--dtype"), "float16");
  });
  it("computes in float32 on the CPU image and shares the hub cache", () => {
    const render = renderEngine(context(embed, { hardware: cpu }));
    assert.equal(flag(render.args, "--dtype"), "float32");
    assert.equal(render.env.HUGGINGFACE_HUB_CACHE, "/models/huggingface/hub");
  });
});

describe("llama-swap", () => {
  const render = renderLlamaSwap(swapSlot);
  const config = YAML.parse(render.files[0]?.content ?? "");
  it("runs llama-swap on the mounted config", () => {
    assert.deepEqual(render.entrypoint, ["/app/llama-swap"]);
    assert.deepEqual(render.args, ["--config", "/etc/llama-swap/config.yaml", "--listen", "0.0.0.0:8090"]);
    assert.equal(render.files[0]?.containerPath, "/etc/llama-swap/config.yaml");
  });
  it("swaps one member at a time in the current routing layout", () => {
    assert.deepEqual(config.routing.router, { use: "group", settings: { groups: { swap: { swap: true, exclusive: true, members: ["r1-14b", "qwen3-8b"] } } } });
    assert.equal(config.groups, undefined);
  });
  it("starts each member as llama-server on llama-swap's port", () => {
    const member = config.models["r1-14b"];
    assert.match(member.cmd, /^\/app\/llama-server .*--host 127\.0\.0\.1 --port \$\{PORT\} /);
    assert.match(member.cmd, /-c 32768 -np 2 -ngl 999 -ctk q8_0 -ctv q8_0 -fa on/);
    assert.equal(member.checkEndpoint, "/health");
    assert.equal(member.ttl, 600);
    assert.deepEqual(member.aliases, ["swap"]);
    assert.equal(config.models["qwen3-8b"].aliases, undefined);
  });
  it("quotes arguments a shell would split", () => {
    const quoted = renderLlamaSwap({ ...swapSlot, members: [{ recipeName: "q", recipe: { ...qwenGguf, extraArgs: ["--chat-template-kwargs", '{"enable_thinking": false}'] }, modelPath: null }] });
    assert.match(quoted.files[0]?.content ?? "", /--chat-template-kwargs '\{\\"enable_thinking\\": false\}'/);
  });
  it("accepts llamacpp members only", () => {
    assert.throws(() => renderLlamaSwap({ ...swapSlot, members: [{ recipeName: "orch", recipe: orchestrator, modelPath: null }] }),
      /swap slot swap: recipe orch uses vllm; llama-swap slots run llamacpp recipes only/);
    assert.throws(() => renderLlamaSwap({ ...swapSlot, members: [] }), /swap\.recipes is empty/);
  });
});

describe("renderEngine", () => {
  it("dispatches on the recipe's engine", () => {
    const marks: Record<RecipeType["engine"], (r: ReturnType<typeof renderEngine>) => boolean> = {
      vllm: (r) => r.args.includes("--served-model-name") && r.ipcHost,
      sglang: (r) => r.entrypoint?.[2] === "sglang.launch_server",
      llamacpp: (r) => r.args.includes("-ngl"),
      ollama: (r) => r.env.OLLAMA_HOST !== undefined,
      trtllm: (r) => r.args[0] === "trtllm-serve",
      tei: (r) => r.args.includes("--model-id"),
    };
    const recipes: Record<RecipeType["engine"], RecipeType> = {
      vllm: orchestrator, sglang: { ...orchestrator, engine: "sglang" }, llamacpp: r1, ollama: { ...r1, engine: "ollama" }, trtllm: { ...reasoner, engine: "trtllm", extraArgs: [] }, tei: embed,
    };
    for (const [engine, mark] of Object.entries(marks)) {
      assert.ok(mark(renderEngine(context(recipes[engine as RecipeType["engine"]]))), engine);
    }
  });
  it("is deterministic", () => {
    assert.deepEqual(renderEngine(context(reasoner)), renderEngine(context(reasoner)));
    assert.deepEqual(renderLlamaSwap(swapSlot), renderLlamaSwap(swapSlot));
  });
});
