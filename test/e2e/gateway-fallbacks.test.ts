// Fast fallbacks, against the real LiteLLM with the config plan() renders: a dead target — refused
// connection, 5xx, a stalled host, a burst slot with no host — adds at most ~1 s to a request and
// never fails it, wherever it stands in the chain; a whole dead chain down to the cloud adds at
// most 2 s. Engines and the cloud are loopback fakes (test/support/openai-fakes.ts); the gateway is
// the fabric-test/litellm image (scripts/build-test-images.sh). Missing Docker or image FAILS.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { plan } from "../../core/plan/plan";
import { HEALTH_PROBE_TIMEOUT_SECONDS } from "../../core/render/litellm-entries";
import { closedPorts, type FakeServer, startFake } from "../support/openai-fakes";
import { CLOUD_HOST, fallbackFleet } from "../support/fallback-fleet";
import { type RunningGateway, startLiteLLM } from "../support/litellm-gateway";
import { stackFleet } from "../support/stacks";

const MASTER_KEY = "sk-fallback-test-not-secret";
const REQUESTS = Number(process.env.FABRIC_FALLBACK_REQUESTS ?? 30);
/** The fleet's gateway.healthCheckSeconds (its default). */
const fleetHealthSeconds = 15;

/** One measured case: a route, the fake that must answer it, and the bound on added latency. */
interface Case { readonly route: string; readonly what: string; readonly answeredBy: string; readonly maxAddedP95: number }

interface Figures { readonly p50: number; readonly p95: number; readonly max: number; readonly failed: number; readonly wrong: number }

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;

async function measure(gateway: RunningGateway, route: string, answeredBy: string, n: number): Promise<Figures & { times: number[] }> {
  const times: number[] = [];
  let failed = 0;
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    try {
      const r = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ model: route, messages: [{ role: "user", content: `request ${i}` }], max_tokens: 4 }),
        signal: AbortSignal.timeout(120_000),
      });
      const body = await r.text();
      if (!r.ok) failed++;
      else if (!body.includes(`answered by ${answeredBy}`)) wrong++;
    } catch {
      failed++;
    }
    times.push((performance.now() - started) / 1000);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { times, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1) ?? NaN, failed, wrong };
}

