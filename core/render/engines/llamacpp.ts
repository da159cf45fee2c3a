import { HF_HOME_PATH, MODEL_CACHE_PATH } from "../../catalog/engines";
import { ggufQuantTag } from "../../catalog/quantization-support";
import type { HardwareProfile } from "../../catalog/types";
import type { KvCacheDtype, Recipe } from "../../fleet/recipe";
import type { EngineRender, EngineRenderContext } from "./types";

/** Where `-hf` downloads land (llama.cpp reads LLAMA_CACHE), inside the model cache volume. */
export const LLAMA_CACHE_PATH = `${MODEL_CACHE_PATH}/llama.cpp`;

/** Everything `llama-server` needs, whether it runs alone or under llama-swap. */
export interface LlamaServerOptions {
  readonly recipe: Recipe;
  readonly recipeName: string;
  /** Name the server answers to in `/v1/models` (`--alias`). */
  readonly alias: string;
  readonly host: string;
  /** A number, or llama-swap's `${PORT}` macro. */
  readonly port: string;
  readonly hardware: HardwareProfile;
  /** Local directory of the weights when synced from the store; null = fetch from the hub. */
  readonly modelPath: string | null;
}

/**
 * `-ctk/-ctv`: llama.cpp caches K and V in f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0 or q5_1
 * (tools/server/README.md). It has no fp8 type.
 */
function kvCacheType(kv: KvCacheDtype, recipeName: string): string | undefined {
  switch (kv) {
    case "auto": return undefined;
    case "fp16": return "f16";
    case "bf16": return "bf16";
    case "q8_0": return "q8_0";
    case "q4_0": return "q4_0";
    case "fp8": throw new Error(`recipes.${recipeName}.kvCacheDtype 'fp8' is not a llama.cpp cache type: use q8_0 (about the same size) or q4_0`);
  }
}

/**
 * Where the GGUF comes from: the synced file (`-m`), an exact revision (`-mu` on the hub's
 * `/resolve/<revision>/<file>` URL, since `-hf` cannot pin one), a named file (`--hf-repo` +
 * `--hf-file`), or `-hf repo:QUANT` (llama.cpp picks the file of that quant).
 */
function modelArgs(o: LlamaServerOptions): string[] {
  const { model, quantization } = o.recipe;
  if (o.modelPath) {
    if (!model.file) throw new Error(`recipes.${o.recipeName}.model.file is required for a GGUF model synced from the store: name the .gguf file`);
    return ["-m", `${o.modelPath}/${model.file}`];
  }
  if (model.revision) {
    if (!model.file) throw new Error(`recipes.${o.recipeName}.model.file is required to pin revision '${model.revision}' with llama.cpp: name the .gguf file`);
    return ["-mu", `https://huggingface.co/${model.id}/resolve/${model.revision}/${model.file}`];
  }
  if (model.file) return ["--hf-repo", model.id, "--hf-file", model.file];
  // A non-GGUF quantisation is reported by the quantization-supported check; llama.cpp then defaults to Q4_K_M.
  const tag = ggufQuantTag(quantization);
  return ["-hf", tag ? `${model.id}:${tag}` : model.id];
}

/**
 * llama.cpp drafts with a second GGUF model only. Current builds removed `--draft-max` (it now
 * throws, common/arg.cpp) in favour of `--spec-draft-n-max`, and speculation is off unless
 * `--spec-type` names a method (default `none`): `draft-simple` (COMMON_SPECULATIVE_TYPE_DRAFT_SIMPLE)
 * is the separate-draft-model method.
 * `--hf-repo-draft` stays an alias of `--spec-draft-hf`.
 */
function draftArgs(o: LlamaServerOptions): string[] {
  const spec = o.recipe.speculative;
  if (!spec) return [];
  if (spec.method !== "draft_model" || !spec.model) {
    throw new Error(`recipes.${o.recipeName}.speculative: llama.cpp supports only method 'draft_model' with a GGUF draft model repository`);
  }
  return ["--spec-type", "draft-simple", "--spec-draft-hf", spec.model, "--spec-draft-n-max", String(spec.numSpeculativeTokens)];
}

/**
 * The `llama-server` arguments of a recipe. `-c` is the total context shared by the `-np` slots, so
 * it is maxModelLen × slots: every sequence gets the full context the recipe promises. `-ngl` is
 * pinned (999 = every layer; 0 on CPU) because the newest default is `auto`. Quantised V cache needs
 * flash attention, so `-fa on` goes with q8_0/q4_0. `--metrics` turns on `/metrics`.
 */
export function llamaServerArgs(o: LlamaServerOptions): string[] {
  const r = o.recipe;
  const slots = r.maxNumSeqs ?? 1;
  const kv = kvCacheType(r.kvCacheDtype, o.recipeName);
  return [
    ...modelArgs(o),
    "--alias", o.alias,
    "--host", o.host,
    "--port", o.port,
    "-c", String(r.maxModelLen * slots),
    "-np", String(slots),
    "-ngl", o.hardware.computeCapability === null ? "0" : "999",
    ...(kv ? ["-ctk", kv, "-ctv", kv] : []),
    ...(kv === "q8_0" || kv === "q4_0" ? ["-fa", "on"] : []),
    ...draftArgs(o),
    "--metrics",
    "--jinja",
    ...r.extraArgs,
  ];
}

/** Download caches of llama.cpp (`-hf` uses the hub cache in new builds, LLAMA_CACHE in older ones). */
export const LLAMA_CPP_CACHE_ENV: Readonly<Record<string, string>> = { HF_HOME: HF_HOME_PATH, LLAMA_CACHE: LLAMA_CACHE_PATH };

/** `llama-server` (the image's entrypoint) for one deployment; health `/health` is 503 while loading. */
export function renderLlamaCpp(ctx: EngineRenderContext): EngineRender {
  const args = llamaServerArgs({
    recipe: ctx.recipe,
    recipeName: ctx.recipeName,
    alias: ctx.servedName,
    host: ctx.listenHost,
    port: String(ctx.port),
    hardware: ctx.hardware,
    modelPath: ctx.modelPath,
  });
  return {
    entrypoint: null,
    args,
    env: { ...LLAMA_CPP_CACHE_ENV, ...ctx.recipe.env },
    healthPath: "/health",
    metricsPath: "/metrics",
    files: [],
    ipcHost: false,
    shmSizeMiB: null,
  };
}
