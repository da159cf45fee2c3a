// Issue 11's fault classes under the REAL pulumi engine: `pulumi up` / `destroy` of the real
// BurstPool against the fake Vast API with faults injected, then `fabric burst sweep` reading the
// real state. For each: no instance is left that no state owns after the operation or after one
// `sweep --yes`, never more than maxHosts alive at once, never a host kept above the price cap,
// Σ $/h within the pool's and the fleet's budget, and no 8-character fragment of a secret in the
// CLI output, the sweep's output, or the state (backups and history included).
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { describe, test } from "node:test";
import { runBurstSweep } from "../../cli/burst-sweep";
import type { CliIo } from "../../cli/io";
import { burstCaps } from "../../core/burst/headroom";
import { MIN_SECRET_FRAGMENT } from "../../components/burst/vast-client";
import { type FakeVast, sampleOffers, startFakeVast } from "../support/fake-vast";
import { stackFleet } from "../support/stacks";
import { SECRETS, type Scratch, TIMING, hasPulumi, setUp, stateText, vastResources } from "../support/vast-scratch";

const caps = burstCaps(stackFleet("homelab"), "reason-burst");

/** Everything the operator and the state saw. */
const transcript: string[] = [];

/** `fabric burst sweep` on the scratch project, always against the fake (never the default API root). */
async function sweep(fake: FakeVast, project: Scratch, yes: boolean): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const io: CliIo = { out: (t) => lines.push(t), err: (t) => lines.push(t), readFile: (p) => readFileSync(p, "utf8"), writeFile: () => undefined };
  const code = await runBurstSweep(["--stack", "test", "--cwd", project.dir, "--api-url", fake.url, ...(yes ? ["--yes"] : [])], io, { pulumi: project.pulumi, env: {} });
  const text = lines.join("\n");
  transcript.push(text);
  return { code, text };
}

async function pulumi(project: Scratch, ...args: string[]) {
  const result = await project.run([...args, "--stack", "test"]);
  transcript.push(result.output);
  return result;
}

/** The invariants every scenario ends on. */
async function assertInvariants(fake: FakeVast, project: Scratch): Promise<void> {
  assert.ok(fake.maxAlive <= caps.maxHosts, `${fake.maxAlive} alive at once against maxHosts ${caps.maxHosts}`);
  assert.ok(fake.maxDollarsPerHour <= Math.min(caps.poolBudgetPerHour, caps.fleetBudgetPerHour) + 1e-9, `Σ $${fake.maxDollarsPerHour}/h`);
  const texts = [...transcript, stateText(project.state)];
  for (const secret of SECRETS) {
    for (let i = 0; i + MIN_SECRET_FRAGMENT <= secret.length; i++) {
      const fragment = secret.slice(i, i + MIN_SECRET_FRAGMENT);
      const where = texts.findIndex((text) => text.includes(fragment));
      const context = where < 0 ? "" : texts[where]!.slice(Math.max(0, texts[where]!.indexOf(fragment) - 120), texts[where]!.indexOf(fragment)).replace(/\s+/g, " ");
      assert.ok(where < 0, `characters ${i}-${i + MIN_SECRET_FRAGMENT} of ${secret.slice(0, 4)}… appear in ${where === texts.length - 1 ? "the state" : `output ${where}`}, after: ${context}`);
    }
  }
}

async function scenario(t: { skip: (m: string) => void }, desired: number, run: (fake: FakeVast, project: Scratch) => Promise<void>, timing: Record<string, unknown> = TIMING): Promise<void> {
  if (!hasPulumi) {
    console.log("SKIPPED: `pulumi` is not on PATH (source scripts/setup-pulumi.sh)");
    t.skip("SKIPPED: pulumi is not on PATH");
    return;
  }
  transcript.length = 0;
  const fake = await startFakeVast({ apiKey: SECRETS[0]!, offers: sampleOffers(), pollsToRunning: 3 });
  const project = await setUp(fake, timing, desired);
  try {
    await run(fake, project);
    await assertInvariants(fake, project);
  } finally {
    await fake.close();
    rmSync(project.dir, { recursive: true, force: true });
  }
}

const until = async (what: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.ok(what(), `not within ${ms} ms`);
};

