// The `fabric autoscale` loop with a fake Prometheus (a real HTTP server on 127.0.0.1 speaking
// /api/v1/query), an in-memory stack and Vast probe: what it applies, in which order, what it says,
// and that it holds while a dependency is unreachable. Also the lock and the config override.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { effectiveDesired } from "../../core/burst/desired-override";
import { parseFleet } from "../../core/fleet/load";
import type { AutoscalePlan } from "../../core/plan/autoscale";
import { AutoscaleController } from "../../cli/autoscale/controller";
import { gatewayDrain, inFlightDrain } from "../../cli/autoscale/drain";
import { LiteLLMGatewaySlots } from "../../cli/autoscale/gateway-slots";
import { BURST_GATE_PATH } from "../../core/render/litellm-burst-gate";
import { LockHeld, acquireStackLock } from "../../cli/autoscale/lock";
import { ControllerMetrics } from "../../cli/autoscale/metrics";
import { PrometheusQuery } from "../../cli/autoscale/prometheus-query";
import type { AutoscaleStack } from "../../cli/autoscale/pulumi-stack";
import { poolTargets } from "../../cli/autoscale/pulumi-stack";
import { repoRoot } from "../support/stacks";

const policy: AutoscalePlan = {
  pool: "tiny-burst", route: "chat", min: 0, max: 1, maxHosts: 2, pricePerHour: 0.5, budgetPerHour: 2, signal: "waiting-requests",
  scaleUpAt: 1, scaleDownBelow: 0.5, holdSeconds: 10, idleMinutes: 1, cooldownSeconds: 20, localEngines: ["tiny"],
  signalQuery: "SIGNAL", hostLoadQuery: "LOAD", hostInFlightQuery: "INFLIGHT",
};

