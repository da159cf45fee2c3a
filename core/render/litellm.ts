import YAML from "yaml";
import { BURST_GATE_CALLBACK, BURST_GATE_FILE, burstGateFreshSeconds, renderBurstGate } from "./litellm-burst-gate";
import { byName, envRef, HEALTH_PROBE_TIMEOUT_SECONDS, groupEntries, type LiteLLMConfigFile, providerEntry, routeEntries, type Target } from "./litellm-entries";

export type { LiteLLMConfigFile, LiteLLMModelEntry } from "./litellm-entries";

/** One engine behind a served name, as the gateway reaches it. */
export interface LiteLLMBackend {
  /** Deployment (instance) name; names the entry's `model_info.id`. */
  readonly deployment: string;
  /** OpenAI-compatible base URL of the engine, e.g. `http://spark.example.ts.net:8120/v1`. */
  readonly apiBase: string;
  /** Model name the engine itself serves (`--served-model-name`, or the llama-swap model id). */
  readonly engineModel: string;
  /** Env var holding the engine's API key, when the engine checks one; default the dummy `none`. */
  readonly apiKeyEnv?: string;
  /**
   * The backend loads models on request (a llama-swap slot). It is left out of background health
   * checks: a probe every interval would load the model and evict the one in use.
   */
  readonly loadsOnDemand?: boolean;
  /** The burst pool, when this backend is one of its host slots (often empty: no host rented). */
  readonly burstPool?: string;
}

/** Engines sharing one served name: one LiteLLM model group, load-balanced. */
export interface LiteLLMGroup {
  readonly servedName: string;
  readonly mode: "chat" | "embedding";
  /** Smallest context window (tokens) of the group's backends. */
  readonly contextWindow: number;
  readonly backends: readonly LiteLLMBackend[];
}

/** A cloud model behind the gateway. */
export interface LiteLLMProvider {
  readonly name: string;
  /** LiteLLM model string, e.g. `deepseek/deepseek-chat`. */
  readonly model: string;
  /** Env var the gateway container gets the API key in (the components fill it from stack config). */
  readonly apiKeyEnv: string;
  readonly apiBase?: string;
  readonly contextWindow: number;
}

/** A model name clients call, with its resolved chain (first = primary). */
export interface LiteLLMRoute {
  readonly name: string;
  /** Group served names or provider names, in fallback order. */
  readonly targets: readonly string[];
}

/** Everything the gateway config depends on: names, addresses, ports and router knobs; no recipes. */
export interface LiteLLMInput {
  readonly groups: readonly LiteLLMGroup[];
  readonly providers: readonly LiteLLMProvider[];
  readonly routes: readonly LiteLLMRoute[];
  /** Env var holding the master key (must start with `sk-`). */
  readonly masterKeyEnv: string;
  readonly numRetries: number;
  readonly timeoutSeconds: number;
  readonly allowedFails: number;
  readonly cooldownSeconds: number;
  /** @default 300 */
  readonly healthCheckIntervalSeconds?: number;
}

/** A Python module the config names as a callback, uploaded beside the config file. */
export interface LiteLLMModule {
  readonly file: string;
  readonly content: string;
}

/** The rendered gateway config, as data and as the YAML file LiteLLM reads, with its callback modules. */
export interface LiteLLMConfig {
  readonly config: LiteLLMConfigFile;
  readonly yaml: string;
  readonly modules: readonly LiteLLMModule[];
}

/** Model names with a single entry that some route falls back from (see model_group_retry_policy). */
function noRetryNames(modelList: readonly { model_name: string }[], fallbacks: readonly Record<string, string[]>[]): string[] {
  const entries = new Map<string, number>();
  for (const e of modelList) entries.set(e.model_name, (entries.get(e.model_name) ?? 0) + 1);
  const followed = new Set<string>();
  for (const f of fallbacks) {
    for (const [route, rest] of Object.entries(f)) {
      followed.add(route);
      rest.slice(0, -1).forEach((name) => followed.add(name));
    }
  }
  return [...followed].filter((name) => entries.get(name) === 1).sort();
}

/**
 * Renders the LiteLLM proxy config: one model group per served name, one entry per cloud provider,
 * and per route a group that copies its primary with fallbacks to the rest of the chain. Secrets
 * appear only as `os.environ/<VAR>` references. Output order is sorted, so it does not depend on
 * the order of the input lists (except route targets, whose order is the fallback order).
 */
