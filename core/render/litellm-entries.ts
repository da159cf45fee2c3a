import type { LiteLLMGroup, LiteLLMProvider, LiteLLMRoute } from "./litellm";

/** One `model_list` entry: a deployment LiteLLM may send a request for `model_name` to. */
export interface LiteLLMModelEntry {
  model_name: string;
  litellm_params: { model: string; api_base?: string; api_key: string };
  model_info: {
    id: string;
    mode: "chat" | "embedding";
    /** Set for cloud providers only: an engine's window follows its recipe, and the gateway must not restart when a recipe changes. */
    max_input_tokens?: number;
    health_check_timeout?: number;
    disable_background_health_check?: true;
    /** Set on burst host slots: the pool. The slot's host may not exist; the policy pack does not look for an engine behind it. */
    burst_pool?: string;
  };
}

/** The LiteLLM proxy config file, section by section. */
export interface LiteLLMConfigFile {
  model_list: LiteLLMModelEntry[];
  router_settings: Record<string, unknown>;
  litellm_settings: Record<string, unknown>;
  general_settings: Record<string, unknown>;
}

/** A model name with its context window and entries, as routes see it. */
export interface Target { readonly window: number; readonly entries: readonly LiteLLMModelEntry[] }

const envVarName = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Timeout of the gateway's health probe (a 1-token completion). A backend that cannot answer one
 * token in this long is left out of routing until a probe passes: it is stalled, or so saturated
 * that a fallback serves better.
 */
export const HEALTH_PROBE_TIMEOUT_SECONDS = 5;

/** `os.environ/<VAR>`: how LiteLLM reads a secret; the name is checked, the value never seen. */
export function envRef(envVar: string, field: string): string {
  if (!envVarName.test(envVar)) {
    throw new Error(`${field}: '${envVar}' is not an environment variable name (upper case letters, digits, '_'); the gateway config names secrets, never holds them`);
  }
  return `os.environ/${envVar}`;
}

/** Comparator by a string key, for output that does not depend on input order. */
export const byName = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** One entry per backend of a served name, sorted by deployment. */
export function groupEntries(group: LiteLLMGroup): LiteLLMModelEntry[] {
  if (group.backends.length === 0) throw new Error(`served name '${group.servedName}' has no backends: the gateway would list a model nobody serves`);
  return [...group.backends].sort(byName((b) => b.deployment)).map((b) => ({
    model_name: group.servedName,
    litellm_params: {
      // `openai/` speaks plain OpenAI to any compatible server (vLLM, SGLang, llama.cpp, TEI,
      // llama-swap, Ollama /v1), so swapping a recipe's engine leaves the gateway config unchanged;
      // `hosted_vllm/` would tie the entry to one engine kind.
      model: `openai/${b.engineModel}`,
      api_base: b.apiBase,
      // The OpenAI client refuses an empty key; engines without --api-key ignore this dummy.
      api_key: b.apiKeyEnv === undefined ? "none" : envRef(b.apiKeyEnv, `${group.servedName}/${b.deployment}.apiKeyEnv`),
    },
    model_info: {
      // `<model name>@<backend>`: unique, readable in LiteLLM's metrics, and free of '/' (ids appear in URL paths).
      id: `${group.servedName}@${b.deployment}`,
      mode: group.mode,
      health_check_timeout: HEALTH_PROBE_TIMEOUT_SECONDS,
      ...(b.loadsOnDemand ? { disable_background_health_check: true as const } : {}),
      ...(b.burstPool === undefined ? {} : { burst_pool: b.burstPool }),
    },
  }));
}

/** The entry of a cloud provider. */
export function providerEntry(p: LiteLLMProvider): LiteLLMModelEntry {
  return {
    model_name: p.name,
    litellm_params: {
      model: p.model,
      ...(p.apiBase === undefined ? {} : { api_base: p.apiBase }),
      api_key: envRef(p.apiKeyEnv, `providers.${p.name}.apiKeyEnv`),
    },
    // Probing a paid API every interval costs money and says nothing the first failing request won't.
    model_info: { id: p.name, mode: "chat", max_input_tokens: p.contextWindow, disable_background_health_check: true },
  };
}

/**
 * Clients call the route name: its entries are copies of the primary's, probed like them (LiteLLM
 * keeps health per entry id, so an uncopied probe result would not keep a stalled primary out of
 * the route).
 */
export function routeEntries(route: LiteLLMRoute, primary: Target): LiteLLMModelEntry[] {
  return primary.entries.map((e) => ({
    model_name: route.name,
    litellm_params: { ...e.litellm_params },
    // The backend part of the id (a provider's id is its bare name) under the route's name.
    model_info: { ...e.model_info, id: `${route.name}@${e.model_info.id.slice(e.model_info.id.indexOf("@") + 1)}` },
  }));
}

