// The tailnet tier: the policy `fabric plan --out` writes, enforced by a real tailnet — headscale
// v0.29.3 and tailscaled v1.102.5 (scripts/setup-mesh.sh) — inside network namespaces this test
// creates and deletes. One node per machine of test/fixtures/mesh.fleet.yaml (gateway, engine,
// monitoring, store), an admin's laptop, and a burst host that joins by running the rendered boot
// script's Tailscale part. Every (source, destination, port) is probed and judged by which node
// answered; the policy's own tests are run by headscale and by the probes.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { splitTarget } from "../../core/checks/mesh-policy-tests";
import { forHeadscale, parseHujson } from "../../core/render/headscale-policy";
import type { TailscalePolicy } from "../../core/render/tailscale-policy";
import { runCli } from "../support/cli";
import { runBurstTailscalePart } from "./support/burst-host";
import { Headscale } from "./support/headscale";
import { Namespaces, SUBNET, namespacesUnavailable } from "./support/namespaces";
import { type TailnetNode, joinNode, probe, startListener, warmPath } from "./support/nodes";
import { ADMIN_USER, MESH_FLEET, TIER_FLEET, burstHostName, type ProbeCase, type TierNode, loadFleet, meshPlan, policyPorts, pooled, probeCases, tierNodes } from "./support/tier";
import { policyChange } from "./support/policy-change";

const bin = join(process.env.FABRIC_CACHE ?? join(process.env.HOME ?? "/root", ".cache", "inference-fabric"), "bin");
const missing = ["headscale", "tailscaled", "tailscale"].filter((b) => !existsSync(join(bin, b)));
const skipReason = namespacesUnavailable()
  ?? (missing.length > 0 ? `${missing.join(", ")} not built in ${bin}: run scripts/setup-mesh.sh` : null);
if (skipReason) console.log(`SKIPPED: tailnet tier: ${skipReason}`);

const PROBE_TIMEOUT_MS = 2_500;

