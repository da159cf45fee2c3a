import { HF_HOME_PATH } from "../../catalog/engines";
import type { KvCacheDtype, Recipe } from "../../fleet/recipe";
import type { EngineRender, EngineRenderContext } from "./types";

/** `--kv-cache-dtype` choices in sglang/srt/server_args.py: auto, fp8_e5m2, fp8_e4m3, bf16, bfloat16, fp4 variants. */
function kvCacheDtype(kv: KvCacheDtype, recipeName: string): string | undefined {
  if (kv === "auto") return undefined;
  if (kv === "fp8") return "fp8_e4m3";
  if (kv === "bf16") return "bf16";
  throw new Error(`recipes.${recipeName}.kvCacheDtype '${kv}' is not an SGLang KV cache type: use auto (the model's dtype), bf16 or fp8`);
}

type SpeculativeMethod = NonNullable<Recipe["speculative"]>["method"];

/** SGLang's name for each method; suffix decoding has none. */
const ALGORITHMS: Readonly<Record<SpeculativeMethod, string | undefined>> = {
  eagle: "EAGLE", eagle3: "EAGLE3", mtp: "NEXTN", draft_model: "STANDALONE", ngram: "NGRAM", dflash: "DFLASH", suffix: undefined,
};

/**
 * SGLang's speculative flags. Its algorithms are EAGLE, EAGLE3, NEXTN (MTP), STANDALONE (draft
 * model), NGRAM and DFLASH; `--speculative-num-draft-tokens` counts the verified root too, so
 * vLLM's `num_speculative_tokens: 15` for DFlash is SGLang's 16 (z-lab's DFlash instructions).
 */
function speculativeArgs(recipe: Recipe, recipeName: string): string[] {
  const spec = recipe.speculative;
  if (!spec) return [];
  const k = spec.numSpeculativeTokens;
  const algorithm = ALGORITHMS[spec.method];
  if (!algorithm) throw new Error(`recipes.${recipeName}.speculative.method '${spec.method}' has no SGLang algorithm: use eagle, eagle3, mtp, draft_model, ngram or dflash, or run the recipe on vllm`);
  const needsDraft = algorithm === "EAGLE" || algorithm === "EAGLE3" || algorithm === "STANDALONE" || algorithm === "DFLASH";
  if (needsDraft && !spec.model) throw new Error(`recipes.${recipeName}.speculative.model is required for method '${spec.method}': name the draft model repository`);
  const draft = needsDraft && spec.model ? ["--speculative-draft-model-path", spec.model] : [];
  // Chain drafting (top-k 1) proposes k tokens in k steps; NGRAM and DFLASH only take the token count.
  const steps = algorithm === "NGRAM" || algorithm === "DFLASH" ? [] : ["--speculative-num-steps", String(k), "--speculative-eagle-topk", "1"];
  return ["--speculative-algorithm", algorithm, ...draft, ...steps, "--speculative-num-draft-tokens", String(k + 1)];
}

/**
 * `python3 -m sglang.launch_server` for one deployment. Like vLLM, SGLang detects a quantised
 * checkpoint's method from its config and rejects a mismatching `--quantization`, so only bf16/fp16
 * pin `--dtype`. `maxNumBatchedTokens` maps to `--chunked-prefill-size`, SGLang's per-step prefill cap.
 * `--enable-metrics` serves Prometheus text on `/metrics` of the same port.
 */
export function renderSglang(ctx: EngineRenderContext): EngineRender {
  const r = ctx.recipe;
  const kv = kvCacheDtype(r.kvCacheDtype, ctx.recipeName);
  const dtype = r.quantization === "bf16" ? "bfloat16" : r.quantization === "fp16" ? "float16" : undefined;
  const args = [
    "--model-path", ctx.modelPath ?? r.model.id,
    ...(ctx.modelPath || !r.model.revision ? [] : ["--revision", r.model.revision]),
    "--served-model-name", ctx.servedName,
    "--host", ctx.listenHost,
    "--port", String(ctx.port),
    "--context-length", String(r.maxModelLen),
    // Unset, SGLang computes the fraction per GPU (server_args.py _handle_gpu_memory_settings); the
    // memory fit ports that formula. A recipe value is passed as given.
    ...(r.gpuMemoryUtilization === undefined ? [] : ["--mem-fraction-static", String(r.gpuMemoryUtilization)]),
    "--tp-size", String(r.tensorParallel),
    ...(r.maxNumSeqs === undefined ? [] : ["--max-running-requests", String(r.maxNumSeqs)]),
    ...(r.maxNumBatchedTokens === undefined ? [] : ["--chunked-prefill-size", String(r.maxNumBatchedTokens)]),
    ...(dtype ? ["--dtype", dtype] : []),
    ...(kv ? ["--kv-cache-dtype", kv] : []),
    ...speculativeArgs(r, ctx.recipeName),
    ...(r.trustRemoteCode ? ["--trust-remote-code"] : []),
    // The radix (prefix) cache is on by default; only switching it off needs a flag.
    ...(r.enablePrefixCaching === false ? ["--disable-radix-cache"] : []),
    "--enable-metrics",
    ...r.extraArgs,
  ];
  return {
    entrypoint: ["python3", "-m", "sglang.launch_server"],
    args,
    env: { HF_HOME: HF_HOME_PATH, ...r.env },
    healthPath: "/health",
    metricsPath: "/metrics",
    files: [],
    ipcHost: true,
    shmSizeMiB: null,
  };
}
