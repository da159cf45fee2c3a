// The PromQL `fabric autoscale` runs, evaluated by the real promtool (`promtool test rules` with
// promql_expr_test) over series shaped like the engines' and LiteLLM's: each query is accepted and
// gives the number the controller expects (a query Prometheus refuses would hold the pool forever).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import YAML from "yaml";
import { hostInFlightQuery, hostLoadQuery, signalQuery } from "../../core/burst/autoscale-signal";

interface ExprTest { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }

function promtoolTest(series: { series: string; values: string }[], tests: ExprTest[]): void {
  const dir = mkdtempSync(join(tmpdir(), "fabric-autoscale-promql-"));
  try {
    writeFileSync(join(dir, "rules.yml"), "groups: []\n");
    writeFileSync(join(dir, "test.yml"), YAML.stringify({ rule_files: ["rules.yml"], evaluation_interval: "15s", tests: [{ interval: "15s", input_series: series, promql_expr_test: tests }] }));
    const run = spawnSync("promtool", ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8" });
    if (run.error) assert.fail(`promtool could not run (${run.error.message}): apt-get install -y prometheus (the project setup does)`);
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("autoscale PromQL under the real promtool", () => {
  test("waiting requests: the route's engines only, llama.cpp and vLLM summed", () => {
    const expr = signalQuery({ signal: "waiting-requests", route: "chat", engines: [{ deployment: "tiny", engine: "llamacpp" }, { deployment: "big", engine: "vllm" }], cloudModels: [] });
    promtoolTest([
      { series: 'llamacpp:requests_deferred{deployment="tiny"}', values: "2x10" },
      { series: 'llamacpp:requests_processing{deployment="tiny"}', values: "1x10" },
      { series: 'vllm:num_requests_waiting{deployment="big"}', values: "3x10" },
      { series: 'vllm:num_requests_waiting{deployment="other"}', values: "10x10" },
    ], [{ expr, eval_time: "1m", exp_samples: [{ labels: "{}", value: 5 }] }]);
    // A backlog seen at every other scrape (the gauge flickers between bursts) still reads as one.
    promtoolTest([{ series: 'llamacpp:requests_deferred{deployment="tiny"}', values: "3 0 3 0 3 0 3 0 3 0" }],
      [{ expr, eval_time: "2m", exp_samples: [{ labels: "{}", value: 2 }] }]);
  });

  test("queue seconds: mean vLLM queue wait over the last minute", () => {
    const expr = signalQuery({ signal: "queue-seconds", route: "reason", engines: [{ deployment: "reasoner", engine: "vllm" }, { deployment: "swap", engine: "llama-swap" }], cloudModels: [] });
    promtoolTest([
      { series: 'vllm:request_queue_time_seconds_sum{deployment="reasoner"}', values: "0+1.5x20" },
      { series: 'vllm:request_queue_time_seconds_count{deployment="reasoner"}', values: "0+0.5x20" },
    ], [{ expr, eval_time: "3m", exp_samples: [{ labels: "{}", value: 3 }] }]);
  });

  test("cloud fallbacks: requests/s to the cloud; 0 while the gateway is up and nothing fell back; nothing while it is not scraped", () => {
    const expr = signalQuery({ signal: "cloud-fallback-rate", route: "reason", engines: [], cloudModels: ["cloud-deepseek", "cloud-claude"] });
    promtoolTest([
      { series: 'litellm_deployment_successful_fallbacks_total{requested_model="reason",fallback_model="cloud-deepseek"}', values: "0+15x20" },
      { series: 'litellm_deployment_successful_fallbacks_total{requested_model="reason",fallback_model="r1-distill-14b-q4"}', values: "0+150x20" },
      { series: 'up{job="litellm"}', values: "1x20" },
    ], [{ expr, eval_time: "3m", exp_samples: [{ labels: "{}", value: 1 }] }]);
    promtoolTest([{ series: 'up{job="litellm"}', values: "1x20" }], [{ expr, eval_time: "3m", exp_samples: [{ labels: "{}", value: 0 }] }]);
    promtoolTest([{ series: 'up{job="litellm"}', values: "0x20" }], [{ expr, eval_time: "3m", exp_samples: [] }]);
  });

  test("host load: requests the gateway routed in the window and requests in flight at two scrapes count; health probes do not", () => {
    for (const engine of ["llamacpp", "vllm", "sglang"] as const) {
      const names = { llamacpp: ["llamacpp:requests_processing", "llamacpp:requests_deferred"], vllm: ["vllm:num_requests_running", "vllm:num_requests_waiting"], sglang: ["sglang:num_running_reqs", "sglang:num_queue_reqs"] }[engine];
      const [running, waiting] = names;
      const host = (n: number) => `{burst_pool="p",deployment="p-${n}"}`;
      const routed = (id: string) => `litellm_deployment_total_requests_total{model_id="${id}",hashed_api_key="litellm_proxy_master_key"}`;
      const probes = `litellm_deployment_total_requests_total{model_id="",hashed_api_key="litellm-internal-health-check",api_base="http://p-3:8080/v1"}`;
      const load = (scrapeSeconds: number) => `(${hostLoadQuery({ pool: "p", engine, windowSeconds: 30, scrapeSeconds })}) > bool 0`;
      const gatewayUp = { series: 'up{job="litellm"}', values: "1x10" };
      const hosts = [
        // p-1: the gateway routed it short requests up to 45 s (under two names: the route and its
        // served name), each over within a scrape; nothing since.
        { series: `${running}${host(1)}`, values: "0 0 0 1 0 0 0 0 0 0" },
        { series: `${waiting}${host(1)}`, values: "0x10" },
        { series: routed("chat@p-1"), values: "0 1 2 3 3 3 3 3 3 3" },
        { series: routed("tiny@p-1"), values: "0 0 1 1 1 1 1 1 1 1" },
        // p-2: streams one long answer the whole time (not completed: the counter has not moved).
        { series: `${running}${host(2)}`, values: "1x10" },
        { series: `${waiting}${host(2)}`, values: "0x10" },
        // p-3: no user traffic; the gateway probes it every scrape, and one probe was in flight at the 120 s scrape.
        { series: `${running}${host(3)}`, values: "0 0 0 0 0 0 0 0 1 0" },
        { series: `${waiting}${host(3)}`, values: "0x10" },
        { series: probes, values: "0+1x10" },
      ];
      promtoolTest([...hosts, gatewayUp], [
        { expr: load(15), eval_time: "60s", exp_samples: [{ labels: '{deployment="p-1"}', value: 1 }, { labels: '{deployment="p-2"}', value: 1 }, { labels: '{deployment="p-3"}', value: 0 }] },
        { expr: load(15), eval_time: "135s", exp_samples: [{ labels: '{deployment="p-1"}', value: 0 }, { labels: '{deployment="p-2"}', value: 1 }, { labels: '{deployment="p-3"}', value: 0 }] },
        { expr: hostInFlightQuery("p", engine), eval_time: "135s", exp_samples: [{ labels: '{deployment="p-1"}', value: 0 }, { labels: '{deployment="p-2"}', value: 1 }, { labels: '{deployment="p-3"}', value: 0 }] },
      ]);
      // The gateway not scraped: no load is known (the controller keeps every host).
      promtoolTest([...hosts, { series: 'up{job="litellm"}', values: "0x10" }], [{ expr: load(15), eval_time: "135s", exp_samples: [] }]);
    }
  });
});
