import type { EngineId } from "../../fleet/recipe";
import { renderLlamaCpp } from "./llamacpp";
import { renderOllama } from "./ollama";
import { renderSglang } from "./sglang";
import { renderTei } from "./tei";
import { renderTrtllm } from "./trtllm";
import type { EngineRender, EngineRenderContext } from "./types";
import { renderVllm } from "./vllm";

export { HF_HOME_PATH, MODEL_CACHE_PATH } from "../../catalog/engines";
export { LLAMA_SWAP_CONFIG_PATH, llamaSwapConfig, renderLlamaSwap } from "./llama-swap";
export type { SwapMember, SwapRenderContext } from "./llama-swap";
export type { EngineRender, EngineRenderContext } from "./types";

const renderers: Readonly<Record<EngineId, (ctx: EngineRenderContext) => EngineRender>> = {
  vllm: renderVllm,
  sglang: renderSglang,
  llamacpp: renderLlamaCpp,
  ollama: renderOllama,
  trtllm: renderTrtllm,
  tei: renderTei,
};

/**
 * The container command, environment, files and probes of one engine deployment, chosen by the
 * recipe's engine. Pure: the same context gives the same render. Throws an Error naming the recipe
 * field when the recipe asks for something the engine cannot express (e.g. an fp8 KV cache on llama.cpp).
 */
export function renderEngine(ctx: EngineRenderContext): EngineRender {
  return renderers[ctx.recipe.engine](ctx);
}

// Re-exported so callers import every renderer from one place.
export { renderLlamaCpp, renderOllama, renderSglang, renderTei, renderTrtllm, renderVllm };
