import assert from "node:assert/strict";
import { describe, it } from "node:test";
import YAML from "yaml";
import { alertRuleGroups, renderAlertRules } from "../../core/render/alert-rules";
import { type PrometheusInput, prometheusRulesFileName, renderPrometheusConfig, type ScrapeTarget } from "../../core/render/prometheus";

const raw = { serializers: [(v: unknown) => v] };
const ws = "workstation.example.ts.net";
const spark = "spark.example.ts.net";

function engine(job: string, host: string, port: number, deployment: string, machine: string, servedName: string): ScrapeTarget {
  return { job, metricsPath: "/metrics", address: `${host}:${port}`, labels: { deployment, machine, engine: job, served_name: servedName } };
}
const exporter = (job: "node" | "dcgm", host: string, machine: string): ScrapeTarget =>
  ({ job, metricsPath: "/metrics", address: `${host}:${job === "node" ? 9100 : 9400}`, labels: { machine } });

/** The seed homelab: 5090 workstation (engines + gateway), DGX Spark (reasoner), NAS (Prometheus + MinIO). */
function homelab(): PrometheusInput {
  return {
    scrapeInterval: "15s",
    self: { address: "127.0.0.1:9090", machine: "nas" },
    targets: [
      engine("vllm", ws, 8199, "orchestrator", "workstation", "orchestrator"),
      engine("tei", ws, 8209, "embeddings", "workstation", "embeddings"),
      engine("llama-swap", ws, 8176, "swap", "workstation", "swap-r1"),
      engine("vllm", spark, 8120, "spark-reasoner", "spark", "reasoner"),
      { job: "litellm", metricsPath: "/metrics/", address: `${ws}:4000`, labels: { machine: "workstation" } },
      exporter("node", ws, "workstation"), exporter("node", spark, "spark"), exporter("node", "nas.example.ts.net", "nas"),
      exporter("dcgm", ws, "workstation"), exporter("dcgm", spark, "spark"),
    ],
  };
}

type Job = { job_name: string; metrics_path: string; static_configs: { targets: string[]; labels: Record<string, string> }[] };
const jobs = (yml: string) => (YAML.parse(yml) as { scrape_configs: Job[] }).scrape_configs;

describe("renderPrometheusConfig", () => {
  it("renders the homelab prometheus.yml", (t) => {
    t.assert.snapshot(renderPrometheusConfig(homelab()), raw);
  });

  it("loads the rules file, whose name starts with 'prometheus'", () => {
    const config = YAML.parse(renderPrometheusConfig(homelab())) as { rule_files: string[]; global: Record<string, string> };
    assert.deepEqual(config.rule_files, [prometheusRulesFileName]);
    assert.match(prometheusRulesFileName, /^prometheus/);
    assert.deepEqual(config.global, { scrape_interval: "15s", evaluation_interval: "15s" });
  });

  it("has one job per engine kind plus gateway, exporters and itself, each target with its labels", () => {
    const byJob = new Map(jobs(renderPrometheusConfig(homelab())).map((j) => [j.job_name, j]));
    assert.deepEqual([...byJob.keys()], ["prometheus", "dcgm", "litellm", "llama-swap", "node", "tei", "vllm"]);
    assert.equal(byJob.get("litellm")?.metrics_path, "/metrics/");
    assert.deepEqual(byJob.get("vllm")?.static_configs, [
      { targets: [`${spark}:8120`], labels: { deployment: "spark-reasoner", engine: "vllm", machine: "spark", served_name: "reasoner" } },
      { targets: [`${ws}:8199`], labels: { deployment: "orchestrator", engine: "vllm", machine: "workstation", served_name: "orchestrator" } },
    ]);
    assert.deepEqual(byJob.get("node")?.static_configs.map((c) => c.targets[0]), [`nas.example.ts.net:9100`, `${spark}:9100`, `${ws}:9100`]);
  });

  it("does not depend on target order", () => {
    const input = homelab();
    const reversed = { ...input, targets: [...input.targets].reverse().map((t) => ({ ...t, labels: Object.fromEntries(Object.entries(t.labels).reverse()) })) };
    assert.equal(renderPrometheusConfig(reversed), renderPrometheusConfig(input));
  });

  it("names the problem in a bad input", () => {
    const input = homelab();
    const target = (over: Partial<ScrapeTarget>) => ({ ...input, targets: [{ ...input.targets[0]!, ...over }] });
    assert.throws(() => renderPrometheusConfig({ ...input, targets: [...input.targets, { ...input.targets[0]!, address: `${ws}:8200`, metricsPath: "/stats" }] }),
      /job 'vllm' has two metrics paths \('\/metrics' and '\/stats'\)/);
    assert.throws(() => renderPrometheusConfig(target({ labels: { "served-name": "x" } })), /label 'served-name' is not a Prometheus label name/);
    assert.throws(() => renderPrometheusConfig(target({ address: "http://x:1" })), /address must be host:port/);
    assert.throws(() => renderPrometheusConfig({ ...input, scrapeInterval: "15 seconds" }), /scrapeInterval '15 seconds' is not a Prometheus duration/);
    assert.throws(() => renderPrometheusConfig({ ...input, targets: [...input.targets, input.targets[0]!] }), /job 'vllm' lists .*:8199 twice/);
    assert.throws(() => renderPrometheusConfig(target({ job: "prometheus" })), /reserved/);
  });
});

