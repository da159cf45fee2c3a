// The `autoscale` section of a burst pool: the burst-autoscale check (start from a passing pool,
// change one field, assert the exact violation) and the PromQL the plan generates.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { hostLoadQuery, signalQuery } from "../../core/burst/autoscale-signal";
import { parseFleet } from "../../core/fleet/load";
import { plan } from "../../core/plan/plan";
import { repoRoot } from "../support/stacks";

const base = readFileSync(join(repoRoot, "test", "fixtures", "hostile-base.fleet.yaml"), "utf8");
const POLICY = "autoscale: {route: reason, min: 0, max: 2, signal: queue-seconds, scaleUpAt: 5, scaleDownBelow: 1, holdSeconds: 60, idleMinutes: 10, cooldownSeconds: 300}";

function violations(policy: string, edit: (fleet: string) => string = (f) => f) {
  const text = edit(base.replace(POLICY, policy));
  const parsed = parseFleet(text);
  if (!parsed.ok) return parsed.violations.map((v) => ({ rule: v.rule, path: v.path, message: v.message }));
  return plan(parsed.fleet).violations.filter((v) => v.severity === "error").map((v) => ({ rule: v.rule, path: v.path, message: v.message }));
}

describe("burst-autoscale check", () => {
  test("the base policy passes and is planned with its PromQL", () => {
    assert.ok(base.includes(POLICY), "the fixture carries the policy this test edits");
    assert.deepEqual(violations(POLICY), []);
    const parsed = parseFleet(base);
    assert.ok(parsed.ok);
    const [a] = plan(parsed.fleet).autoscale;
    assert.equal(a?.pool, "reason-burst");
    assert.deepEqual(a?.localEngines, ["reasoner", "swap"]);
    assert.equal(a?.signalQuery,
      `sum(rate({__name__=~"^(vllm:request_queue_time_seconds_sum)$",deployment=~"^(reasoner|swap)$"}[1m])) / sum(rate({__name__=~"^(vllm:request_queue_time_seconds_count)$",deployment=~"^(reasoner|swap)$"}[1m]))`);
  });

  const cases: [string, string, string, ((f: string) => string)?][] = [
    ["max above maxHosts", POLICY.replace("max: 2", "max: 3"), "burst.pools[0].autoscale.max: pool reason-burst: autoscale.max is 3 but maxHosts is 2: lower max or raise maxHosts"],
    ["min above max", POLICY.replace("min: 0", "min: 2").replace("max: 2", "max: 1"), "burst.pools[0].autoscale.min: pool reason-burst: autoscale.min is 2 but max is 1: lower min or raise max"],
    ["no hysteresis", POLICY.replace("scaleDownBelow: 1", "scaleDownBelow: 5"), "burst.pools[0].autoscale.scaleDownBelow: pool reason-burst: scaleDownBelow (5) must be below scaleUpAt (5), or a signal at the threshold would rent and release in turn"],
    ["idle longer than the host watchdog", POLICY.replace("idleMinutes: 10", "idleMinutes: 15"), "burst.pools[0].autoscale.idleMinutes: pool reason-burst: autoscale.idleMinutes (15) must be below burst.idleMinutes (15), or hosts destroy themselves before the controller drains them"],
    ["unknown route", POLICY.replace("route: reason", "route: reasn"), "burst.pools[0].autoscale.route: pool reason-burst: autoscale.route 'reasn' is not a gateway route (routes: chat, reason)"],
    ["queue time on a route without vLLM", POLICY.replace("route: reason", "route: chat").replace("reasoner", "x"), "", (f) => f.replace("- {name: chat, targets: [orchestrator, cloud-deepseek]}", "- {name: chat, targets: [box-llama, cloud-deepseek]}")],
  ];
  for (const [name, policy, expected, edit] of cases) {
    test(name, () => {
      const found = violations(policy, edit).filter((v) => v.rule === "burst-autoscale").map((v) => `${v.path}: ${v.message}`);
      if (expected) assert.deepEqual(found, [expected]);
      else assert.deepEqual(found, ["burst.pools[0].autoscale.signal: pool reason-burst: route chat: no local engine exports a queue-time histogram (only vllm does) (engines with it: vllm); choose another signal"]);
    });
  }

  test("min the budget cannot pay for", () => {
    const found = violations(POLICY.replace("min: 0", "min: 2"), (f) => f.replace("budgetPerHour: 3.0", "budgetPerHour: 1.0").replace("maxHosts: 2", "maxHosts: 1").replace("max: 2", "max: 2"));
    assert.ok(found.some((v) => v.rule === "burst-autoscale" && v.message.includes("budgetPerHour $1/h pays for 1")), JSON.stringify(found));
  });
});

describe("autoscale PromQL", () => {
  test("waiting requests sum the route's engines' own queue gauges", () => {
    assert.equal(signalQuery({ signal: "waiting-requests", route: "chat", engines: [{ deployment: "tiny", engine: "llamacpp" }, { deployment: "big", engine: "vllm" }], cloudModels: [] }),
      `sum(avg_over_time({__name__=~"^(llamacpp:requests_deferred|vllm:num_requests_waiting)$",deployment=~"^(big|tiny)$"}[30s]))`);
  });
  test("cloud fallbacks read 0 while the gateway is up and nothing fell back, nothing while it is not scraped", () => {
    assert.equal(signalQuery({ signal: "cloud-fallback-rate", route: "reason", engines: [], cloudModels: ["cloud-deepseek"] }),
      `sum(rate(litellm_deployment_successful_fallbacks_total{requested_model="reason",fallback_model=~"^(cloud-deepseek)$"}[1m])) or (0 * sum(up{job="litellm"} == 1))`);
  });
  test("host load: the gateway's routed requests to the host (not its probes) and requests held over two scrapes", () => {
    const q = hostLoadQuery({ pool: "tiny-burst", engine: "llamacpp", windowSeconds: 30, scrapeSeconds: 5 });
    assert.match(q, /increase\(litellm_deployment_total_requests_total\{model_id=~"\.\+@tiny-burst-\[0-9\]\+"\}\[30s\]\)/);
    assert.match(q, /min_over_time\(llamacpp:requests_processing\{burst_pool="tiny-burst"\}\[10s\]\)/);
    assert.match(q, /min_over_time\(llamacpp:requests_deferred\{burst_pool="tiny-burst"\}\[10s\]\)/);
    assert.doesNotMatch(q, /prompt_tokens/, "the engine's token counters move with every health probe");
    assert.throws(() => hostLoadQuery({ pool: "p", engine: "tei", windowSeconds: 30, scrapeSeconds: 5 }), /engine tei exports no running-requests metric/);
  });
});