describe("the tailnet tier: the generated policy enforced by headscale and tailscaled", { skip: skipReason ? `SKIPPED: ${skipReason}` : false, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "fabric-mesh-"));
  const ns = new Namespaces();
  const log = (t: string) => { logText += t; };
  let logText = "";
  const fleet = loadFleet();
  const mesh = meshPlan(fleet);
  let written: TailscalePolicy;
  let headscale: Headscale;
  const nodes = new Map<string, TailnetNode>();
  const tier = tierNodes(mesh, burstHostName(fleet));
  const ports = policyPorts(mesh.policy as TailscalePolicy);
  const timings: Record<string, number> = {};

  const probeAll = (cases: readonly ProbeCase[]) => pooled(cases, 24, async (c) => {
    const from = nodes.get(c.from);
    const to = nodes.get(c.to);
    if (!from || !to) throw new Error(`probe ${c.from} → ${c.to}: node not joined`);
    let answer = await probe(ns, bin, from, to.ip, c.port, PROBE_TIMEOUT_MS);
    // A first connection may wait for the DERP path, and a loaded machine (CI runs other tiers
    // beside this one) can hold a probe past its timeout: a pair the plan allows gets two more
    // tries, the last one longer. A pair it denies is judged on one try (an answer would already
    // be the failure).
    if (answer === null && c.allowed) answer = await probe(ns, bin, from, to.ip, c.port, PROBE_TIMEOUT_MS);
    if (answer === null && c.allowed) answer = await probe(ns, bin, from, to.ip, c.port, 3 * PROBE_TIMEOUT_MS);
    return { ...c, answer };
  });
  const assertProbes = (results: readonly (ProbeCase & { answer: string | null })[]) => {
    const wrong = results.filter((r) => (r.allowed ? r.answer !== r.to : r.answer !== null))
      .map((r) => `${r.from} → ${r.to}:${r.port}: plan says ${r.allowed ? "allow" : "deny"}, got ${r.answer === null ? "no answer" : `an answer from ${r.answer}`}`);
    assert.deepEqual(wrong, [], `probes that disagree with the plan's grants:\n${wrong.join("\n")}`);
  };

  before(async () => {
    const out = join(dir, "plan");
    const run = runCli(["plan", MESH_FLEET, "--out", out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    written = parseHujson(readFileSync(join(out, "tailscale-policy.hujson"), "utf8")) as TailscalePolicy;
    let t = Date.now();
    ns.createHub();
    headscale = new Headscale(ns, join(bin, "headscale"), dir);
    headscale.writePolicy(forHeadscale(written, ADMIN_USER));
    timings.headscaleHealthyMs = await headscale.start();
    const adminId = headscale.createUser(ADMIN_USER);
    t = Date.now();
    await Promise.all(tier.filter((n) => !n.ephemeral).map(async (n) => {
      const { ns: nodeNs } = ns.createNode(n.name);
      await startListener(ns, { name: n.name, ns: nodeNs }, ports);
      const key = n.tags.length > 0 ? headscale.preAuthKey({ tags: n.tags }) : headscale.preAuthKey({ userId: adminId });
      nodes.set(n.name, await joinNode(ns, bin, dir, n.name, nodeNs, key, log));
    }));
    timings.staticNodesJoinedMs = Date.now() - t;
    t = Date.now();
    const burst = tier.find((n) => n.ephemeral);
    if (burst) nodes.set(burst.name, await runBurstTailscalePart({ ns, bin, dir, fleet, headscale, node: burst, ports, log }));
    timings.burstJoinedMs = Date.now() - t;
    t = Date.now();
    // Nodes are peers (see each other at all) only where a grant joins them, either way round.
    const peers = new Set(probeCases(mesh.policy as TailscalePolicy, tier, ports).filter((c) => c.allowed).flatMap((c) => [`${c.from}>${c.to}`, `${c.to}>${c.from}`]));
    const pairs = [...peers].map((p) => p.split(">").map((n) => nodes.get(n) as TailnetNode) as [TailnetNode, TailnetNode]);
    const cold = (await pooled(pairs, 12, async ([from, to]) => ((await warmPath(ns, bin, from, to.ip)) ? null : `${from.name} → ${to.name}`))).filter(Boolean);
    assert.deepEqual(cold, [], "every pair of peers answers each other's disco ping");
    timings.pathsWarmMs = Date.now() - t;
  });

  after(async () => {
    await ns.destroy();
    if (process.env.FABRIC_MESH_KEEP === "1") console.log(`tailnet tier: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    console.log(`tailnet tier timings: ${JSON.stringify(timings)}`);
  });

  it("loads the policy fabric plan --out writes, changed only by the autogroup:admin substitution", () => {
    assert.deepEqual(written, mesh.policy);
    const loaded = JSON.parse(readFileSync(headscale.policyPath, "utf8")) as TailscalePolicy;
    assert.deepEqual(loaded, forHeadscale(written, ADMIN_USER));
    assert.ok(!JSON.stringify(loaded).includes("autogroup:admin"));
    const check = headscale.checkPolicy(headscale.policyPath);
    assert.equal(check.status, 0, `headscale refuses the policy as written (with only the documented substitution):\n${check.stderr}${check.stdout}`);
  });

  it("gives every node the tags the plan's keys carry", () => {
    const listed = headscale.nodes();
    for (const n of tier) {
      const node = listed.find((l) => l.name === n.name);
      assert.ok(node, `${n.name} is on the tailnet (listed: ${listed.map((l) => l.name).join(", ")})`);
      assert.deepEqual([...node.tags].sort(), [...n.tags].sort(), `${n.name}'s tags`);
    }
  });

  it("connects exactly the (source, destination, port) the plan's grants allow, and nothing else", async () => {
    const t = Date.now();
    const results = await probeAll(probeCases(mesh.policy as TailscalePolicy, tier, ports));
    timings.probesMs = Date.now() - t;
    const allowed = results.filter((r) => r.allowed).length;
    console.log(`tailnet tier: ${results.length} probes over ${ports.length} ports (${ports.join(", ")}): ${allowed} allowed, ${results.length - allowed} denied`);
    assert.ok(allowed > 0 && results.length - allowed > allowed, "the plan allows some pairs and denies most");
    assertProbes(results);
  });

  const burstName = burstHostName(fleet);
  const gatewayMachine = fleet.gateway?.machine;
  it("the gateway reaches the burst host's engine port and nothing else on it", { skip: !burstName || !gatewayMachine ? "the fleet has no burst pool or no gateway" : false }, async () => {
    const enginePort = fleet.burst?.port ?? 0;
    const results = await probeAll(probeCases(mesh.policy as TailscalePolicy, tier, ports, (from, to) => from.name === gatewayMachine && to.name === burstName));
    assert.deepEqual(results.filter((r) => r.answer !== null).map((r) => r.port), [enginePort]);
    assert.equal(results.find((r) => r.port === enginePort)?.answer, burstName);
  });

  it("passes the policy's own tests against the real nodes: in headscale and by probing", async () => {
    const policy = mesh.policy as TailscalePolicy;
    const cases: ProbeCase[] = (policy.tests ?? []).flatMap((test) => {
      const sources = tier.filter((n) => n.tags.includes(test.src));
      const entries = [...(test.accept ?? []).map((t) => [t, true] as const), ...(test.deny ?? []).map((t) => [t, false] as const)];
      return entries.flatMap(([target, accept]) => {
        const parsed = splitTarget(target);
        assert.ok(parsed, target);
        const destinations = tier.filter((n) => n.tags.includes(parsed.selector));
        assert.ok(sources.length > 0 && destinations.length > 0, `test ${test.src} → ${target} names nodes on the tailnet`);
        return sources.flatMap((s) => destinations.filter((d) => d !== s).map((d) => ({ from: s.name, to: d.name, port: parsed.port, allowed: accept })));
      });
    });
    assert.ok(cases.length > 0, "the policy has tests");
    assertProbes(await probeAll(cases));
    const check = headscale.checkPolicy(headscale.policyPath);
    assert.equal(check.status, 0, check.stderr + check.stdout);
  });

  it("refuses a fleet change that breaks the applied policy's tests: fabric check offline, headscale live", { skip: MESH_FLEET !== TIER_FLEET ? "runs on the tier's own fleet only" : false }, async () => {
    const change = await policyChange({ dir, headscale, written, probeAll });
    assert.equal(change.fabricCheck.code, 1, change.fabricCheck.stdout);
    assert.match(change.fabricCheck.stdout, /\[mesh-policy-tests\].*tag:gateway must not open tag:machine-store:9000/);
    assert.equal(change.ownPolicyCheck.status, 0, `the changed fleet's own policy loads: ${change.ownPolicyCheck.stderr}`);
    assert.notEqual(change.carriedCheck.status, 0, "headscale policy check refuses the changed grants under the applied tests");
    assert.match(change.carriedCheck.stderr + change.carriedCheck.stdout, /tag:machine-store:9000/);
    assert.ok(change.reloadRefused, `SIGHUP with the refused policy logs the refusal:\n${change.reloadLog}`);
    assert.equal(change.afterRefusedReload, null, "the old rules stay: mon still cannot reach the engine port the change would open on gw");
    assert.equal(change.afterAcceptedReload, "gw", "the changed fleet's own policy, reloaded, opens it");
  });

  it("the ephemeral burst host leaves headscale when its boot script stops", { skip: !burstName ? "the fleet has no burst pool" : false }, async () => {
    const burst = tier.find((n) => n.ephemeral) as TierNode;
    const burstNode = nodes.get(burst.name);
    assert.ok(burstNode && headscale.nodes().some((n) => n.name === burst.name && n.ephemeral));
    const t = Date.now();
    await (burstNode as TailnetNode & { stop: () => Promise<void> }).stop();
    for (;;) {
      if (!headscale.nodes().some((n) => n.name === burst.name)) break;
      assert.ok(Date.now() - t < 30_000, `${burst.name} still listed 30 s after its script stopped`);
      await new Promise((r) => setTimeout(r, 500));
    }
    timings.burstGoneMs = Date.now() - t;
  });

  it("nothing in the tier can reach an address outside loopback and its own namespaces", () => {
    for (const name of ns.names) {
      const routes = ns.routes(name);
      assert.equal(ns.defaultRoutes6(name), "", `${name} has no IPv6 default route`);
      assert.doesNotMatch(routes, /^default/m, `${name} has no default route:\n${routes}`);
      for (const line of routes.split("\n").filter((l) => l.trim() && !/^(local|broadcast) /.test(l))) {
        assert.match(line, new RegExp(`^${SUBNET.replace(/\./g, "\\.")}\\.0/24 `), `${name}: only the test's /24 is routed: ${line}`);
      }
      for (const outside of ["1.1.1.1", "192.168.1.1", "100.100.100.100"]) {
        const lookup = ns.routeLookup(name, outside);
        assert.ok(!lookup.ok && /unreachable/i.test(lookup.text), `${name}: ${outside} must be unreachable, got: ${lookup.text}`);
      }
    }
    assert.equal(ns.names.length, tier.length + 1, "the hub and one namespace per node");
  });
});
