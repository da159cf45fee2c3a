import { HF_HOME_PATH } from "../../catalog/engines";
import { vllmDefaultGpuMemoryUtilization } from "../../fit/vllm-behaviour";
import { isNvidiaNgcImage } from "../../catalog/images";
import { ggufQuantTag, isGguf } from "../../catalog/quantization-support";
import type { KvCacheDtype, Recipe } from "../../fleet/recipe";
import { canonicalJson } from "../recipe-hash";
import type { EngineRender, EngineRenderContext } from "./types";



/** Speculative methods that read a separate draft model. */
const DRAFT_MODEL_METHODS: ReadonlySet<string> = new Set(["eagle", "eagle3", "draft_model", "dflash"]);

/**
 * `--kv-cache-dtype`: vLLM 0.26 accepts auto, float16, bfloat16, fp8 (e4m3), fp8_e4m3, fp8_e5m2,
 * fp8_inc, fp8_ds_mla and turboquant/int variants (vllm/config/cache.py CacheDType); q8_0/q4_0 are
 * llama.cpp types.
 */
function kvCacheDtype(kv: KvCacheDtype, recipeName: string): string | undefined {
  if (kv === "auto") return undefined;
  if (kv === "fp8") return "fp8";
  if (kv === "bf16") return "bfloat16";
  if (kv === "fp16") return "float16";
  throw new Error(`recipes.${recipeName}.kvCacheDtype '${kv}' is not a vLLM KV cache type: use auto (the model's dtype), bf16, fp16 or fp8`);
}

/**
 * `--speculative-config` as compact JSON with sorted keys (method, model, num_speculative_tokens),
 * so the same recipe always renders the same argv.
 */
export function vllmSpeculativeConfig(recipe: Recipe, recipeName: string): string | undefined {
  const spec = recipe.speculative;
  if (!spec) return undefined;
  if (spec.method === "suffix" && recipe.image === undefined) {
    // vllm/config/speculative.py raises unless arctic_inference imports; the wheel (and so the
    // vllm/vllm-openai image) does not depend on it.
    throw new Error(`recipes.${recipeName}.speculative.method 'suffix' needs arctic-inference, which the vllm/vllm-openai image does not ship: set recipes.${recipeName}.image to an image with arctic-inference installed, or use ngram`);
  }
  if (DRAFT_MODEL_METHODS.has(spec.method) && !spec.model) {
    throw new Error(`recipes.${recipeName}.speculative.model is required for method '${spec.method}': name the draft model repository`);
  }
  return canonicalJson({ method: spec.method, model: spec.model, num_speculative_tokens: spec.numSpeculativeTokens });
}

/**
 * Weight format flags. vLLM reads the method of a quantised checkpoint from its
 * `quantization_config` / `hf_quant_config.json` and picks the kernels itself: awq → awq_marlin and
 * gptq → gptq_marlin on CC ≥ 8.0, NVFP4 → modelopt_fp4 (there is no `nvfp4` value) or
 * compressed-tensors, mxfp4 → mxfp4, int8 W8A8 → compressed-tensors, fp8 → fp8 or
 * compressed-tensors. Passing `--quantization` explicitly fails with "Quantization method specified
 * in the model config (compressed-tensors) does not match ... (awq)" for llm-compressor exports, so
 * the renderer leaves it to detection. Quantising a BF16 checkpoint on the fly is a choice the
 * recipe makes with `extraArgs: [--quantization, fp8]`. bf16/fp16 pin `--dtype`.
 */
function weightFormatArgs(recipe: Recipe): string[] {
  if (recipe.quantization === "bf16") return ["--dtype", "bfloat16"];
  if (recipe.quantization === "fp16") return ["--dtype", "float16"];
  return [];
}

/**
 * The model argument: the synced path, or the hub id. GGUF needs vllm-gguf-plugin (out of tree since
 * 0.24), which takes a `.gguf` path or `repo:QUANT`.
 */
function modelArgument(ctx: EngineRenderContext): string {
  const { model, quantization } = ctx.recipe;
  if (!isGguf(quantization)) return ctx.modelPath ?? model.id;
  if (!ctx.modelPath) return `${model.id}:${ggufQuantTag(quantization)}`;
  if (!model.file) throw new Error(`recipes.${ctx.recipeName}.model.file is required for a GGUF model synced from the store: name the .gguf file`);
  return `${ctx.modelPath}/${model.file}`;
}

/** Flag and value, or nothing when the value is unset. */
function optional(flag: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [flag, String(value)];
}

/**
 * `vllm serve` for one deployment. The vllm/vllm-openai entrypoint is already `vllm serve`; NGC's
 * `nvcr.io/nvidia/vllm` images start through NVIDIA's entrypoint script, so the command goes first
 * in the arguments there. Health `/health` answers 200 once the engine is ready.
 */
export function renderVllm(ctx: EngineRenderContext): EngineRender {
  const r = ctx.recipe;
  const args = [
    ...(isNvidiaNgcImage(r.image) ? ["vllm", "serve"] : []),
    modelArgument(ctx),
    "--served-model-name", ctx.servedName,
    "--host", ctx.listenHost,
    "--port", String(ctx.port),
    ...(ctx.modelPath ? [] : optional("--revision", r.model.revision)),
    "--max-model-len", String(r.maxModelLen),
    "--gpu-memory-utilization", String(r.gpuMemoryUtilization ?? vllmDefaultGpuMemoryUtilization(r.engineVersion)),
    "--tensor-parallel-size", String(r.tensorParallel),
    ...optional("--max-num-seqs", r.maxNumSeqs),
    ...optional("--max-num-batched-tokens", r.maxNumBatchedTokens),
    ...weightFormatArgs(r),
    ...optional("--kv-cache-dtype", kvCacheDtype(r.kvCacheDtype, ctx.recipeName)),
    ...optional("--speculative-config", vllmSpeculativeConfig(r, ctx.recipeName)),
    ...(r.trustRemoteCode ? ["--trust-remote-code"] : []),
    // V1 caches prefixes by default; the recipe only speaks when it wants to force it.
    ...(r.enablePrefixCaching === undefined ? [] : [r.enablePrefixCaching ? "--enable-prefix-caching" : "--no-enable-prefix-caching"]),
    ...r.extraArgs,
  ];
  return {
    entrypoint: null,
    args,
    env: { HF_HOME: HF_HOME_PATH, ...r.env },
    healthPath: "/health",
    metricsPath: "/metrics",
    files: [],
    // PyTorch shares tensors between workers through /dev/shm (vLLM's Docker guide).
    ipcHost: true,
    shmSizeMiB: null,
  };
}
