import YAML from "yaml";
import { GATEWAY_METRICS_JOB } from "../burst/autoscale-signal";
import { AUTOSCALER_METRICS_JOB, burstPoolLabel, engineTargetLabel } from "./prometheus";

/** Where alerts fire. Defaults suit a homelab; every value is overridable. */
export interface AlertThresholds {
  /** KV cache (vLLM) or token pool (SGLang) fraction in use. @default 0.9 */
  readonly kvCacheUsage: number;
  /** Requests waiting (vLLM, SGLang) or deferred (llama.cpp) per engine. @default 10 */
  readonly queuedRequests: number;
  /** 95th percentile time to first token, seconds. @default 2 */
  readonly ttftP95Seconds: number;
  /** GPU framebuffer fraction in use (DCGM). vLLM preallocates its share, so keep it high. @default 0.97 */
  readonly gpuMemoryUsed: number;
  /** Host memory fraction still available; on DGX Spark this is also the GPU's memory. @default 0.1 */
  readonly hostMemoryAvailable: number;
}

export const defaultAlertThresholds: AlertThresholds = {
  kvCacheUsage: 0.9,
  queuedRequests: 10,
  ttftP95Seconds: 2,
  gpuMemoryUsed: 0.97,
  hostMemoryAvailable: 0.1,
};

