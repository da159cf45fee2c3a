import { ENGINE_ENV_NAMES as envNames } from "../catalog/engine-env-names";
import { didYouMean } from "../catalog/did-you-mean";
import { engineProfile } from "../catalog/engines";
import type { Violation } from "../plan/types";
import { type Check, warning } from "./check";

interface EngineEnvNames { readonly version: string; readonly prefix: string; readonly source: string; readonly names: readonly string[] }

/**
 * The environment variables each engine reads at its pinned version, taken from the engine's own
 * code (test/conformance checks the list against it): vLLM's envs module, SGLang's Envs, Ollama's
 * envconfig. Only names with the engine's own prefix are judged; anything else may be for CUDA,
 * NCCL or a library.
 */
export const engineEnvNames: Readonly<Record<"vllm" | "sglang" | "ollama", EngineEnvNames>> = envNames;

/** A recipe env var with the engine's prefix that the pinned engine does not read is a silent no-op. */
export const engineEnvKnown: Check = {
  name: "engine-env-known",
  description: "Recipe env vars named like the engine's own (VLLM_*, SGLANG_*, OLLAMA_*) exist in the pinned engine.",
  run({ fleet }) {
    const out: Violation[] = [];
    for (const [name, recipe] of Object.entries(fleet.recipes)) {
      const known = (engineEnvNames as Record<string, EngineEnvNames | undefined>)[recipe.engine];
      if (!known) continue;
      // The lists describe the pinned version; a recipe on another version is not judged by them.
      if (recipe.engineVersion !== undefined && recipe.engineVersion.replace(/^v/, "") !== engineProfile(recipe.engine).defaultVersion.replace(/^v/, "")) continue;
      for (const key of Object.keys(recipe.env)) {
        if (!key.startsWith(known.prefix) || known.names.includes(key)) continue;
        const close = didYouMean(key, known.names);
        out.push(warning("engine-env-known", `recipes.${name}.env.${key}`,
          `${key} is not an environment variable of ${recipe.engine} ${known.version} (${known.source}); the engine ignores it`
          + `${close ? `: did you mean ${close}?` : ""} — if it is meant as a setting, find the engine's flag for it and put it in recipes.${name}.extraArgs`));
      }
    }
    return out;
  },
};
