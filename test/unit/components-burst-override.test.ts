// The program reads the host counts `fabric autoscale` writes (stack config fabric:burstDesired)
// instead of the fleet's `desired`, and refuses a count beyond the pool's caps naming the key.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { fakeSecretsFor, runProgram } from "../support/program";
import { type ResourceRecorder, installMocks } from "../support/pulumi-mocks";

const FLEET = "stacks/homelab.fleet.yaml";
const INSTANCE = "pulumi-nodejs:dynamic/vast:Instance";

describe("the program honours fabric:burstDesired", () => {
  let recorder: ResourceRecorder;
  before(async () => { recorder = await installMocks("homelab"); });

  test("the override rents the pool's hosts the fleet file does not ask for (desired: 0 there)", async () => {
    recorder.reset();
    await runProgram(FLEET, fakeSecretsFor(FLEET), { "fabric:burstDesired": JSON.stringify({ "reason-burst": 2 }) });
    assert.deepEqual(recorder.ofType(INSTANCE).map((r) => r.name).sort(), ["burst-reason-burst-host-1", "burst-reason-burst-host-2"]);
    assert.deepEqual(recorder.ofType("fabric:burst:BurstPool").map((r) => r.name), ["burst-reason-burst"]);
  });

  test("a count above the pool's caps fails the program, naming the key", async () => {
    recorder.reset();
    await assert.rejects(async () => runProgram(FLEET, fakeSecretsFor(FLEET), { "fabric:burstDesired": JSON.stringify({ "reason-burst": 3 }) }),
      /stack config fabric:burstDesired: pool reason-burst wants 3 hosts but may run 0…2/);
    assert.deepEqual(recorder.ofType(INSTANCE), []);
  });
});
