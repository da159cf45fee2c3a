import type { AutoscaleSignal } from "../fleet/autoscale";

/**
 * The engines' own metric names the controller reads (REFERENCE.md §2–4): requests waiting in the
 * engine's queue, requests being processed now, and vLLM's
 * queue-time histogram. Engines missing here (TEI, TensorRT-LLM, Ollama, llama-swap) export none of
 * them and cannot feed a signal.
 */
export const ENGINE_LOAD_METRICS: Readonly<Record<string, { waiting: string; running: string; queueSeconds: string | null }>> = {
  vllm: { waiting: "vllm:num_requests_waiting", running: "vllm:num_requests_running", queueSeconds: "vllm:request_queue_time_seconds" },
  sglang: { waiting: "sglang:num_queue_reqs", running: "sglang:num_running_reqs", queueSeconds: null },
  llamacpp: { waiting: "llamacpp:requests_deferred", running: "llamacpp:requests_processing", queueSeconds: null },
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

/** Prometheus job of the gateway's own /metrics (core/plan/monitoring.ts scrapes it under this name). */
export const GATEWAY_METRICS_JOB = "litellm";

/** One series while Prometheus scrapes the gateway successfully, none otherwise. */
const GATEWAY_SCRAPED = `sum(up{job="${GATEWAY_METRICS_JOB}"} == 1)`;

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
    + ` or (0 * ${GATEWAY_SCRAPED})`;
}

/** LiteLLM's per-backend request counter (its Prometheus callback), by entry id `<name>@<backend>`. */
export const GATEWAY_BACKEND_REQUESTS = "litellm_deployment_total_requests_total";

export interface HostLoadQueryInput {
  readonly pool: string;
  readonly engine: string;
  /** How far back requests the gateway routed to a host count. */
  readonly windowSeconds: number;
  /** The fleet's Prometheus scrape interval. */
  readonly scrapeSeconds: number;
}

/**
 * Per host slot of a pool, the traffic users sent it: requests the gateway routed to the host and
 * completed within the window, plus requests running or waiting on the engine at every scrape of
 * the last two intervals (a long answer still streaming). 0 means idle. Keyed by the host label.
 *
 * The gateway's own health probes are not traffic: LiteLLM probes every backend with a real chat
 * completion every `healthCheckSeconds`, so the engine's token counters never stop moving. Its
 * request counter tells them apart — a routed request carries the entry id (`model_id` =
 * `<route or served name>@<pool>-<n>`), a probe an empty one — and a probe is shorter than a
 * scrape interval, so it is never in flight at two scrapes in a row. Empty while the gateway is
 * not scraped: the load is then unknown and the controller keeps the host.
 */
export function hostLoadQuery(input: HostLoadQueryInput): string {
  const { pool, engine } = input;
  const metrics = ENGINE_LOAD_METRICS[engine];
  if (!metrics) throw new Error(`pool ${pool}: engine ${engine} exports no running-requests metric; autoscale needs one of ${Object.keys(ENGINE_LOAD_METRICS).join(", ")}`);
  const seconds = (s: number) => `${Math.max(1, Math.round(s))}s`;
  const pool_ = `${BURST_POOL_LABEL}="${pool}"`;
  // One range function per metric name: a range function drops the name, so over a name regex it
  // would leave two series with one label set (Prometheus refuses the query).
  const held = (metric: string) => `sum by (${BURST_HOST_LABEL}) (min_over_time(${metric}{${pool_}}[${seconds(2 * input.scrapeSeconds)}]))`;
  const inFlight = `(${held(metrics.running)} + ${held(metrics.waiting)})`;
  const routed = `sum by (${BURST_HOST_LABEL}) (label_replace(increase(${GATEWAY_BACKEND_REQUESTS}{model_id=~".+@${pool}-[0-9]+"}[${seconds(input.windowSeconds)}]), "${BURST_HOST_LABEL}", "$1", "model_id", ".+@(.+)"))`;
  return `(${inFlight} + (${routed} or 0 * ${inFlight})) and on () (${GATEWAY_SCRAPED} > 0)`;
}

/** Per host slot, requests running or waiting at the last scrape: what a drain waits to reach 0. */
export function hostInFlightQuery(pool: string, engine: string): string {
  const metrics = ENGINE_LOAD_METRICS[engine];
  if (!metrics) throw new Error(`pool ${pool}: engine ${engine} exports no running-requests metric`);
  const now = (metric: string) => `sum by (${BURST_HOST_LABEL}) (${metric}{${BURST_POOL_LABEL}="${pool}"})`;
  return `${now(metrics.running)} + ${now(metrics.waiting)}`;
}
