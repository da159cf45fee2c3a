// A fleet with violations fails the Pulumi program with the same lines `fabric check` prints, and
// before any resource is registered.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { runCheck } from "../../cli/check";
import { validFleet } from "../support/fleets";
import { runProgram } from "../support/program";
import { installMocks, type ResourceRecorder } from "../support/pulumi-mocks";

let recorder: ResourceRecorder;
let dir: string;

before(async () => {
  recorder = await installMocks("violations");
  dir = mkdtempSync(join(tmpdir(), "fabric-violations-"));
});

/** Writes a fleet file and returns its path and what `fabric check` prints for it. */
function fleetFile(name: string, fleet: unknown): { path: string; checkLines: string[] } {
  const path = join(dir, name);
  writeFileSync(path, typeof fleet === "string" ? fleet : stringify(fleet));
  const lines: string[] = [];
  runCheck([path], { out: (t) => lines.push(t), err: (t) => lines.push(t), readFile: (p) => readFileSync(p, "utf8"), writeFile: () => undefined });
  return { path, checkLines: lines.flatMap((l) => l.split("\n")).filter((l) => l.includes("] ")) };
}

async function programError(path: string): Promise<Error> {
  recorder.reset();
  try {
    await runProgram(path, {});
  } catch (e) {
    assert.deepEqual(recorder.resources.map((r) => r.name), [], "nothing is registered");
    return e as Error;
  }
  assert.fail("the program should have failed");
}

test("a policy violation fails the program with fabric check's message", async () => {
  const fleet = validFleet();
  fleet.deployments[1].recipe = "qwen-32b-typo";
  const { path, checkLines } = fleetFile("bad-reference.yaml", fleet);
  assert.ok(checkLines.length > 0, "fabric check reports the violation");
  const err = await programError(path);
  assert.ok(err instanceof pulumi.RunError, "a RunError: Pulumi prints the message without a stack trace");
  for (const line of checkLines) assert.ok(err.message.includes(line), `the error has '${line}'\n---\n${err.message}`);
  assert.match(err.message, /deployments\[1\]\.recipe/);
});

test("a schema error fails the program with the path and line", async () => {
  const fleet = validFleet();
  fleet.recipes["llama-8b"].maxModelLenn = 8192;
  const { path, checkLines } = fleetFile("bad-schema.yaml", fleet);
  const err = await programError(path);
  assert.ok(checkLines.length > 0);
  for (const line of checkLines) assert.ok(err.message.includes(line), `the error has '${line}'\n---\n${err.message}`);
  assert.match(err.message, /recipes\.llama-8b\.maxModelLenn: unknown field 'maxModelLenn'/);
});

test("a missing fleet file names the path", async () => {
  const err = await programError(join(dir, "nope.yaml"));
  assert.match(err.message, /cannot read .*nope\.yaml: no such file/);
});

test("a valid fleet passes (the same fixture without the error)", async () => {
  const { path } = fleetFile("valid.yaml", validFleet());
  recorder.reset();
  await runProgram(path, { litellmMasterKey: "sk-fake-master", deepseekApiKey: "sk-fake-deepseek" });
  assert.ok(recorder.resources.some((r) => r.name === "fabric-gateway-container"));
});
