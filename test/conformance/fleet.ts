/**
 * The conformance fleet: every engine option the renderers know (each quantisation, KV dtype,
 * tensor parallel, every speculative method, extraArgs, env), one deployment per recipe, each on
 * its own 2-GPU H100 machine so no fit or sharing rule hides a render. Plain data for plan().
 */
const base = { model: { id: "Qwen/Qwen3-8B", config: "qwen3-8b", weightsGiB: 1 }, maxModelLen: 4096 };
const gguf = { model: { id: "Qwen/Qwen3-8B-GGUF", config: "qwen3-8b", file: "Qwen3-8B-Q4_K_M.gguf", weightsGiB: 1 }, maxModelLen: 4096 };
const draft = "Qwen/Qwen3-0.6B";

const quantisations = ["bf16", "fp16", "fp8", "int8", "awq", "gptq", "nvfp4", "mxfp4"] as const;
const pagedKv = ["auto", "bf16", "fp16", "fp8"] as const;
const methods = ["ngram", "eagle", "eagle3", "mtp", "draft_model", "dflash"] as const;

function paged(engine: "vllm" | "sglang"): Record<string, unknown> {
  const kv = engine === "sglang" ? pagedKv.filter((k) => k !== "fp16") : pagedKv;
  const specMethods = [...methods, ...(engine === "vllm" ? ["suffix"] : [])];
  return {
    ...Object.fromEntries(quantisations.map((q) => [`${engine}-q-${q}`, { engine, ...base, quantization: q }])),
    ...Object.fromEntries(kv.map((k) => [`${engine}-kv-${k}`, { engine, ...base, kvCacheDtype: k }])),
    ...Object.fromEntries(specMethods.map((m) => [`${engine}-spec-${m.replace("_", "-")}`, {
      engine, ...base, speculative: { method: m, numSpeculativeTokens: 4, ...(m === "ngram" || m === "mtp" || m === "suffix" ? {} : { model: draft }) },
      // suffix needs arctic-inference, so the stock image is refused; an image that has it is the recipe's.
      ...(m === "suffix" ? { image: "registry.example/vllm-arctic:v0.26.0" } : {}),
    }])),
    [`${engine}-full`]: {
      engine, ...base, model: { ...base.model, revision: "0123abc" }, tensorParallel: 2, gpuMemoryUtilization: 0.8, maxNumSeqs: 8,
      maxNumBatchedTokens: 4096, trustRemoteCode: true, enablePrefixCaching: false,
      extraArgs: engine === "vllm" ? ["--linear-backend", "flashinfer-cutlass", "--enforce-eager"] : ["--disable-cuda-graph"],
      env: engine === "vllm" ? { VLLM_LOGGING_LEVEL: "DEBUG" } : { SGLANG_ENABLE_TORCH_COMPILE: "0" },
    },
    [`${engine}-prefix-on`]: { engine, ...base, enablePrefixCaching: true, model: { ...base.model, source: "store" } },
    [`${engine}-gguf`]: { engine, ...gguf, quantization: "gguf-q4_k_m" },
  };
}

const ollama = {
  "ollama-store": { engine: "ollama", ...gguf, model: { ...gguf.model, source: "store" }, quantization: "gguf-q4_k_m", maxNumSeqs: 4, kvCacheDtype: "q8_0" },
  "ollama-hub": { engine: "ollama", ...gguf, quantization: "gguf-q8_0", kvCacheDtype: "q4_0", env: { OLLAMA_DEBUG: "1" } },
  "ollama-f16kv": { engine: "ollama", ...gguf, quantization: "gguf-q4_k_m", kvCacheDtype: "fp16" },
};

/** The fleet as the YAML file would hold it. */
export function conformanceFleet(): Record<string, unknown> {
  const recipes = { ...paged("vllm"), ...paged("sglang"), ...ollama };
  const names = Object.keys(recipes);
  return {
    machines: names.map((n) => ({ name: `m-${n}`, hardware: n.startsWith("ollama") ? "cpu" : "h100-80gb", gpus: 2, address: `${n}.example.ts.net`, bindAddress: "127.0.0.1" })),
    recipes,
    deployments: names.map((n) => ({ name: n, recipe: n, machine: `m-${n}`, port: 8000, ...(n.endsWith("-full") ? { gpuIndices: [0, 1] } : {}) })),
    storage: { machine: `m-${names[0]}`, rootUser: { secret: "minioRootUser" }, rootPassword: { secret: "minioRootPassword" } },
  };
}
