// Rolling one recipe: the homelab fleet is deployed under mocks, then again with one recipe field
// changed. The engines running that recipe get a new container name (a replacement); every other
// resource keeps its inputs, compared per resource name, the gateway included: its config carries
// no engine context window, so even a maxModelLen change leaves it running.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { before, describe, test } from "node:test";
import { parseDocument } from "yaml";
import type { Plan } from "../../core/plan/types";
import { fakeSecretsFor, planOf, projectRoot, runProgram } from "../support/program";
import { installMocks, type RecordedResource, type ResourceRecorder, unwrapSecrets } from "../support/pulumi-mocks";

const FLEET = "stacks/homelab.fleet.yaml";
const RECIPE = "reasoner-27b-nvfp4";

type Run = Map<string, RecordedResource>;
let recorder: ResourceRecorder;
let secrets: Record<string, string>;
let base: Run;
let basePlan: Plan;

before(async () => {
  recorder = await installMocks("homelab");
  secrets = fakeSecretsFor(FLEET);
  basePlan = planOf(FLEET);
  base = await deploy(FLEET);
});

async function deploy(path: string): Promise<Run> {
  recorder.reset();
  await runProgram(path, secrets);
  return new Map(recorder.resources.map((r) => [r.name, r]));
}

/** The homelab fleet with one field of the recipe changed, written to a temp file. */
function withRecipeField(field: string, value: unknown): string {
  const doc = parseDocument(readFileSync(resolve(projectRoot, FLEET), "utf8"));
  doc.setIn(["recipes", RECIPE, field], value);
  const path = join(mkdtempSync(join(tmpdir(), "fabric-recipe-")), "homelab.fleet.yaml");
  writeFileSync(path, doc.toString());
  return path;
}

const comparable = (r: RecordedResource | undefined) => JSON.stringify(unwrapSecrets(r?.inputs));
const changedNames = (a: Run, b: Run) => [...a.keys()].filter((n) => comparable(a.get(n)) !== comparable(b.get(n)));
const affected = () => basePlan.engines.filter((e) => e.recipe.split("+").includes(RECIPE)).map((e) => e.deployment);
/** The rolled engine's container and its model sync (both named after the recipe hash). */
const engineResources = () => new Set(affected().flatMap((d) => [`fabric-engine-${d}-container`, `fabric-engine-${d}-sync`]));

function assertReplaced(after: Run, afterPlan: Plan): void {
  assert.deepEqual(affected(), ["reasoner"]);
  assert.deepEqual([...after.keys()].sort(), [...base.keys()].sort(), "the same resources exist");
  for (const d of affected()) {
    const name = `fabric-engine-${d}-container`;
    const hash = afterPlan.engines.find((e) => e.deployment === d)?.recipeHash ?? "?";
    assert.notEqual(hash, basePlan.engines.find((e) => e.deployment === d)?.recipeHash);
    assert.notEqual(after.get(name)?.inputs.name, base.get(name)?.inputs.name, `${d} gets a new container name`);
    assert.ok(String(after.get(name)?.inputs.name).includes(hash.slice(0, 8)));
  }
}

describe("maxModelLen 131072 → 65536 (the served context window changes)", () => {
  let after: Run;
  let afterPlan: Plan;
  before(async () => {
    const path = withRecipeField("maxModelLen", 65536);
    afterPlan = planOf(path);
    after = await deploy(path);
  });

  test("the engines using the recipe are replaced with the new flag", () => {
    assert.deepEqual(afterPlan.violations.filter((v) => v.severity === "error"), []);
    assertReplaced(after, afterPlan);
    assert.ok((after.get("fabric-engine-reasoner-container")?.inputs.command as string[]).includes("65536"));
  });

  test("no other resource changes, not even the gateway", () => {
    const others = changedNames(base, after).filter((n) => !engineResources().has(n));
    assert.deepEqual(others, []);
    assert.doesNotMatch(afterPlan.gateway?.configYaml ?? "", /65536/);
  });
});

describe("gpuMemoryUtilization 0.55 → 0.5 (invisible to clients)", () => {
  let after: Run;
  let afterPlan: Plan;
  before(async () => {
    const path = withRecipeField("gpuMemoryUtilization", 0.5);
    afterPlan = planOf(path);
    after = await deploy(path);
  });

  test("the engines using the recipe are replaced with the new flag", () => {
    assertReplaced(after, afterPlan);
    const command = after.get("fabric-engine-reasoner-container")?.inputs.command as string[];
    assert.equal(command[command.indexOf("--gpu-memory-utilization") + 1], "0.5");
  });

  test("no other resource's inputs change: gateway, monitoring, store, hosts, other engines", () => {
    const changed = changedNames(base, after);
    assert.deepEqual(changed.filter((n) => !engineResources().has(n)), []);
    for (const stable of ["fabric-gateway-container", "fabric-monitoring-prometheus", "fabric-monitoring-config-writer", "fabric-monitoring-reload",
      "fabric-store-minio", "fabric-store-setup", "fabric-engine-orchestrator-container", "fabric-engine-swap-container"]) {
      assert.ok(base.has(stable), stable);
      assert.ok(!changed.includes(stable), `${stable} keeps its inputs`);
    }
  });
});