describe("gateway fallbacks with the real LiteLLM", { timeout: 900_000 }, () => {
  const fakes: FakeServer[] = [];
  let gateway: RunningGateway | undefined;
  const cases: Case[] = [];
  let started = 0;

  before(async () => {
    const fake = async (name: string, behaviour: Parameters<typeof startFake>[1]) => {
      const f = await startFake(name, behaviour);
      fakes.push(f);
      return f.port;
    };
    const [deadA, deadB, deadC, deadD, deadE, deadF] = await closedPorts(6);
    const deadMulti = await closedPorts(3);
    const emptySlots = await closedPorts(3);
    const emptyPool = await closedPorts(2);
    const cloudPort = await fake("cloud", "answer");
    const deployments = [
      { name: "live-base", port: await fake("live-base", "answer") },
      { name: "live-1", port: await fake("live-1", "answer") },
      { name: "live-2", port: await fake("live-2", "answer") },
      { name: "live-3", port: await fake("live-3", "answer") },
      { name: "live-4", port: await fake("live-4", "answer") },
      { name: "live-5", port: await fake("live-5", "answer") },
      { name: "live-6", port: await fake("live-6", "answer") },
      { name: "broken", port: await fake("broken", "status-500") },
      { name: "dead-a", port: deadA as number },
      { name: "dead-b", port: deadB as number },
      { name: "dead-c", port: deadC as number },
      { name: "dead-d", port: deadD as number },
      { name: "dead-e", port: deadE as number },
      { name: "dead-f", port: deadF as number },
      { name: "dead-multi", port: deadMulti[0] as number, replicas: 3 },
    ];
    const slotLive = await fake("pool-host-1", "answer");
    const stalledHost = await fake("stalled-host", "hang");
    const liveHost = await fake("pool-host-2", "answer");
    const fleet = fallbackFleet({
      deployments,
      pools: { "rent": [slotLive, ...emptySlots.slice(1)], "rent-empty": emptyPool, "rent-stalling": [stalledHost, liveHost] },
      cloudPort,
      routes: {
        "baseline": ["live-base"],
        "dead-first": ["dead-a", "live-1"],
        "dead-fallback": ["dead-b", "dead-c", "live-2"],
        "dead-multi-fallback": ["dead-d", "dead-multi", "live-3"],
        "empty-slots": ["rent", "cloud"],
        "empty-pool-fallback": ["dead-e", "rent-empty", "live-4"],
        "status-500": ["broken", "live-5"],
        "stalled-host": ["rent-stalling", "live-6"],
        "dead-chain": ["dead-f", "rent-empty", "cloud"],
      },
    });
    cases.push(
      { route: "dead-first", what: "dead first target (refused)", answeredBy: "live-1", maxAddedP95: 1 },
      { route: "dead-fallback", what: "dead single-replica fallback", answeredBy: "live-2", maxAddedP95: 1 },
      { route: "dead-multi-fallback", what: "dead 3-replica fallback", answeredBy: "live-3", maxAddedP95: 1 },
      { route: "empty-slots", what: "pool with 2 of 3 slots empty", answeredBy: "pool-host-1", maxAddedP95: 1 },
      { route: "empty-pool-fallback", what: "pool with no host as fallback", answeredBy: "live-4", maxAddedP95: 1 },
      { route: "status-500", what: "target answering 500", answeredBy: "live-5", maxAddedP95: 1 },
      { route: "stalled-host", what: "host that never answers, in a pool", answeredBy: "pool-host-2", maxAddedP95: 1 },
      { route: "dead-chain", what: "dead chain down to the cloud", answeredBy: "cloud", maxAddedP95: 2 },
    );
    const p = plan(fleet);
    const errors = p.violations.filter((v) => v.severity === "error");
    assert.deepEqual(errors, [], "the fallback fleet plans without errors");
    const image = stackFleet("local-test").images?.litellm ?? "fabric-test/litellm:1.106.2";
    if (process.env.FABRIC_FALLBACK_PRINT_CONFIG) console.log(p.gateway!.configYaml);
    started = Date.now();
    gateway = await startLiteLLM(image, p.gateway!.configYaml, { LITELLM_MASTER_KEY: MASTER_KEY, CLOUD_API_KEY: "sk-cloud-fake", LITELLM_LOCAL_MODEL_COST_MAP: "True" }, "fabric-fallbacks", [CLOUD_HOST],
      Object.fromEntries(p.gateway!.modules.map((m) => [m.file, m.content])));
  });

  after(async () => {
    gateway?.stop();
    await Promise.all(fakes.map((f) => f.close()));
  });

  it("adds at most ~1 s per dead target and 2 s for a dead chain, at p95, with no failed request", async () => {
    const g = gateway as RunningGateway;
    const base = await measure(g, "baseline", "live-base", REQUESTS);
    assert.equal(base.failed + base.wrong, 0, "the baseline route answers");
    const rows: string[] = [`case                                   p50 added  p95 added  max added  failed  (baseline p50 ${base.p50.toFixed(3)} s, ${REQUESTS} requests per case)`];
    const problems: string[] = [];
    // A stalled host is left out once a health probe (every healthCheckSeconds) has timed out on it.
    const probed = started + (fleetHealthSeconds + HEALTH_PROBE_TIMEOUT_SECONDS + 2) * 1000;
    if (Date.now() < probed) await new Promise((r) => setTimeout(r, probed - Date.now()));
    for (const c of cases) {
      const m = await measure(g, c.route, c.answeredBy, REQUESTS);
      const added = (x: number) => Math.max(0, x - base.p50);
      rows.push(`${c.what.padEnd(38)} ${added(m.p50).toFixed(3).padStart(7)} s  ${added(m.p95).toFixed(3).padStart(7)} s  ${added(m.max).toFixed(3).padStart(7)} s  ${String(m.failed).padStart(6)}${m.wrong > 0 ? `  (${m.wrong} answered by another target)` : ""}`);
      if (m.failed > 0) problems.push(`${c.what}: ${m.failed} of ${REQUESTS} requests failed`);
      if (added(m.p95) > c.maxAddedP95) problems.push(`${c.what}: p95 added ${added(m.p95).toFixed(2)} s > ${c.maxAddedP95} s`);
    }
    console.log(rows.join("\n"));
    assert.deepEqual(problems, [], `${problems.join("\n")}\n${g.logs().slice(-2000)}`);
  });
});
