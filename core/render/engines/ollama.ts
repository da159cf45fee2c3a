import { shellCommand } from "../shell";
import { MODEL_CACHE_PATH } from "../../catalog/engines";
import { ggufQuantTag } from "../../catalog/quantization-support";
import type { KvCacheDtype } from "../../fleet/recipe";
import type { EngineRender, EngineRenderContext } from "./types";

/** Ollama's model store inside the model cache volume. */
export const OLLAMA_MODELS_PATH = `${MODEL_CACHE_PATH}/ollama`;
/** The Modelfile that turns the recipe's GGUF into a model named after the deployment. */
export const OLLAMA_MODELFILE_PATH = "/etc/ollama/Modelfile";

/** `OLLAMA_KV_CACHE_TYPE` takes f16, q8_0 or q4_0 (envconfig/config.go). */
function kvCacheType(kv: KvCacheDtype, recipeName: string): string | undefined {
  switch (kv) {
    case "auto": return undefined;
    case "fp16": return "f16";
    case "q8_0": return "q8_0";
    case "q4_0": return "q4_0";
    default: throw new Error(`recipes.${recipeName}.kvCacheDtype '${kv}' is not an Ollama cache type: use auto, fp16, q8_0 or q4_0`);
  }
}

/**
 * `FROM` of the Modelfile: the synced .gguf, or `hf.co/<repo>:<QUANT>` which Ollama pulls from the
 * hub when `ollama create` finds it missing (server/model.go parseFromModel). The hub form cannot pin
 * a revision, so a pinned recipe must sync from the store.
 */
function modelSource(ctx: EngineRenderContext): string {
  const { model, quantization } = ctx.recipe;
  if (ctx.modelPath) {
    if (!model.file) throw new Error(`recipes.${ctx.recipeName}.model.file is required for a GGUF model synced from the store: name the .gguf file`);
    return `${ctx.modelPath}/${model.file}`;
  }
  if (model.revision) {
    throw new Error(`recipes.${ctx.recipeName}.model.revision cannot be pinned with Ollama's hf.co pull: set model.source to 'store' or drop the revision`);
  }
  const tag = ggufQuantTag(quantization);
  return `hf.co/${model.id}${tag ? `:${tag}` : ""}`;
}

/**
 * A Modelfile value is one unquoted word up to the end of its line: whitespace, quotes or a line
 * break would let a value carry directives of its own (SYSTEM, ADAPTER). The schema already refuses
 * them; this keeps the renderer safe on its own.
 */
function modelfileWord(value: string, field: string): string {
  if (!/^[A-Za-z0-9._:/@+-]+$/.test(value)) throw new Error(`${field}: '${JSON.stringify(value)}' cannot be written into a Modelfile: use a plain repository id and file name`);
  return value;
}

/**
 * Ollama loads models on request, so the container creates the deployment's model itself: start
 * `ollama serve`, wait for it, `ollama create <servedName>` from the Modelfile, then wait on the
 * server. The trap hands `docker stop`'s SIGTERM to the server.
 */
function startScript(servedName: string): string {
  return [
    "ollama serve & server=$!",
    "trap 'kill -TERM $server' TERM INT",
    "until ollama list >/dev/null 2>&1; do kill -0 $server || exit 1; sleep 1; done",
    `${shellCommand(["ollama", "create", servedName, "-f", OLLAMA_MODELFILE_PATH])} || { kill -TERM $server; exit 1; }`,
    "wait $server",
  ].join("\n");
}

/**
 * Ollama serving one model under the deployment's served name. Settings are environment variables
 * (envconfig/config.go): KV quantisation only takes effect with flash attention on, and keep-alive -1
 * keeps the model loaded. Health is `GET /v1/models/<name>` (routes.go), which is 404 until the model
 * exists, so a rollout waits for the pull; `/api/version` only says the server runs. The official
 * image (v0.32.15: ubuntu 24.04 + ca-certificates, libvulkan1, libopenblas0) has no curl, wget or
 * python3, so the container probes with the `ollama` binary itself: `ollama show <name>` asks the
 * server at OLLAMA_HOST and exits non-zero until the model exists. No Prometheus endpoint exists,
 * so metrics are null.
 */
export function renderOllama(ctx: EngineRenderContext): EngineRender {
  const r = ctx.recipe;
  if (r.extraArgs.length > 0) {
    throw new Error(`recipes.${ctx.recipeName}.extraArgs: Ollama takes no engine arguments; set OLLAMA_* variables in recipes.${ctx.recipeName}.env`);
  }
  const kv = kvCacheType(r.kvCacheDtype, ctx.recipeName);
  const quantisedKv = kv === "q8_0" || kv === "q4_0";
  const modelfile = `FROM ${modelfileWord(modelSource(ctx), `recipes.${ctx.recipeName}.model`)}\nPARAMETER num_ctx ${r.maxModelLen}\n`;
  return {
    entrypoint: ["/bin/sh", "-c", startScript(ctx.servedName)],
    args: [],
    env: {
      OLLAMA_HOST: `${ctx.listenHost}:${ctx.port}`,
      OLLAMA_MODELS: OLLAMA_MODELS_PATH,
      OLLAMA_CONTEXT_LENGTH: String(r.maxModelLen),
      OLLAMA_NUM_PARALLEL: String(r.maxNumSeqs ?? 1),
      OLLAMA_MAX_LOADED_MODELS: "1",
      OLLAMA_KEEP_ALIVE: "-1",
      ...(kv ? { OLLAMA_KV_CACHE_TYPE: kv } : {}),
      ...(quantisedKv ? { OLLAMA_FLASH_ATTENTION: "1" } : {}),
      ...r.env,
    },
    healthPath: `/v1/models/${ctx.servedName}`,
    healthCommand: ["ollama", "show", ctx.servedName],
    metricsPath: null,
    files: [{ containerPath: OLLAMA_MODELFILE_PATH, content: modelfile }],
    ipcHost: false,
    shmSizeMiB: null,
  };
}
