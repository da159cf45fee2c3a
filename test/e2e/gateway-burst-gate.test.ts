// The burst gate against the real LiteLLM (core/render/litellm-burst-gate.ts). The moment the
// autoscale e2e once failed in: every entry of a group reads unhealthy (the local replica's probe
// failed — under the backlog that rents a host it times out) while a burst host is still loading
// and another slot has no host. LiteLLM then routes to all of them ("bypassing health filter"),
// and users get "Loading model" 503s and refused connections. Two gateways from the same fleet,
// one with the gate as rendered and one with it taken out of the callbacks, meet the same fakes:
// without the gate the loading host gets user requests (the premise is real), with it none; once
// the host serves and a probe passed, the gate lets it in; a slot the controller drains gets no new
// request, and after its release only a new passing probe brings it back. Fakes are loopback servers; the gateway
// is the fabric-test/litellm image (scripts/build-test-images.sh). Missing Docker or image FAILS.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import YAML from "yaml";
import { plan } from "../../core/plan/plan";
import { BURST_GATE_CALLBACK, BURST_GATE_PATH } from "../../core/render/litellm-burst-gate";
import { closedPorts, type FakeServer, startFake } from "../support/openai-fakes";
import { CLOUD_HOST, fallbackFleet } from "../support/fallback-fleet";
import { type RunningGateway, startLiteLLM } from "../support/litellm-gateway";
import { stackFleet } from "../support/stacks";

const MASTER_KEY = "sk-burst-gate-test-not-secret";
const REQUESTS = 30;
/** Long enough that the first probe round's verdicts hold while the test sends its requests. */
const HEALTH_SECONDS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Scene { gateway: RunningGateway; local: FakeServer; loading: FakeServer; fakes: FakeServer[] }

/** The local replica's port is closed during the first probe round; the pool has a loading host and an empty slot. */
async function scene(gated: boolean): Promise<Scene> {
  const [localPort] = await closedPorts(1);
  const [emptySlot] = await closedPorts(1);
  const loading = await startFake("burst-host-1", "status-503");
  const cloud = await startFake("cloud", "answer");
  const fleet = fallbackFleet({
    deployments: [{ name: "local", port: localPort! }],
    pools: { "local-burst": [loading.port, emptySlot!] },
    poolServedNames: { "local-burst": "local" },
    cloudPort: cloud.port,
    routes: { chat: ["local"] },
    healthCheckSeconds: HEALTH_SECONDS,
  });
  const p = plan(fleet);
  assert.deepEqual(p.violations.filter((v) => v.severity === "error"), []);
  const config = YAML.parse(p.gateway!.configYaml) as { litellm_settings: { callbacks: string[] } };
  assert.ok(config.litellm_settings.callbacks.includes(BURST_GATE_CALLBACK), "the rendered config names the gate");
  if (!gated) config.litellm_settings.callbacks = config.litellm_settings.callbacks.filter((c) => c !== BURST_GATE_CALLBACK);
  const image = stackFleet("local-test").images?.litellm ?? "fabric-test/litellm:1.106.2";
  const modules = Object.fromEntries(p.gateway!.modules.map((m) => [m.file, m.content]));
  const gateway = await startLiteLLM(image, YAML.stringify(config), { LITELLM_MASTER_KEY: MASTER_KEY, CLOUD_API_KEY: "sk-cloud-fake", LITELLM_LOCAL_MODEL_COST_MAP: "True" },
    gated ? "fabric-gate" : "fabric-nogate", [CLOUD_HOST], modules);
  // The first probe round has reached the loading host (and, in the same round, the closed local port).
  for (let i = 0; loading.requests() === 0; i++) {
    assert.ok(i < 120, `no health probe reached the loading host in 60 s:\n${gateway.logs().slice(-2000)}`);
    await sleep(500);
  }
  await sleep(2000);
  const local = await startFake("local", "answer", localPort);
  return { gateway, local, loading, fakes: [local, loading, cloud] };
}

/** Waits until `host` gets its next request (a probe round: the test sends none meanwhile), then 2 s for the verdict. */
async function nextProbe(host: FakeServer, what: string): Promise<void> {
  const seen = host.requests();
  for (let i = 0; host.requests() === seen; i++) {
    assert.ok(i < 4 * HEALTH_SECONDS, what);
    await sleep(500);
  }
  await sleep(2000);
}

interface Sent { failed: string[]; servedBy: Map<string, number> }