/** A Prometheus whose answers the test sets per query; `down` makes it answer 503. */
function fakePrometheus() {
  const state = { signal: null as number | null, load: new Map<string, number>(), inflight: new Map<string, number>(), down: false, t: 1_700_000_000 };
  const vector = (entries: [Record<string, string>, number][]) => ({ status: "success", data: { resultType: "vector", result: entries.map(([metric, v]) => ({ metric, value: [state.t, String(v)] })) } });
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? "/", "http://x").searchParams.get("query");
    if (state.down) return void res.writeHead(503).end(JSON.stringify({ status: "error", error: "shutting down" }));
    state.t += 5;
    const body = query === "SIGNAL" ? vector(state.signal === null ? [] : [[{}, state.signal]])
      : vector([...(query === "LOAD" ? state.load : state.inflight)].map(([host, v]) => [{ deployment: host }, v]));
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  });
  return { state, server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function memoryStack() {
  const s = { count: 0, applied: [] as number[], readFails: false, applyFails: false };
  const stack: AutoscaleStack = {
    counts: async () => { if (s.readFails) throw new Error("error: could not read the state: connection refused"); return { "tiny-burst": s.count, other: 2 }; },
    apply: async (_pool, desired) => { if (s.applyFails) throw new Error("code: 255\n stderr: error: the stack is locked by another update"); s.applied.push(desired); s.count = desired; return "{\"create\":1}"; },
    vast: async () => ({ apiKey: "k", baseUrl: "http://127.0.0.1:1" }),
    backendUrl: async () => "file:///tmp",
  };
  return { s, stack };
}

describe("fabric autoscale controller", () => {
  const prom = fakePrometheus();
  before(async () => { await new Promise<void>((r) => prom.server.listen(0, "127.0.0.1", r)); });
  after(() => { prom.server.close(); });

  function controller(stack: AutoscaleStack, opts: { vastDown?: boolean; drained?: boolean; clock: { t: number } }) {
    const lines: string[] = [];
    const drains: number[] = [];
    const metrics = new ControllerMetrics();
    const c = new AutoscaleController({
      policies: [policy], poolPrices: { "tiny-burst": 0.5, other: 0.5 }, stack, prometheus: new PrometheusQuery(prom.url()),
      vastProbe: async () => { if (opts.vastDown) throw new Error("GET /instances/: connect ECONNREFUSED"); },
      drain: async (_p, slot) => { drains.push(slot); lines.push(`EVENT drain ${slot}`); return { drained: opts.drained ?? true, detail: "test drain" }; },
      release: async (_p, slot) => { lines.push(`EVENT release ${slot}`); return "test release"; },
      metrics, log: (l) => lines.push(l), now: () => opts.clock.t,
    });
    return { c, lines, drains, metrics };
  }

  test("a held backlog rents one host; an idle host is drained, then released; budget shared with other pools", async () => {
    const { s, stack } = memoryStack();
    const clock = { t: Date.UTC(2026, 11, 5, 12) };
    const { c, lines, drains, metrics } = controller(stack, { clock });
    prom.state.signal = 3;
    // Real sample times: the fake's clock follows the controller's.
    const step = async (ms: number) => { clock.t += ms; prom.state.t = clock.t / 1000; await c.tick(); };
    await step(0);
    await step(5_000);
    assert.deepEqual(s.applied, [], "not before holdSeconds");
    await step(5_000);
    assert.deepEqual(s.applied, [1], lines.join("\n"));
    assert.match(lines.join("\n"), /tiny-burst up 0→1: signal ≥ 1 for 10 s: renting host 1; signal 3, hosts 0, cap 1 \(max 1, maxHosts 2, budget pays 2\)/);
    assert.match(lines.join("\n"), /applied 0→1 in 0\.0 s: \{"create":1\}/);
    prom.state.signal = 0;
    prom.state.load.set("tiny-burst-1", 1);
    await step(30_000);
    prom.state.load.set("tiny-burst-1", 0);
    await step(30_000);
    await step(20_000);
    assert.deepEqual(s.applied, [1], "idle for 50 s of 1 min: kept");
    await step(15_000);
    assert.deepEqual(drains, [1]);
    assert.deepEqual(s.applied, [1, 0], lines.join("\n"));
    assert.match(lines.join("\n"), /drain host 1: test drain/);
    // Order: out of the gateway and drained, destroyed, then the gateway mark lifted.
    const order = lines.filter((l) => l.startsWith("EVENT"));
    assert.deepEqual(order, ["EVENT drain 1", "EVENT release 1"]);
    assert.ok(lines.indexOf("EVENT release 1") > lines.findIndex((l) => /applied 1→0/.test(l)), lines.join("\n"));
    assert.match(lines.join("\n"), /host 1: test release/);
    const text = await metrics.registry.metrics();
    assert.match(text, /fabric_autoscale_current_hosts\{pool="tiny-burst"\} 1/);
    assert.match(text, /fabric_autoscale_decisions_total\{pool="tiny-burst",action="up"\} 1/);
    assert.match(text, /fabric_autoscale_updates_total\{pool="tiny-burst",result="ok"\} 2/);
  });

  test("holds, saying so, while Prometheus, Vast or the state backend is unreachable; a failed update is retried", async () => {
    const { s, stack } = memoryStack();
    const clock = { t: Date.UTC(2026, 11, 5, 13) };
    const vast = { down: true };
    const { c, lines, metrics } = controller(stack, { clock, vastDown: false });
    const step = async (ms: number) => { clock.t += ms; prom.state.t = clock.t / 1000; await c.tick(); };
    prom.state.signal = 5;
    prom.state.down = true;
    await step(0);
    await step(30_000);
    assert.match(lines.at(-1)!, /hold 0→0: Prometheus query failed \(Prometheus at http:\/\/127\.0\.0\.1:\d+ answered 503: shutting down \(query SIGNAL\)\): signal missing: holding at 0/);
    assert.match(await metrics.registry.metrics(), /fabric_autoscale_holding\{cause="prometheus"\} 1/);
    prom.state.down = false;
    s.readFails = true;
    await step(5_000);
    assert.match(lines.at(-1)!, /hold: the state backend cannot be read \(error: could not read the state: connection refused\); holding every pool/);
    s.readFails = false;
    s.applyFails = true;
    await step(5_000);
    await step(10_000);
    assert.match(lines.join("\n"), /update 0→1 failed after 0\.0 s, holding at 0: error: the stack is locked by another update/);
    s.applyFails = false;
    await step(5_000);
    assert.deepEqual(s.applied, [1], "a failed update takes no cooldown: the next poll applies");
    void vast;
    const down = controller(memoryStack().stack, { clock, vastDown: true });
    prom.state.signal = 5;
    await down.c.tick();
    clock.t += 11_000;
    prom.state.t = clock.t / 1000;
    await down.c.tick();
    assert.match(down.lines.join("\n"), /hold at 0: Vast unreachable \(GET \/instances\/: connect ECONNREFUSED\); not changing the pool/);
  });

  test("a drain that does not finish keeps the host", async () => {
    const { s, stack } = memoryStack();
    s.count = 1;
    const clock = { t: Date.UTC(2026, 11, 5, 14) };
    const { c, lines } = controller(stack, { clock, drained: false });
    prom.state.signal = 0;
    prom.state.load.set("tiny-burst-1", 0);
    for (let i = 0; i < 4; i++) { clock.t += 30_000; prom.state.t = clock.t / 1000; await c.tick(); }
    assert.deepEqual(s.applied, [], lines.join("\n"));
    assert.match(lines.join("\n"), /drain host 1 called off: test release/, "a kept host goes back into the gateway");
  });

  test("the in-flight drain waits for two scrapes at 0, and gives up at its deadline", async () => {
    let t = 0;
    const sleep = async (ms: number) => { t += ms; };
    const seq = [2, 1, 0, 0];
    let i = 0;
    const source = { scalar: async () => ({ value: null, at: null }), byLabel: async () => new Map([["tiny-burst-1", { value: seq[Math.min(i, seq.length - 1)]!, at: 1000 * ++i }]]) };
    assert.deepEqual(await inFlightDrain(source, { timeoutMs: 60_000, intervalMs: 2_000, sleep, now: () => t })(policy, 1), { drained: true, detail: "0 requests in flight at 2 scrapes in a row" });
    const busy = { scalar: source.scalar, byLabel: async () => new Map([["tiny-burst-1", { value: 1, at: t }]]) };
    const r = await inFlightDrain(busy, { timeoutMs: 10_000, intervalMs: 2_000, sleep, now: () => t })(policy, 1);
    assert.equal(r.drained, false);
    assert.match(r.detail, /still 1 in flight after 10 s: keeping the host/);
  });
});

describe("one controller per stack", () => {
  test("a second controller is refused, naming the first; a dead owner's lock on this host is taken over", () => {
    const dir = mkdtempSync(join(tmpdir(), "fabric-lock-"));
    try {
      const release = acquireStackLock(dir, "inference-fabric", "local-test", () => undefined);
      assert.throws(() => acquireStackLock(dir, "inference-fabric", "local-test", () => undefined),
        (e: unknown) => e instanceof LockHeld && new RegExp(`another fabric autoscale runs for stack local-test: pid ${process.pid} on ${hostname()}`).test(e.message));
      release();
      const path = join(dir, "inference-fabric.local-test.lock");
      writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: "then", stack: "local-test" }));
      const said: string[] = [];
      const again = acquireStackLock(dir, "inference-fabric", "local-test", (l) => said.push(l));
      assert.match(said.join(""), /taking over the lock of pid \d+ .* which no longer runs/);
      assert.equal(JSON.parse(readFileSync(path, "utf8")).pid, process.pid);
      again();
      writeFileSync(path, JSON.stringify({ pid: 1, host: "other-host", startedAt: "then", stack: "local-test" }));
      assert.throws(() => acquireStackLock(dir, "inference-fabric", "local-test", () => undefined), /pid 1 on other-host/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the desired-count override", () => {
  const parsed = parseFleet(readFileSync(join(repoRoot, "test", "fixtures", "hostile-base.fleet.yaml"), "utf8"));
  assert.ok(parsed.ok);
  test("overrides the fleet's desired, within maxHosts and autoscale.max, naming the key on bad input", () => {
    assert.deepEqual(effectiveDesired(parsed.fleet, undefined), { "reason-burst": 0 });
    assert.deepEqual(effectiveDesired(parsed.fleet, "{\"reason-burst\": 2}"), { "reason-burst": 2 });
    assert.throws(() => effectiveDesired(parsed.fleet, "{\"reason-burst\": 3}"), /stack config fabric:burstDesired: pool reason-burst wants 3 hosts but may run 0…2 \(maxHosts 2, autoscale.max 2\)/);
    assert.throws(() => effectiveDesired(parsed.fleet, "{\"nope\": 1}"), /names pool 'nope', which the fleet does not have \(pools: reason-burst\)/);
    assert.throws(() => effectiveDesired(parsed.fleet, "1,"), /is not JSON/);
  });
  test("a pool's targeted up names the pool and its host slots only", () => {
    assert.deepEqual(poolTargets("local-test", "inference-fabric", "tiny-burst", 1), [
      "urn:pulumi:local-test::inference-fabric::fabric:burst:BurstPool::burst-tiny-burst",
      "urn:pulumi:local-test::inference-fabric::fabric:burst:BurstPool$pulumi-nodejs:dynamic/vast:Instance::burst-tiny-burst-host-1",
    ]);
  });
});

describe("draining through the gateway's burst gate", () => {
  const inFlight = async () => ({ drained: true, detail: "0 requests in flight at 2 scrapes in a row" });

  test("marks the slot before the in-flight wait, lifts it after; a gateway that cannot be told is said, not fatal", async () => {
    const calls: string[] = [];
    const gate = { drain: async (slot: string, seconds: number) => { calls.push(`drain ${slot} ${seconds}`); }, release: async (slot: string) => { calls.push(`release ${slot}`); } };
    const waited = async () => { calls.push("in-flight wait"); return inFlight(); };
    const d = gatewayDrain(gate, waited, 1020);
    assert.deepEqual(await d.drain(policy, 2), { drained: true, detail: "out of the gateway; 0 requests in flight at 2 scrapes in a row" });
    assert.match(await d.release(policy, 2), /gateway mark on tiny-burst-2 lifted/);
    assert.deepEqual(calls, ["drain tiny-burst-2 1020", "in-flight wait", "release tiny-burst-2"]);

    const down = { drain: async () => { throw new Error("gateway http://127.0.0.1:1 unreachable (fetch failed)"); }, release: async () => { throw new Error("HTTP 500"); } };
    const dd = gatewayDrain(down, inFlight, 60);
    assert.match((await dd.drain(policy, 1)).detail, /^the gateway was not told \(gateway http:\/\/127\.0\.0\.1:1 unreachable \(fetch failed\)\); 0 requests/);
    assert.match(await dd.release(policy, 1), /not lifted \(HTTP 500\); it lapses on its own/);
    assert.match((await gatewayDrain(null, inFlight, 60).drain(policy, 1)).detail, /^no gateway in the fleet; /);
  });

  test("the client posts to the gate's routes with the master key and never repeats it in an error", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      if (req.url?.includes("/release")) return void res.writeHead(403).end(`{"detail":"bad key sk-secret-123"}`);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const slots = new LiteLLMGatewaySlots(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, "sk-secret-123");
      await slots.drain("tiny-burst-1", 120.2);
      await assert.rejects(slots.release("tiny-burst-1"), (e: Error) => /HTTP 403 .*\[redacted\]/.test(e.message) && !e.message.includes("sk-secret-123"));
      assert.deepEqual(seen, [
        `POST ${BURST_GATE_PATH}/tiny-burst-1/drain?seconds=121 Bearer sk-secret-123`,
        `POST ${BURST_GATE_PATH}/tiny-burst-1/release Bearer sk-secret-123`,
      ]);
      await assert.rejects(new LiteLLMGatewaySlots("http://127.0.0.1:1", "k", 2000).drain("tiny-burst-1", 5), /unreachable/);
    } finally {
      server.close();
    }
  });
});
