import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fleetFile, runCli } from "../support/cli";
import { validFleet } from "../support/fleets";
import { repoRoot } from "../support/stacks";

const homelab = join(repoRoot, "stacks", "homelab.fleet.yaml");

test("fabric plan --json has the documented shape", () => {
  const run = runCli(["plan", homelab, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const p = JSON.parse(run.stdout);
  for (const key of ["engines", "gateway", "monitoring", "mesh", "burst", "store", "waves", "violations", "machines"]) assert.ok(key in p, key);
  for (const e of p.engines) {
    for (const key of ["deployment", "machine", "engine", "image", "platform", "argv", "port", "memory"]) assert.ok(key in e, `${e.deployment}.${key}`);
    for (const key of ["totalGiB", "budgetGiB", "weightsGiB", "kvPoolGiB", "kvBytesPerToken", "kvCacheTokens", "maxConcurrency", "fits"]) {
      assert.ok(key in e.memory, `${e.deployment}.memory.${key}`);
    }
  }
});

test("fabric plan prints the same plan twice (deterministic bytes)", () => {
  assert.equal(runCli(["plan", homelab, "--json"]).stdout, runCli(["plan", homelab, "--json"]).stdout);
});

test("fabric plan exits 1 on violations but still prints the plan", () => {
  const f = validFleet();
  f.recipes["llama-8b"].quantization = "nvfp4";
  const run = runCli(["plan", fleetFile(f)]);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /Plan for/);
  assert.match(run.stdout, /\[quantization-supported\]/);
});

test("fabric plan exits 2 on a schema error and prints no plan", () => {
  const run = runCli(["plan", fleetFile("machines: 3\n")]);
  assert.equal(run.code, 2);
  assert.doesNotMatch(run.stdout, /Plan for/);
  assert.match(run.stderr, /\[schema\] machines: expected array/);
});

test("fabric with no or an unknown command shows help and exits 2", () => {
  assert.equal(runCli([]).code, 2);
  const run = runCli(["deploy"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown command 'deploy'/);
});
