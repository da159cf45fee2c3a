import YAML from "yaml";
import { HF_HOME_PATH } from "../../catalog/engines";
import type { Recipe } from "../../fleet/recipe";
import type { EngineRender, EngineRenderContext } from "./types";

/** Where the LLM API options file is mounted. */
export const TRTLLM_OPTIONS_PATH = "/etc/trtllm/extra-llm-api-options.yaml";
/** trtllm-serve's default `--kv_cache_free_gpu_memory_fraction`. */
export const TRTLLM_DEFAULT_FREE_GPU_MEMORY_FRACTION = 0.9;

type SpeculativeMethod = NonNullable<Recipe["speculative"]>["method"];

/** `speculative_config.decoding_type` values: MTP, Eagle3, NGram, DraftTarget, PARD, DFlash, SA. */
const DECODING_TYPES: Readonly<Record<SpeculativeMethod, string | undefined>> = {
  eagle: "Eagle3", eagle3: "Eagle3", dflash: "DFlash", draft_model: "DraftTarget", ngram: "NGram", mtp: "MTP", suffix: undefined,
};

function speculativeConfig(recipe: Recipe, recipeName: string): Record<string, unknown> | undefined {
  const spec = recipe.speculative;
  if (!spec) return undefined;
  const decodingType = DECODING_TYPES[spec.method];
  if (!decodingType) throw new Error(`recipes.${recipeName}.speculative.method '${spec.method}' has no TensorRT-LLM decoding type: use eagle3, dflash, draft_model, ngram or mtp`);
  if (decodingType === "MTP") return { decoding_type: "MTP", num_nextn_predict_layers: spec.numSpeculativeTokens };
  if (decodingType !== "NGram" && !spec.model) throw new Error(`recipes.${recipeName}.speculative.model is required for method '${spec.method}': name the draft model repository`);
  return { decoding_type: decodingType, max_draft_len: spec.numSpeculativeTokens, ...(spec.model ? { speculative_model: spec.model } : {}) };
}

/**
 * What trtllm-serve has no flag for goes into the options YAML (`--extra_llm_api_options`, which
 * overrides the flags): the KV cache dtype, block reuse (prefix caching), speculative decoding, and
 * `return_perf_metrics`, which the Prometheus endpoint needs. Always written.
 */
function llmApiOptions(recipe: Recipe, recipeName: string): Record<string, unknown> {
  const kv = recipe.kvCacheDtype;
  if (kv !== "auto" && kv !== "fp8") {
    throw new Error(`recipes.${recipeName}.kvCacheDtype '${kv}' is not a TensorRT-LLM KV cache type: use auto or fp8`);
  }
  const kvCache = {
    ...(kv === "fp8" ? { dtype: "fp8" } : {}),
    ...(recipe.enablePrefixCaching === undefined ? {} : { enable_block_reuse: recipe.enablePrefixCaching }),
  };
  const speculative = speculativeConfig(recipe, recipeName);
  const options = {
    // Mounts `/prometheus/metrics`; without it that path is 404 and Prometheus scrapes nothing.
    return_perf_metrics: true,
    ...(Object.keys(kvCache).length > 0 ? { kv_cache_config: kvCache } : {}),
    ...(speculative ? { speculative_config: speculative } : {}),
  };
  return options;
}

/**
 * `trtllm-serve serve` (tensorrt_llm/commands/serve.py) on the PyTorch backend. NGC images start
 * through NVIDIA's entrypoint script, so the command leads the arguments. The fraction flag is of the
 * memory left after weights, not of the whole GPU as in vLLM. trtllm-serve serves the model under the
 * model argument (the hub id or synced path), not the deployment's served name. Health `/health`;
 * `/metrics` is JSON iteration stats, Prometheus text is `/prometheus/metrics` (only with
 * `return_perf_metrics: true` in the options file).
 */
export function renderTrtllm(ctx: EngineRenderContext): EngineRender {
  const r = ctx.recipe;
  if (!ctx.modelPath && r.model.revision) {
    // Not every trtllm-serve spells the revision option alike (--revision in some builds, none in
    // others), so a pinned hub revision is never rendered as a flag that may not parse.
    throw new Error(`recipes.${ctx.recipeName}.model.revision cannot be passed to trtllm-serve reliably: set model.source to 'store' (the store holds that revision) or drop the revision`);
  }
  const options = llmApiOptions(r, ctx.recipeName);
  const args = [
    "trtllm-serve", "serve", ctx.modelPath ?? r.model.id,
    "--host", ctx.listenHost,
    "--port", String(ctx.port),
    "--backend", "pytorch",
    "--tp_size", String(r.tensorParallel),
    "--max_seq_len", String(r.maxModelLen),
    ...(r.maxNumSeqs === undefined ? [] : ["--max_batch_size", String(r.maxNumSeqs)]),
    ...(r.maxNumBatchedTokens === undefined ? [] : ["--max_num_tokens", String(r.maxNumBatchedTokens)]),
    "--kv_cache_free_gpu_memory_fraction", String(r.gpuMemoryUtilization ?? TRTLLM_DEFAULT_FREE_GPU_MEMORY_FRACTION),
    ...(r.trustRemoteCode ? ["--trust_remote_code"] : []),
    "--extra_llm_api_options", TRTLLM_OPTIONS_PATH,
    ...r.extraArgs,
  ];
  return {
    entrypoint: null,
    args,
    env: { HF_HOME: HF_HOME_PATH, ...r.env },
    healthPath: "/health",
    metricsPath: "/prometheus/metrics",
    files: [{ containerPath: TRTLLM_OPTIONS_PATH, content: YAML.stringify(options, { lineWidth: 0 }) }],
    ipcHost: true,
    shmSizeMiB: null,
  };
}
