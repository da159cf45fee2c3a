// The SLO gate under mocks: the local-test fleet (two replicas, one per wave) with an SLO on its
// recipe gets one gate per wave, benching that wave's engine directly, and the next wave waits for
// it (through the settle); without an SLO there is no gate; the SLO is not part of the recipe hash.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { before, describe, test } from "node:test";
import { parseDocument } from "yaml";
import { fakeSecretsFor, planOf, projectRoot, runProgram } from "../support/program";
import { installMocks, type RecordedResource, type ResourceRecorder } from "../support/pulumi-mocks";

const FLEET = "stacks/local-test.fleet.yaml";

function withSlo(slo: unknown): string {
  const doc = parseDocument(readFileSync(resolve(projectRoot, FLEET), "utf8"));
  doc.setIn(["recipes", "tiny-chat", "slo"], slo);
  const path = join(mkdtempSync(join(tmpdir(), "fabric-slo-")), "local-test.fleet.yaml");
  writeFileSync(path, doc.toString());
  return path;
}

describe("SloGate in the rollout", () => {
  let recorder: ResourceRecorder;
  before(async () => { recorder = await installMocks("local-test"); });

  async function deploy(path: string): Promise<Map<string, RecordedResource>> {
    recorder.reset();
    await runProgram(path, fakeSecretsFor(FLEET));
    return new Map(recorder.resources.map((r) => [r.name, r]));
  }

  test("one gate per wave, after its engine; the next wave's engine waits for the gate", async () => {
    const path = withSlo({ ttftP95Ms: 500, atConcurrency: 2, profile: { requests: 4 } });
    const resources = await deploy(path);
    const gates = [...resources.values()].filter((r) => /-slo$/.test(r.name)).map((r) => r.name).sort();
    assert.deepEqual(gates, ["fabric-wave-1-slo", "fabric-wave-2-slo"]);
    const gate1 = resources.get("fabric-wave-1-slo")!;
    const engines = gate1.inputs.engines as { deployment: string; url: string; model: string; slo: { ttftP95Ms: number; atConcurrency: number; maxErrorRate: number; profile: { requests: number } } }[];
    assert.deepEqual(engines.map((e) => [e.deployment, e.url, e.model]), [["tiny-1", "http://127.0.0.1:8081/v1", "tiny"]]);
    assert.deepEqual([engines[0]!.slo.ttftP95Ms, engines[0]!.slo.atConcurrency, engines[0]!.slo.maxErrorRate, engines[0]!.slo.profile.requests], [500, 2, 0, 4]);
    assert.ok(gate1.dependencies.includes("fabric-engine-tiny-1-container"), `gate after its engine: ${gate1.dependencies.join(", ")}`);
    assert.ok(resources.get("fabric-wave-1-settled")!.dependencies.includes("fabric-wave-1-slo"), "the settle waits for the gate");
    const sync2 = resources.get("fabric-engine-tiny-2-sync")!;
    assert.ok(sync2.dependencies.includes("fabric-wave-1-settled"), `wave 2 waits: ${sync2.dependencies.join(", ")}`);
    assert.deepEqual(planOf(path).engines.map((e) => e.recipeHash), planOf(FLEET).engines.map((e) => e.recipeHash), "an SLO does not change the recipe hash");
  });

  test("no SLO: no gate", async () => {
    const resources = await deploy(resolve(projectRoot, FLEET));
    assert.deepEqual([...resources.keys()].filter((n) => /-slo$/.test(n)), []);
  });
});