async function send(gateway: RunningGateway, n: number): Promise<Sent> {
  const failed: string[] = [];
  const servedBy = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    try {
      const r = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: `request ${i}` }], max_tokens: 4 }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = await r.text();
      if (!r.ok) failed.push(`HTTP ${r.status} ${body.slice(0, 160)}`);
      const who = /answered by ([\w-]+)/.exec(body)?.[1];
      if (r.ok && who) servedBy.set(who, (servedBy.get(who) ?? 0) + 1);
    } catch (e) {
      failed.push(`${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  return { failed, servedBy };
}

describe("the burst gate with the real LiteLLM", { timeout: 600_000 }, () => {
  const scenes: Scene[] = [];
  after(async () => {
    for (const s of scenes) {
      s.gateway.stop();
      await Promise.all(s.fakes.map((f) => f.close()));
    }
  });

  /** A gateway (gated or not) in the all-unhealthy moment, and what REQUESTS requests met there. */
  const whileLoading = async (gated: boolean, label: string) => {
    const s = await scene(gated);
    scenes.push(s);
    const before = s.loading.requests();
    const sent = await send(s.gateway, REQUESTS);
    const toLoading = s.loading.requests() - before;
    console.log(`${label}: ${REQUESTS} requests, ${sent.failed.length} failed, ${toLoading} reached the loading host, served by ${JSON.stringify(Object.fromEntries(sent.servedBy))}`);
    return { s, sent, toLoading };
  };

  it("without the gate, a group that reads all-unhealthy sends users to a loading burst host (the premise)", async () => {
    const { sent: r, toLoading } = await whileLoading(false, "no gate");
    assert.ok(toLoading > 0, `LiteLLM kept the loading host out on its own (${JSON.stringify(r)}): the gate's premise no longer holds for this LiteLLM`);
  });

  it("with the gate: no user request reaches a slot before its probe passed; after a passing probe the host serves", async () => {
    const { s, sent: first, toLoading } = await whileLoading(true, "gate, host loading");
    assert.deepEqual(first.failed, [], "no request failed while the host loaded and the other slot was empty");
    assert.equal(toLoading, 0, "the loading host got no user request");
    assert.equal(first.servedBy.get("local"), REQUESTS, "the local replica served them all");

    // The host finishes loading; the next probe round finds it serving.
    s.loading.setBehaviour("answer");
    await nextProbe(s.loading, "no probe round reached the host");
    const second = await send(s.gateway, REQUESTS);
    console.log(`gate, host serving: ${REQUESTS} requests, ${second.failed.length} failed, served by ${JSON.stringify(Object.fromEntries(second.servedBy))}`);
    assert.deepEqual(second.failed, [], "the empty slot stays out");
    assert.ok((second.servedBy.get("burst-host-1") ?? 0) > 0, "the host serves once its probe passed");

    // The autoscale controller drains slot 1 before destroying its host, then releases it.
    const slots = `${s.gateway.url}${BURST_GATE_PATH}`;
    const admin = { authorization: `Bearer ${MASTER_KEY}` };
    assert.equal((await fetch(`${slots}/local-burst-1/drain?seconds=600`, { method: "POST" })).status, 401, "no key, no mark");
    const unknown = await fetch(`${slots}/someone-else-1/drain?seconds=600`, { method: "POST", headers: admin });
    assert.equal(unknown.status, 404, await unknown.text());
    assert.equal((await fetch(`${slots}/local-burst-1/drain?seconds=0`, { method: "POST", headers: admin })).status, 400);
    const marked = await fetch(`${slots}/local-burst-1/drain?seconds=600`, { method: "POST", headers: admin });
    assert.equal(marked.status, 200, await marked.text());
    const listed = await fetch(slots, { headers: admin }).then((r) => r.json() as Promise<Record<string, { draining_seconds_left: number }>>);
    assert.ok(listed["local-burst-1"]!.draining_seconds_left > 590, JSON.stringify(listed));
    const drained = await send(s.gateway, REQUESTS);
    console.log(`gate, slot 1 draining: ${REQUESTS} requests, ${drained.failed.length} failed, served by ${JSON.stringify(Object.fromEntries(drained.servedBy))}`);
    assert.deepEqual(drained.failed, []);
    assert.equal(drained.servedBy.get("burst-host-1") ?? 0, 0, "a draining slot gets no new request");

    // Released: the probe that passed before the release no longer counts (the host may be gone);
    // the next passing probe brings a kept host back.
    const released = await fetch(`${slots}/local-burst-1/release`, { method: "POST", headers: admin });
    assert.equal(released.status, 200, await released.text());
    const afterRelease = await send(s.gateway, 10);
    assert.equal(afterRelease.servedBy.get("burst-host-1") ?? 0, 0, "no request before a probe after the release");
    await nextProbe(s.loading, "no probe round reached the host after the release");
    const back = await send(s.gateway, REQUESTS);
    console.log(`gate, slot 1 released and probed: ${REQUESTS} requests, ${back.failed.length} failed, served by ${JSON.stringify(Object.fromEntries(back.servedBy))}`);
    assert.deepEqual(back.failed, []);
    assert.ok((back.servedBy.get("burst-host-1") ?? 0) > 0, "a kept host serves again after its next passing probe");
  });
});