describe("renderAlertRules", () => {
  it("renders prometheus-rules.yml", (t) => {
    t.assert.snapshot(renderAlertRules(), raw);
  });

  it("has the alerts operators need, each with for, severity and a summary naming the target", () => {
    const rules = alertRuleGroups().flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.alert).sort(), [
      "AutoscalerDown", "AutoscalerHolding", "DCGMExporterDown", "EngineDown", "GPUMemHigh", "GatewayDown", "HostMemoryLow", "KVCacheNearFull",
      "NodeExporterDown", "Preempting", "QueueBacklog", "TTFTp95High",
    ]);
    for (const r of rules) {
      assert.match(r.for, /^[0-9]+m$/, r.alert);
      assert.ok(["critical", "warning"].includes(r.labels.severity), r.alert);
      assert.match(r.annotations.summary, /\{\{ \$labels\.(deployment|machine) \}\}/, r.alert);
      assert.match(r.annotations.description, /\{\{ \$labels\.instance \}\}/, r.alert);
    }
  });

  it("watches the metrics each engine really exports", () => {
    const expr = (name: string) => alertRuleGroups().flatMap((g) => g.rules).find((r) => r.alert === name)?.expr ?? "";
    assert.equal(expr("EngineDown"), 'up{deployment!="", burst_pool=""} == 0');
    assert.match(expr("KVCacheNearFull"), /vllm:kv_cache_usage_perc\) > 0\.9 or .*sglang:token_usage\) > 0\.9$/);
    assert.match(expr("QueueBacklog"), /vllm:num_requests_waiting.*sglang:num_queue_reqs.*llamacpp:requests_deferred/);
    assert.match(expr("TTFTp95High"), /histogram_quantile\(0\.95, sum by \(le, .*\) \(rate\(vllm:time_to_first_token_seconds_bucket\[5m\]\)\)\) > 2/);
    assert.match(expr("Preempting"), /rate\(vllm:num_preemptions_total\[5m\]\)/);
    assert.match(expr("GPUMemHigh"), /DCGM_FI_DEV_FB_USED \/ \(DCGM_FI_DEV_FB_USED \+ DCGM_FI_DEV_FB_FREE\) > 0\.97/);
    assert.match(expr("HostMemoryLow"), /node_memory_MemAvailable_bytes \/ node_memory_MemTotal_bytes < 0\.1/);
    assert.equal(expr("GatewayDown"), 'up{job="litellm"} == 0');
    assert.equal(expr("AutoscalerDown"), 'up{job="fabric-autoscale"} == 0');
    assert.equal(expr("AutoscalerHolding"), 'max by (instance, machine, cause) (fabric_autoscale_holding{job="fabric-autoscale"}) == 1');
  });

  it("takes thresholds and rejects fractions above 1", () => {
    const rules = renderAlertRules({ kvCacheUsage: 0.95, ttftP95Seconds: 5 });
    assert.match(rules, /kv_cache_usage_perc\) > 0\.95/);
    assert.match(rules, /time_to_first_token_seconds_bucket\[5m\]\)\)\) > 5/);
    assert.throws(() => renderAlertRules({ kvCacheUsage: 90 }), /kvCacheUsage = 90 is a fraction/);
    assert.throws(() => renderAlertRules({ queuedRequests: Number.NaN }), /queuedRequests = NaN/);
  });
});
