// The `vast:Instance` dynamic provider under the REAL pulumi engine (CLI + nodejs language host +
// dynamic-provider plugin), against the fake Vast API this test starts on 127.0.0.1. A scratch
// project in a temp dir imports the real provider code, so Pulumi's function serialization of the
// provider (and the modules it captures) is exercised for real.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { sampleOffers, startFakeVast } from "../support/fake-vast";
import { HF_TOKEN, KEY, MESH_KEY, SECRETS, TIMING, hasPulumi, setUp, stateText, vastResources } from "../support/vast-scratch";

describe("vast:Instance with the real pulumi engine", () => {
  test("up, refresh after an external destroy, up again, replace on a recipe change, destroy; no secret in the state in plain text", async (t) => {
    if (!hasPulumi) {
      console.log("SKIPPED: `pulumi` is not on PATH (source scripts/setup-pulumi.sh)");
      t.skip("SKIPPED: pulumi is not on PATH");
      return;
    }
    const fake = await startFakeVast({ apiKey: KEY, offers: sampleOffers(), pollsToRunning: 3 });
    const project = await setUp(fake, TIMING);
    const outputs: string[] = [];
    try {
      const up = await project.run(["up", "--yes", "--stack", "test"]);
      outputs.push(up.output);
      assert.equal(up.status, 0, up.output);
      const [first] = fake.instances();
      assert.equal(fake.instances().length, 1, "one host rented");
      assert.equal(first?.label, "fabric-test-reason-burst-1");
      assert.deepEqual(first?.body.env, { HF_TOKEN, TS_AUTHKEY: MESH_KEY }, "the instance secrets reach Vast");
      const [resource] = await vastResources(project);
      assert.equal(resource?.id, String(first?.id), "the state knows the rented instance");
      assert.equal(resource?.outputs.actualStatus, "running");
      assert.equal(resource?.outputs.endpoint, "http://reason-burst-1:8000/v1");
      for (const field of ["apiKey", "instanceEnv"]) {
        const secret = resource?.outputs[field] as Record<string, unknown> | undefined;
        assert.ok(secret && typeof secret.ciphertext === "string", `${field} is stored as a secret: ${JSON.stringify(secret)}`);
      }
      const stackOutputs = await project.run(["stack", "output", "endpoints", "--json", "--stack", "test"]);
      assert.deepEqual(JSON.parse(stackOutputs.output.slice(stackOutputs.output.indexOf("["), stackOutputs.output.lastIndexOf("]") + 1)), ["http://reason-burst-1:8000/v1"]);

      fake.destroyExternally(first!.id);
      const refresh = await project.run(["refresh", "--yes", "--stack", "test"]);
      outputs.push(refresh.output);
      assert.equal(refresh.status, 0, refresh.output);
      assert.deepEqual(await vastResources(project), [], "refresh drops the instance destroyed outside Pulumi");

      const again = await project.run(["up", "--yes", "--stack", "test"]);
      outputs.push(again.output);
      assert.equal(again.status, 0, again.output);
      const [second] = fake.instances();
      assert.equal(fake.instances().length, 1);
      assert.notEqual(second?.id, first?.id, "a new host replaces the lost one");
      assert.deepEqual((await vastResources(project)).map((r) => r.id), [String(second?.id)]);

      // A recipe change replaces the host: the old one is destroyed first, then the new one rented
      // (renting first would put maxHosts + 1 hosts on the pool for a while).
      const fleetFile = join(project.dir, "fleet.yaml");
      const changed = readFileSync(fleetFile, "utf8").replace(/(reasoner-27b-burst:[\s\S]*?maxNumSeqs: )16/, "$18");
      assert.notEqual(changed, readFileSync(fleetFile, "utf8"), "the test edits the burst recipe");
      writeFileSync(fleetFile, changed);
      const replace = await project.run(["up", "--yes", "--stack", "test"]);
      outputs.push(replace.output);
      assert.equal(replace.status, 0, replace.output);
      assert.match(replace.output, /1 replaced/);
      const [third] = fake.instances();
      assert.equal(fake.instances().length, 1, "the old host is gone after the replacement");
      assert.ok(third && third.id !== second?.id);
      const deletes = fake.callsTo({ method: "DELETE" }).map((c) => c.path);
      const creates = fake.calls.filter((c) => c.method === "PUT" && c.path.startsWith("/asks/") && c.status === 200);
      assert.deepEqual(deletes, [`/instances/${second?.id}/`]);
      assert.ok(fake.calls.indexOf(creates.at(-1)!) > fake.calls.findIndex((c) => c.method === "DELETE"), "the old host goes first, then the new one is rented");
      assert.equal(fake.maxAlive, 1, "never two hosts for one slot, not even during the replacement");

      const destroy = await project.run(["destroy", "--yes", "--stack", "test"]);
      outputs.push(destroy.output);
      assert.equal(destroy.status, 0, destroy.output);
      assert.deepEqual(fake.instances(), [], "destroy leaves nothing rented");

      const state = stateText(project.state);
      assert.ok(state.includes("ciphertext"), "the state holds encrypted values");
      for (const secret of SECRETS) {
        assert.ok(!state.includes(secret), `${secret.slice(0, 8)}… never appears in plain text in the state, its backups or history`);
        assert.ok(!outputs.join("\n").includes(secret), `${secret.slice(0, 8)}… is not in the CLI output`);
      }
      assert.ok(fake.calls.length > 0 && fake.calls.every((c) => c.authorization === `Bearer ${KEY}`));
    } finally {
      await fake.close();
      rmSync(project.dir, { recursive: true, force: true });
    }
  });

  test("a host that cannot be destroyed is recorded in the state, and `pulumi destroy` deletes it later", async (t) => {
    if (!hasPulumi) {
      console.log("SKIPPED: `pulumi` is not on PATH (source scripts/setup-pulumi.sh)");
      t.skip("SKIPPED: pulumi is not on PATH");
      return;
    }
    const fake = await startFakeVast({ apiKey: KEY, offers: sampleOffers(), pollsToRunning: 3 });
    const project = await setUp(fake, { ...TIMING, readyTimeoutMs: 300 });
    try {
      for (const offer of sampleOffers()) {
        fake.stuckLoading(offer.id);
        fake.failDestroy(offer.id);
      }
      const up = await project.run(["up", "--yes", "--stack", "test"]);
      assert.notEqual(up.status, 0, up.output);
      assert.match(up.output, /destroying it failed/);
      assert.equal(fake.instances().length, 1, "create stopped at the first host it could not destroy");
      const [stuck] = fake.instances();
      assert.deepEqual((await vastResources(project)).map((r) => r.id), [String(stuck?.id)], "the state knows the stuck host");

      for (const offer of sampleOffers()) fake.healDestroy(offer.id);
      const destroy = await project.run(["destroy", "--yes", "--stack", "test"]);
      assert.equal(destroy.status, 0, destroy.output);
      assert.deepEqual(fake.instances(), []);
      for (const secret of SECRETS) assert.ok(!stateText(project.state).includes(secret));
    } finally {
      await fake.close();
      rmSync(project.dir, { recursive: true, force: true });
    }
  });
});