/** One Prometheus alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: "critical" | "warning" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

// Aggregations keep the target labels that name the engine, so annotations can name it.
const engineLabels = `instance, ${engineTargetLabel}, machine, served_name`;
const where = "{{ $labels.deployment }} ({{ $labels.served_name }}) on {{ $labels.machine }}, {{ $labels.instance }}";

function rule(alert: string, expr: string, forDuration: string, severity: "critical" | "warning", summary: string, description: string): AlertRule {
  return { alert, expr, for: forDuration, labels: { severity }, annotations: { summary, description } };
}

function engineRules(t: AlertThresholds): AlertRule[] {
  const per = (aggregation: string, metric: string) => `${aggregation} by (${engineLabels}) (${metric})`;
  const ttft = (metric: string) =>
    `histogram_quantile(0.95, sum by (le, ${engineLabels}) (rate(${metric}[5m]))) > ${t.ttftP95Seconds}`;
  return [
    // Burst host slots are scraped whether or not a host is rented: an empty slot is down by design.
    rule("EngineDown", `up{${engineTargetLabel}!="", ${burstPoolLabel}=""} == 0`, "2m", "critical",
      "Engine {{ $labels.deployment }} is down",
      `${where} ({{ $labels.engine }}) has not answered a metrics scrape for 2 minutes; the gateway falls back or fails its requests.`),
    rule("KVCacheNearFull",
      `${per("max", "vllm:kv_cache_usage_perc")} > ${t.kvCacheUsage} or ${per("max", "sglang:token_usage")} > ${t.kvCacheUsage}`,
      "5m", "warning",
      "KV cache of {{ $labels.deployment }} is nearly full",
      `${where}: KV cache {{ $value | humanizePercentage }} in use for 5 minutes; new requests queue or get preempted. Lower max sequences or context, or add a replica.`),
    rule("QueueBacklog",
      [`${per("sum", "vllm:num_requests_waiting")} > ${t.queuedRequests}`,
        `${per("sum", "sglang:num_queue_reqs")} > ${t.queuedRequests}`,
        `${per("sum", "llamacpp:requests_deferred")} > ${t.queuedRequests}`].join(" or "),
      "5m", "warning",
      "Requests queue at {{ $labels.deployment }}",
      `${where}: {{ $value }} requests waiting for 5 minutes; the engine is saturated. Add a replica or burst capacity.`),
    rule("TTFTp95High",
      `${ttft("vllm:time_to_first_token_seconds_bucket")} or ${ttft("sglang:time_to_first_token_seconds_bucket")}`,
      "10m", "warning",
      "Slow first token at {{ $labels.deployment }}",
      `${where}: p95 time to first token is {{ $value | humanizeDuration }} (threshold ${t.ttftP95Seconds}s) for 10 minutes.`),
    rule("Preempting", `${per("sum", "rate(vllm:num_preemptions_total[5m])")} > 0`, "10m", "warning",
      "{{ $labels.deployment }} preempts requests",
      `${where}: {{ $value }} preemptions/s for 10 minutes; the KV cache is too small for the load. Lower max sequences or raise the memory share.`),
  ];
}

function hostRules(t: AlertThresholds): AlertRule[] {
  return [
    rule("GPUMemHigh", `DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > ${t.gpuMemoryUsed}`, "10m", "warning",
      "GPU memory nearly exhausted on {{ $labels.machine }}",
      "GPU {{ $labels.gpu }} on {{ $labels.machine }} ({{ $labels.instance }}) has {{ $value | humanizePercentage }} of its memory in use; another engine or a larger context will not fit. (On DGX Spark read HostMemoryLow instead: unified memory makes this figure misleading.)"),
    rule("HostMemoryLow", `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < ${t.hostMemoryAvailable}`, "5m", "critical",
      "Host memory low on {{ $labels.machine }}",
      "{{ $labels.machine }} ({{ $labels.instance }}) has only {{ $value | humanizePercentage }} of its memory available. On DGX Spark the GPU shares this memory: engines are next in line for the OOM killer. Lower gpu-memory-utilization or stop a tenant."),
    rule("NodeExporterDown", `up{job="node"} == 0`, "5m", "warning",
      "Node exporter down on {{ $labels.machine }}",
      "{{ $labels.instance }} on {{ $labels.machine }} has not answered for 5 minutes; HostMemoryLow cannot fire for this machine."),
    rule("DCGMExporterDown", `up{job="dcgm"} == 0`, "5m", "warning",
      "DCGM exporter down on {{ $labels.machine }}",
      "{{ $labels.instance }} on {{ $labels.machine }} has not answered for 5 minutes; GPUMemHigh cannot fire for this machine."),
  ];
}

function gatewayRules(): AlertRule[] {
  return [
    rule("GatewayDown", `up{job="${GATEWAY_METRICS_JOB}"} == 0`, "2m", "critical",
      "Gateway down on {{ $labels.machine }}",
      "The LiteLLM gateway at {{ $labels.instance }} has not answered a metrics scrape for 2 minutes; clients cannot reach any model."),
  ];
}

/** The autoscale controller container (burst.autoscaler): down, or holding because it cannot see or change the fleet. */
function autoscalerRules(): AlertRule[] {
  return [
    rule("AutoscalerDown", `up{job="${AUTOSCALER_METRICS_JOB}"} == 0`, "5m", "warning",
      "Autoscale controller down on {{ $labels.machine }}",
      "fabric autoscale at {{ $labels.instance }} has not answered a metrics scrape for 5 minutes: no host is rented on a backlog, and rented hosts stay until their own idle watchdog destroys them."),
    rule("AutoscalerHolding", `max by (instance, machine, cause) (fabric_autoscale_holding{job="${AUTOSCALER_METRICS_JOB}"}) == 1`, "10m", "warning",
      "Autoscale controller on {{ $labels.machine }} is holding: {{ $labels.cause }} unreachable",
      "fabric autoscale at {{ $labels.instance }} has held every pool for 10 minutes because it cannot reach {{ $labels.cause }} (prometheus, vast or the state backend); its log says why."),
  ];
}

/** The alert rules as data: groups of rules, in file order. */
export function alertRuleGroups(thresholds: Partial<AlertThresholds> = {}): { name: string; rules: AlertRule[] }[] {
  const t = { ...defaultAlertThresholds, ...thresholds };
  for (const [key, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`alert threshold ${key} = ${value}: must be a finite number ≥ 0`);
  }
  for (const key of ["kvCacheUsage", "gpuMemoryUsed", "hostMemoryAvailable"] as const) {
    if (t[key] > 1) throw new Error(`alert threshold ${key} = ${t[key]} is a fraction: use a value between 0 and 1 (e.g. 0.9 for 90%)`);
  }
  return [
    { name: "inference-engines", rules: engineRules(t) },
    { name: "inference-gateway", rules: gatewayRules() },
    { name: "inference-autoscale", rules: autoscalerRules() },
    { name: "inference-hosts", rules: hostRules(t) },
  ];
}

/** Renders prometheus-rules.yml (see `prometheusRulesFileName`). */
export function renderAlertRules(thresholds: Partial<AlertThresholds> = {}): string {
  return "# Generated by inference-fabric from the fleet file; do not edit by hand.\n"
    + YAML.stringify({ groups: alertRuleGroups(thresholds) }, { lineWidth: 0 });
}