describe("issue 11 under the real pulumi engine", () => {
  test("a lost rent while the list answers 5xx: up fails keeping the label; sweep sees the late host; refresh adopts it; the next up replaces it deleting first; destroy leaves nothing", async (t) => {
    await scenario(t, 1, async (fake, project) => {
      fake.lateCreationNext(1, 300, "502", () => fake.serverErrorNext(TIMING.retry.maxAttempts, { method: "GET", path: "/instances/" }));
      const up = await pulumi(project, "up", "--yes");
      assert.notEqual(up.status, 0, up.output);
      assert.match(up.output, /the state records that label/);
      assert.deepEqual((await vastResources(project)).map((r) => r.id), ["label:fabric-test-reason-burst-1"], "the state keeps the label");
      await until(() => fake.instances().length === 1, 3_000);
      const late = fake.instances()[0]!;

      const dry = await sweep(fake, project, false);
      assert.equal(dry.code, 1, dry.text);
      assert.match(dry.text, new RegExp(`orphan    ${late.id} fabric-test-reason-burst-1`));

      const refresh = await pulumi(project, "refresh", "--yes");
      assert.equal(refresh.status, 0, refresh.output);
      assert.deepEqual((await vastResources(project)).map((r) => r.id), [String(late.id)], "refresh adopts the instance carrying the label");
      const owned = await sweep(fake, project, false);
      assert.equal(owned.code, 0, owned.text);
      assert.match(owned.text, new RegExp(`owned     ${late.id} fabric-test-reason-burst-1`));

      const again = await pulumi(project, "up", "--yes");
      assert.equal(again.status, 0, again.output);
      assert.ok(!fake.instances().some((i) => i.id === late.id), "the replacement (its launch is unknown) deleted the adopted host first");
      assert.equal(fake.instances().length, 1);
      assert.deepEqual((await vastResources(project)).map((r) => r.id), [String(fake.instances()[0]?.id)]);
      assert.equal(fake.maxAlive, 1, "deleted before renting: never two for one slot");

      assert.equal((await pulumi(project, "destroy", "--yes")).status, 0);
      assert.deepEqual(fake.instances(), []);
      assert.equal((await sweep(fake, project, false)).code, 0);
    });
  });

  test("a rent created later than every look (and a 429 with Retry-After): up succeeds, the late host is an orphan, one sweep --yes removes it", async (t) => {
    await scenario(t, 1, async (fake, project) => {
      fake.lateCreationNext(1, 2_500, "502");
      fake.rateLimitNext(1, { method: "POST" }, 1);
      const up = await pulumi(project, "up", "--yes");
      assert.equal(up.status, 0, up.output);
      const [limited, retried] = fake.callsTo({ method: "POST" });
      assert.ok(limited?.status === 429 && retried!.at - limited.at >= 990, "Retry-After honoured");
      await until(() => fake.instances().length === 2, 5_000);
      const [owned] = (await vastResources(project)).map((r) => Number(r.id));
      assert.equal((await sweep(fake, project, false)).code, 1);
      const swept = await sweep(fake, project, true);
      assert.equal(swept.code, 0, swept.text);
      assert.deepEqual(fake.instances().map((i) => i.id), [owned], "only the host the state owns is left");
      assert.equal((await pulumi(project, "destroy", "--yes")).status, 0);
      assert.deepEqual(fake.instances(), []);
    });
  });

  test("two hosts, the list lagging longer than every look, one rent lost: the shared rent ledger keeps it at maxHosts; destroy and the sweep leave nothing", async (t) => {
    await scenario(t, 2, async (fake, project) => {
      fake.lagList(1_000);
      fake.lateCreationNext(1, 30, "502");
      const up = await pulumi(project, "up", "--yes");
      assert.notEqual(up.status, 0, up.output);
      assert.match(up.output, /already has 2 live host\(s\) against maxHosts 2/);
      await until(() => fake.instances().length === 2, 3_000);
      assert.equal(fake.maxAlive, 2, "the lost rent and the sibling's host, never a third");
      fake.lagList(0);
      assert.equal((await pulumi(project, "destroy", "--yes")).status, 0);
      assert.deepEqual(fake.instances(), [], "destroy removes the owned host by id and the lost rent by label");
      assert.equal((await sweep(fake, project, false)).code, 0);
    }, { ...TIMING, lostRentLooks: 2 });
  });

  test("two hosts under a lagging list, a late rent, a repriced offer and an error echoing the key near the cut", async (t) => {
    await scenario(t, 2, async (fake, project) => {
      fake.lagList(2);
      fake.lateCreationNext(1, 20, "502");
      fake.reprice(1001, 0.95);
      fake.serverErrorNext(2, { method: "GET", path: "/instances/" }, "near-cut");
      const up = await pulumi(project, "up", "--yes");
      assert.equal(up.status, 0, up.output);
      const owned = (await vastResources(project)).map((r) => Number(r.id)).sort();
      assert.deepEqual(fake.instances().map((i) => i.id).sort(), owned, "exactly the hosts the state owns");
      assert.equal(owned.length, 2);
      assert.ok(fake.instances().every((i) => i.pricePerHour <= caps.maxPricePerHour), "no host kept above the price cap");
      assert.ok(fake.callsTo({ method: "PUT", path: "/asks/1001/" }).length >= 1, "the repriced offer was tried (and its host destroyed)");
      assert.ok(fake.calls.filter((c) => c.status === 502).length >= 3, "the late rent and the echoing list errors happened");
      assert.equal((await pulumi(project, "destroy", "--yes")).status, 0);
      assert.deepEqual(fake.instances(), []);
      assert.equal((await sweep(fake, project, true)).code, 0);
    });
  });
});
