import type { AutoscaleSignal } from "../fleet/autoscale";

/**
 * The engines' own metric names the controller reads (REFERENCE.md §2–4): requests waiting in the
 * engine's queue, requests being processed now, prompt tokens served (a counter), and vLLM's
 * queue-time histogram. Engines missing here (TEI, TensorRT-LLM, Ollama, llama-swap) export none of
 * them and cannot feed a signal.
 */
export const ENGINE_LOAD_METRICS: Readonly<Record<string, { waiting: string; running: string; promptTokens: string; queueSeconds: string | null }>> = {
  vllm: { waiting: "vllm:num_requests_waiting", running: "vllm:num_requests_running", promptTokens: "vllm:prompt_tokens_total", queueSeconds: "vllm:request_queue_time_seconds" },
  sglang: { waiting: "sglang:num_queue_reqs", running: "sglang:num_running_reqs", promptTokens: "sglang:prompt_tokens_total", queueSeconds: null },
  llamacpp: { waiting: "llamacpp:requests_deferred", running: "llamacpp:requests_processing", promptTokens: "llamacpp:prompt_tokens_total", queueSeconds: null },
};

/**
 * Labels Prometheus puts on a burst host slot's scrape target (core/plan/monitoring.ts): its pool,
 * and as `deployment` the slot's host name `<pool>-<n>`.
 */
export const BURST_POOL_LABEL = "burst_pool";
export const BURST_HOST_LABEL = "deployment";

/** The `deployment` label value of host slot `slot` (1-based) of `pool`. */
export function burstHostLabelValue(pool: string, slot: number): string {
  return `${pool}-${slot}`;
}

/** How far back `waiting-requests` averages. */
export const SIGNAL_WINDOW = "30s";

/** Engines a signal can be measured on, for error messages. */
export function enginesWithSignal(signal: AutoscaleSignal): string[] {
  if (signal === "cloud-fallback-rate") return [];
  return Object.entries(ENGINE_LOAD_METRICS).filter(([, m]) => signal === "waiting-requests" || m.queueSeconds !== null).map(([k]) => k);
}

/** A local engine a route reaches: its Prometheus `deployment` label and its engine kind. */
export interface RouteEngine {
  readonly deployment: string;
  readonly engine: string;
}

export interface SignalQueryInput {
  readonly signal: AutoscaleSignal;
  readonly route: string;
  /** The route's local engines (for the engine signals). */
  readonly engines: readonly RouteEngine[];
  /** Model names of the gateway's cloud providers (for cloud-fallback-rate). */
  readonly cloudModels: readonly string[];
}

/** Anchored alternation of names for a `=~` matcher; names are DNS labels or metric names, escaped anyway. */
function oneOf(names: readonly string[]): string {
  const escaped = [...new Set(names)].sort().map((n) => n.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\\\${c}`));
  return `^(${escaped.join("|")})$`;
}

function metricsOf(engines: readonly RouteEngine[], pick: (m: (typeof ENGINE_LOAD_METRICS)[string]) => string | null): string[] {
  return engines.flatMap((e) => {
    const metrics = ENGINE_LOAD_METRICS[e.engine];
    const name = metrics ? pick(metrics) : null;
    return name ? [name] : [];
  });
}

/**
 * The PromQL expression of a pool's signal: one number, or an empty result when the data is not
 * there (engines down, never scraped). The controller holds steady on an empty or NaN result.
 */
export function signalQuery(input: SignalQueryInput): string {
  const deployments = oneOf(input.engines.map((e) => e.deployment));
  if (input.signal === "waiting-requests") {
    const names = metricsOf(input.engines, (m) => m.waiting);
    if (names.length === 0) throw new Error(`route ${input.route}: no local engine exports a waiting-requests metric (engines: ${input.engines.map((e) => e.engine).join(", ") || "none"})`);
    // Mean over the last 30 s: a queue gauge sampled at one scrape flickers to 0 between bursts,
    // which would restart holdSeconds again and again under steady overload. (One waiting metric
    // per deployment, so the range function leaves distinct series.)
    return `sum(avg_over_time({__name__=~"${oneOf(names)}",deployment=~"${deployments}"}[${SIGNAL_WINDOW}]))`;
  }
  if (input.signal === "queue-seconds") {
    const names = metricsOf(input.engines, (m) => m.queueSeconds);
    if (names.length === 0) throw new Error(`route ${input.route}: no local engine exports a queue-time histogram (only vllm does)`);
    const selector = (suffix: string) => `{__name__=~"${oneOf(names.map((n) => `${n}_${suffix}`))}",deployment=~"${deployments}"}`;
    return `sum(rate(${selector("sum")}[1m])) / sum(rate(${selector("count")}[1m]))`;
  }
  if (input.cloudModels.length === 0) throw new Error(`route ${input.route}: the gateway has no cloud provider to fall back to`);
  // No fallback yet means no series: count 0 while the gateway itself is scraped up, so "nothing fell
  // back" reads 0 and "the gateway is not scraped" stays empty (hold).
  return `sum(rate(litellm_deployment_successful_fallbacks_total{requested_model="${input.route}",fallback_model=~"${oneOf(input.cloudModels)}"}[1m]))`
    + ` or (0 * sum(up{job="litellm"} == 1))`;
}

/**
 * Per host slot of a pool: requests waiting or running at any scrape of the last `windowSeconds`
 * plus prompt tokens served meanwhile. 0 means idle over the window; a host streaming one long
 * request is busy (running counts, not only completed requests). Keyed by the host label.
 */
export function hostLoadQuery(pool: string, engine: string, windowSeconds: number): string {
  const metrics = ENGINE_LOAD_METRICS[engine];
  if (!metrics) throw new Error(`pool ${pool}: engine ${engine} exports no running-requests metric; autoscale needs one of ${Object.keys(ENGINE_LOAD_METRICS).join(", ")}`);
  const window = `${Math.max(1, Math.round(windowSeconds))}s`;
  const pool_ = `${BURST_POOL_LABEL}="${pool}"`;
  // One range function per metric name: a range function drops the name, so over a name regex it
  // would leave two series with one label set (Prometheus refuses the query).
  const over = (metric: string, fn: string) => `sum by (${BURST_HOST_LABEL}) (${fn}(${metric}{${pool_}}[${window}]))`;
  return [over(metrics.running, "max_over_time"), over(metrics.waiting, "max_over_time"), over(metrics.promptTokens, "increase")].join(" + ");
}

/** Per host slot, requests running or waiting at the last scrape: what a drain waits to reach 0. */
export function hostInFlightQuery(pool: string, engine: string): string {
  const metrics = ENGINE_LOAD_METRICS[engine];
  if (!metrics) throw new Error(`pool ${pool}: engine ${engine} exports no running-requests metric`);
  const now = (metric: string) => `sum by (${BURST_HOST_LABEL}) (${metric}{${BURST_POOL_LABEL}="${pool}"})`;
  return `${now(metrics.running)} + ${now(metrics.waiting)}`;
}
