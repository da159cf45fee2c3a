// Validates the rendered Prometheus files with the real promtool (Debian's `prometheus` package):
// config and rules syntax, and rule unit tests that prove EngineDown and KVCacheNearFull fire.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import YAML from "yaml";
import { renderAlertRules } from "../../core/render/alert-rules";
import { prometheusRulesFileName, renderPrometheusConfig } from "../../core/render/prometheus";

const spark = { instance: "spark.example.ts.net:8120", deployment: "spark-reasoner", machine: "spark", served_name: "reasoner" };

function promtool(dir: string, ...args: string[]): { status: number | null; output: string } {
  const run = spawnSync("promtool", args, { cwd: dir, encoding: "utf8" });
  if (run.error) {
    assert.fail(`promtool could not run (${run.error.message}): install it with the project setup ` +
      "(apt-get install -y prometheus puts /usr/bin/promtool on PATH)");
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("promtool accepts the rendered Prometheus files", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "fabric-promtool-"));
    writeFileSync(join(dir, "prometheus.yml"), renderPrometheusConfig({
      scrapeInterval: "15s",
      self: { address: "127.0.0.1:9090", machine: "nas" },
      targets: [
        { job: "vllm", metricsPath: "/metrics", address: spark.instance, labels: { deployment: spark.deployment, machine: "spark", engine: "vllm", served_name: "reasoner" } },
        { job: "llama-swap", metricsPath: "/metrics", address: "workstation.example.ts.net:8176", labels: { deployment: "swap", machine: "workstation", engine: "llama-swap", served_name: "swap-r1" } },
        { job: "vllm", metricsPath: "/metrics", address: "reason-burst-1.example.ts.net:8000", labels: { deployment: "reason-burst-1", machine: "reason-burst-1", engine: "vllm", served_name: "reason-burst", burst_pool: "reason-burst" } },
        { job: "litellm", metricsPath: "/metrics/", address: "workstation.example.ts.net:4000", labels: { machine: "workstation" } },
        { job: "node", metricsPath: "/metrics", address: "spark.example.ts.net:9100", labels: { machine: "spark" } },
        { job: "dcgm", metricsPath: "/metrics", address: "spark.example.ts.net:9400", labels: { machine: "spark" } },
      ],
    }));
    writeFileSync(join(dir, prometheusRulesFileName), renderAlertRules());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("check config: prometheus.yml and the rules file it loads", () => {
    const { status, output } = promtool(dir, "check", "config", "prometheus.yml");
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 1 rule files found/);
  });

  it("check rules: prometheus-rules.yml", () => {
    const { status, output } = promtool(dir, "check", "rules", prometheusRulesFileName);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 12 rules found/);
  });

  it("check rules fails on a broken rule, so the checks above can fail", () => {
    const broken = renderAlertRules().replace('up{deployment!="", burst_pool=""} == 0', 'up{deployment!="", burst_pool=""} ==');
    writeFileSync(join(dir, "prometheus-broken-rules.yml"), broken);
    const { status, output } = promtool(dir, "check", "rules", "prometheus-broken-rules.yml");
    assert.equal(status, 1, output);
    assert.match(output, /EngineDown|parse error/);
  });

  it("test rules: EngineDown, KVCacheNearFull and AutoscalerHolding fire after their 'for', not before; an empty burst slot never fires", () => {
    const labels = (extra: Record<string, string>) =>
      `{${Object.entries({ ...spark, ...extra }).map(([k, v]) => `${k}="${v}"`).join(", ")}}`;
    const where = `${spark.deployment} (reasoner) on spark, ${spark.instance}`;
    const unitTests = {
      rule_files: [prometheusRulesFileName],
      evaluation_interval: "1m",
      tests: [{
        interval: "1m",
        input_series: [
          // Scrapes fail from minute 2 on.
          { series: `up${labels({ job: "vllm", engine: "vllm" })}`, values: "1 1 0x8" },
          { series: `up{job="litellm", instance="workstation.example.ts.net:4000", machine="workstation"}`, values: "1x10" },
          // The autoscale controller answers, but cannot reach Vast from minute 1 on.
          { series: `up{job="fabric-autoscale", instance="workstation.example.ts.net:9464", machine="workstation"}`, values: "1x20" },
          { series: `fabric_autoscale_holding{job="fabric-autoscale", instance="workstation.example.ts.net:9464", machine="workstation", cause="vast"}`, values: "0 1x20" },
          { series: `fabric_autoscale_holding{job="fabric-autoscale", instance="workstation.example.ts.net:9464", machine="workstation", cause="prometheus"}`, values: "0x20" },
          // A burst host slot with no host rented: down by design, never an EngineDown.
          { series: 'up{job="vllm", instance="reason-burst-1.example.ts.net:8000", deployment="reason-burst-1", machine="reason-burst-1", engine="vllm", served_name="reason-burst", burst_pool="reason-burst"}', values: "0x10" },
          // KV cache 95 % full from minute 1 on; vLLM's own engine label arrives as exported_engine.
          { series: `vllm:kv_cache_usage_perc${labels({ job: "vllm", model_name: "reasoner", exported_engine: "0" })}`, values: "0.5 0.95x9" },
        ],
        alert_rule_test: [
          { eval_time: "3m", alertname: "EngineDown", exp_alerts: [] },
          {
            eval_time: "5m", alertname: "EngineDown", exp_alerts: [{
              exp_labels: { severity: "critical", job: "vllm", engine: "vllm", ...spark },
              exp_annotations: {
                summary: "Engine spark-reasoner is down",
                description: `${where} (vllm) has not answered a metrics scrape for 2 minutes; the gateway falls back or fails its requests.`,
              },
            }],
          },
          { eval_time: "5m", alertname: "GatewayDown", exp_alerts: [] },
          { eval_time: "5m", alertname: "AutoscalerDown", exp_alerts: [] },
          { eval_time: "9m", alertname: "AutoscalerHolding", exp_alerts: [] },
          {
            eval_time: "12m", alertname: "AutoscalerHolding", exp_alerts: [{
              exp_labels: { severity: "warning", instance: "workstation.example.ts.net:9464", machine: "workstation", cause: "vast" },
              exp_annotations: {
                summary: "Autoscale controller on workstation is holding: vast unreachable",
                description: "fabric autoscale at workstation.example.ts.net:9464 has held every pool for 10 minutes because it cannot reach vast (prometheus, vast or the state backend); its log says why.",
              },
            }],
          },
          { eval_time: "5m", alertname: "KVCacheNearFull", exp_alerts: [] },
          {
            eval_time: "7m", alertname: "KVCacheNearFull", exp_alerts: [{
              exp_labels: { severity: "warning", ...spark },
              exp_annotations: {
                summary: "KV cache of spark-reasoner is nearly full",
                description: `${where}: KV cache 95% in use for 5 minutes; new requests queue or get preempted. Lower max sequences or context, or add a replica.`,
              },
            }],
          },
        ],
      }],
    };
    writeFileSync(join(dir, "prometheus-rules.test.yml"), YAML.stringify(unitTests, { lineWidth: 0 }));
    const { status, output } = promtool(dir, "test", "rules", "prometheus-rules.test.yml");
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });
});