export function renderLiteLLMConfig(input: LiteLLMInput): LiteLLMConfig {
  const targets = new Map<string, Target>();
  const add = (name: string, target: Target) => {
    if (targets.has(name)) throw new Error(`model name '${name}' is used twice (served name or provider): clients could not tell them apart; rename one`);
    targets.set(name, target);
  };
  for (const g of [...input.groups].sort(byName((g) => g.servedName))) add(g.servedName, { window: g.contextWindow, entries: groupEntries(g) });
  for (const p of [...input.providers].sort(byName((p) => p.name))) add(p.name, { window: p.contextWindow, entries: [providerEntry(p)] });
  const providers = new Set(input.providers.map((p) => p.name));

  const modelList = [...targets.values()].flatMap((t) => t.entries);
  const fallbacks: Record<string, string[]>[] = [];
  const contextWindowFallbacks: Record<string, string[]>[] = [];
  for (const route of [...input.routes].sort(byName((r) => r.name))) {
    if (targets.has(route.name)) throw new Error(`route '${route.name}' has the same name as a served model or provider: rename the route`);
    const chain = route.targets.map((name) => {
      const target = targets.get(name);
      if (!target) throw new Error(`route '${route.name}': target '${name}' is not a served name or provider; known: ${[...targets.keys()].join(", ")}`);
      return { name, window: target.window };
    });
    const [primary, ...rest] = chain;
    if (!primary) throw new Error(`route '${route.name}' has no targets`);
    modelList.push(...routeEntries(route, targets.get(primary.name) as Target));
    if (rest.length > 0) fallbacks.push({ [route.name]: rest.map((t) => t.name) });
    // Only cloud providers, whose windows the fleet declares, decide context-window fallbacks: an
    // engine's window follows its recipe, and a recipe change must not restart the gateway. After an
    // engine primary every later provider is a candidate (LiteLLM moves on if one is too small too).
    const larger = rest
      .filter((t) => providers.has(t.name) && (!providers.has(primary.name) || t.window > primary.window))
      .map((t) => t.name);
    if (larger.length > 0) contextWindowFallbacks.push({ [route.name]: larger });
  }
  // Burst host slots are routable only once their own probe passed (core/render/litellm-burst-gate.ts).
  const healthCheckInterval = input.healthCheckIntervalSeconds ?? 300;
  const burstSlotNames = [...new Set(modelList.filter((e) => e.model_info.burst_pool !== undefined).map((e) => e.model_info.id.slice(e.model_info.id.lastIndexOf("@") + 1)))];
  const modules: LiteLLMModule[] = burstSlotNames.length > 0
    ? [{ file: BURST_GATE_FILE, content: renderBurstGate({ freshSeconds: burstGateFreshSeconds(healthCheckInterval, HEALTH_PROBE_TIMEOUT_SECONDS), slots: burstSlotNames }) }]
    : [];
  const probed = [...new Set(modelList.filter((e) => e.model_info.disable_background_health_check !== true).map((e) => e.model_name))].sort();

  const config: LiteLLMConfigFile = {
    model_list: modelList,
    router_settings: {
      // Routes copy their primary's engines, so one engine sits in several model groups; least-busy
      // counts in-flight requests per group and would see only part of an engine's load (and its
      // minimum search includes cooled-down deployments). simple-shuffle is stateless and LiteLLM's
      // recommended default; queues show up in the QueueBacklog alert instead.
      routing_strategy: "simple-shuffle",
      num_retries: input.numRetries,
      timeout: input.timeoutSeconds,
      allowed_fails: input.allowedFails,
      // A refused connection (LiteLLM's InternalServerError "Connection error"), a 502 or a 503
      // ("Loading model") means the backend is down or restarting, as in a rollout: skip it from its
      // first failure. A retry then lands on another replica; simple-shuffle alone would pick the
      // dead one again half the time, and allowed_fails would leave it in the pick for 3 failures.
      allowed_fails_policy: {
        InternalServerErrorAllowedFails: 0,
        BadGatewayErrorAllowedFails: 0,
        ServiceUnavailableErrorAllowedFails: 0,
        // A request that timed out has waited `timeout` already: the next one must not.
        TimeoutErrorAllowedFails: 0,
      },
      // A model name with one backend has no other replica to retry on: LiteLLM would retry that
      // same backend with exponential backoff (0.5 s, 1 s, 2 s …: 9 s per request with a dead
      // single-replica fallback). Where a later target follows, such names get no retries and the
      // request moves on at once; groups of several replicas keep numRetries (a retry lands on
      // another replica without waiting). A name that is always last keeps its retries: waiting
      // is its only chance.
      model_group_retry_policy: Object.fromEntries(noRetryNames(modelList, fallbacks).map((name) => [name, { DefaultRetries: 0 }])),
      // Backends whose health probe fails (a stalled host, a burst slot with no host) are left out
      // of routing until a probe passes. LiteLLM turns this off when allowed_fails_policy is set
      // unless the probed groups are named.
      enable_health_check_routing: probed.length > 0,
      background_health_check_model_groups: probed,
      cooldown_time: input.cooldownSeconds,
      // Checks max_input_tokens (declared for cloud providers) before sending. Engine entries carry
      // no window: it follows the recipe, and a recipe change must not restart the gateway; an
      // engine answers an oversize prompt with a context-length 400, which LiteLLM maps to the
      // context_window_fallbacks below.
      enable_pre_call_checks: true,
      fallbacks,
      context_window_fallbacks: contextWindowFallbacks,
    },
    litellm_settings: {
      callbacks: ["prometheus", ...(modules.length > 0 ? [BURST_GATE_CALLBACK] : [])],
      // Engines reject OpenAI parameters they do not know; dropping them keeps fallbacks portable.
      drop_params: true,
      request_timeout: input.timeoutSeconds,
      // LiteLLM ≥ 1.10x asks for the master key on /metrics/ by default, so Prometheus would see the
      // gateway as down. The gateway listens only on the mesh or loopback, and the tailnet policy
      // grants its port to clients and monitoring only.
      require_auth_for_metrics_endpoint: false,
    },
    general_settings: {
      master_key: envRef(input.masterKeyEnv, "masterKeyEnv"),
      background_health_checks: true,
      health_check_interval: healthCheckInterval,
    },
  };
  const header = "# Generated by inference-fabric from the fleet file; do not edit by hand.\n";
  return { config, yaml: header + YAML.stringify(config, { lineWidth: 0 }), modules };
}
