// `fabric burst sweep` against the fake Vast API, with the pulumi CLI replaced by canned
// `stack export` / `config` answers (the engine tier runs it against a real pulumi state).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { runBurstSweep } from "../../cli/burst-sweep";
import type { CliIo } from "../../cli/io";
import { VAST_INSTANCE_TYPE } from "../../cli/stack-burst-state";
import { type FakeVast, sampleOffers, startFakeVast } from "../support/fake-vast";
import { repoRoot } from "../support/stacks";

const KEY = "vast-sweep-key-5c1a9e7f3b2d4860";
const FLEET = readFileSync(join(repoRoot, "stacks", "homelab.fleet.yaml"), "utf8");
let fake: FakeVast;

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), readFile: () => FLEET, writeFile: () => undefined };
}

/** A pulumi CLI whose stack `test` state owns `owned` and whose config holds the fleet path and the key. */
function pulumiWith(owned: readonly number[], config: Record<string, { value: string }> = { "fabric:fleet": { value: "fleet.yaml" }, "fabric:vastApiKey": { value: KEY } }) {
  const calls: string[] = [];
  const run = async (args: readonly string[]) => {
    calls.push(args.join(" "));
    if (args[0] === "stack" && args[1] === "export") {
      const resources = owned.map((id) => ({ type: VAST_INSTANCE_TYPE, id: String(id), outputs: { pool: "reason-burst", baseUrl: fake.url, apiKey: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(KEY) } } }));
      return { status: 0, stdout: JSON.stringify({ version: 3, deployment: { resources } }), stderr: "" };
    }
    if (args[0] === "config") return { status: 0, stdout: JSON.stringify(config), stderr: "" };
    return { status: 1, stdout: "", stderr: "unexpected" };
  };
  return { run, calls };
}

describe("fabric burst sweep", () => {
  beforeEach(async () => { fake = await startFakeVast({ apiKey: KEY, offers: sampleOffers() }); });
  afterEach(async () => fake.close());

  test("dry run lists the stack's orphans (exit 1) and touches nothing; --yes destroys them (exit 0); again: nothing to sweep", async () => {
    const owned = fake.plant("fabric-test-reason-burst-1");
    const orphan = fake.plant("fabric-test-reason-burst-2");
    const otherStack = fake.plant("fabric-test-b-reason-burst-1");
    const foreign = fake.plant("my-notebook");
    const pulumi = pulumiWith([owned]);
    const dry = io();
    assert.equal(await runBurstSweep(["--stack", "test", "--api-url", fake.url], dry, { pulumi: pulumi.run, env: {} }), 1);
    assert.match(dry.stdout.join("\n"), new RegExp(`4 instance\\(s\\) at Vast; 1 owned by the state, 1 orphaned, 2 not the stack's[\\s\\S]*orphan    ${orphan} fabric-test-reason-burst-2[\\s\\S]*--yes`));
    assert.equal(fake.callsTo({ method: "DELETE" }).length, 0);
    assert.ok(pulumi.calls.some((c) => c.startsWith("stack export --stack test --show-secrets")));

    const act = io();
    assert.equal(await runBurstSweep(["--stack", "test", "--yes"], act, { pulumi: pulumi.run, env: {} }), 0, act.stdout.join("\n") + act.stderr.join("\n"));
    assert.match(act.stdout.join("\n"), new RegExp(`destroyed ${orphan} fabric-test-reason-burst-2`));
    assert.deepEqual(fake.instances().map((i) => i.id).sort(), [owned, otherStack, foreign].sort());

    const again = io();
    assert.equal(await runBurstSweep(["--stack", "test"], again, { pulumi: pulumi.run, env: {} }), 0);
    assert.match(again.stdout.join("\n"), /nothing to sweep/);
    assert.ok(![...dry.stdout, ...act.stdout, ...again.stdout, ...dry.stderr].join("\n").includes(KEY.slice(0, 8)));
  });

  test("the list answering 5xx: exit 2, bounded, the key never printed", { timeout: 60_000 }, async () => {
    fake.plant("fabric-test-reason-burst-2");
    fake.serverErrorNext(1_000, { method: "GET", path: "/instances/" }, true);
    const out = io();
    const started = Date.now();
    const retry = { maxAttempts: 4, initialMinMs: 5, initialMaxMs: 10, maxTotalMs: 5_000 };
    assert.equal(await runBurstSweep(["--stack", "test"], out, { pulumi: pulumiWith([]).run, env: { VAST_API_URL: fake.url }, retry }), 2);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(fake.callsTo({ method: "GET", path: "/instances/" }).length, 4);
    assert.match(out.stderr.join("\n"), /cannot list Vast instances: .*HTTP 502/);
    assert.ok(!out.stderr.join("\n").includes(KEY.slice(4, 12)));
    assert.equal(fake.instances().length, 1, "nothing destroyed blind");
  });

  test("usage errors and stacks without burst pools", async () => {
    assert.equal(await runBurstSweep([], io(), { pulumi: pulumiWith([]).run, env: {} }), 2);
    const noBurst = io();
    const pulumi = pulumiWith([], {});
    assert.equal(await runBurstSweep(["--stack", "local"], noBurst, { pulumi: pulumi.run, env: {} }), 0);
    assert.match(noBurst.stdout.join("\n"), /no burst pools/);
    const unreadable = io();
    assert.equal(await runBurstSweep(["--stack", "gone"], unreadable, { pulumi: async () => ({ status: 255, stdout: "", stderr: "error: no stack named 'gone' found" }), env: {} }), 2);
    assert.match(unreadable.stderr.join("\n"), /cannot read stack gone: .*no stack named 'gone' found/);
  });
});
