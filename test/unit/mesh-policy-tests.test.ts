import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { appliedPolicyTestsHold, failingPolicyTests, grantAllows, ownPolicyTestsHold, planDevices, splitTarget } from "../../core/checks/mesh-policy-tests";
import { parseFleet } from "../../core/fleet/load";
import { plan } from "../../core/plan/plan";
import type { PolicyGrant } from "../../core/render/tailscale-policy";
import { runCli } from "../support/cli";
import { repoRoot, stackFleet } from "../support/stacks";

const MESH_FLEET = join(repoRoot, "test", "fixtures", "mesh.fleet.yaml");
const EMBEDDINGS_ON_GPU = "{name: embeddings, recipe: embed-nomic, machine: gpu, port: 8209}";
const EMBEDDINGS_ON_GW = "{name: embeddings, recipe: embed-nomic, machine: gw, port: 8209}";

function meshOf(text: string) {
  const parsed = parseFleet(text);
  assert.ok(parsed.ok, JSON.stringify(parsed.ok ? [] : parsed.violations));
  const mesh = plan(parsed.fleet).mesh;
  assert.ok(mesh);
  return mesh;
}

const grants: PolicyGrant[] = [
  { src: ["tag:gateway"], dst: ["tag:machine-gpu"], ip: ["tcp:8199"] },
  { src: ["tag:engine"], dst: ["tag:machine-store"], ip: ["tcp:9000"] },
];
const gw = { name: "gw", selectors: ["tag:gateway", "tag:machine-gw"] };
const gpu = { name: "gpu", selectors: ["tag:engine", "tag:machine-gpu"] };
const store = { name: "store", selectors: ["tag:store", "tag:machine-store"] };

describe("tailnet policy tests, evaluated offline", () => {
  test("grantAllows needs a matching source, destination and TCP port", () => {
    assert.equal(grantAllows(grants, gw, gpu, 8199), true);
    assert.equal(grantAllows(grants, gw, gpu, 8200), false);
    assert.equal(grantAllows(grants, gpu, gw, 8199), false);
    assert.equal(grantAllows(grants, gw, store, 9000), false);
    assert.equal(grantAllows(grants, gpu, store, 9000), true);
  });

  test("splitTarget reads <selector>:<port> and refuses anything else", () => {
    assert.deepEqual(splitTarget("tag:machine-gw:4000"), { selector: "tag:machine-gw", port: 4000 });
    assert.equal(splitTarget("tag:gw"), null);
    assert.equal(splitTarget("tag:gw:70000"), null);
    assert.equal(splitTarget(":80"), null);
  });

  test("a test holds for a device with only the tag and for every device carrying it", () => {
    const tests = [{ src: "tag:gateway", proto: "tcp" as const, accept: ["tag:machine-gpu:8199"], deny: ["tag:machine-store:9000"] }];
    assert.deepEqual(failingPolicyTests({ grants, tests }, [gw, gpu, store]), []);
    // The gateway machine also runs an engine: it now reaches the store, so the deny fails for it.
    const gwWithEngine = { name: "gw", selectors: [...gw.selectors, "tag:engine"] };
    assert.deepEqual(failingPolicyTests({ grants, tests }, [gwWithEngine, gpu, store]), [
      { src: "tag:gateway", target: "tag:machine-store:9000", expected: "deny", offenders: ["gw → store"] },
    ]);
    // A grant removed: the accept fails for the tag itself and for the gateway machine.
    const failures = failingPolicyTests({ grants: grants.slice(1), tests }, [gw, gpu, store]);
    assert.deepEqual(failures.map((f) => [f.target, f.expected, f.offenders]), [["tag:machine-gpu:8199", "accept", ["tag:gateway → gpu", "gw → gpu"]]]);
  });

  test("a malformed test target is a failure, not a pass", () => {
    const failures = failingPolicyTests({ grants, tests: [{ src: "tag:gateway", proto: "tcp", accept: ["tag:machine-gpu"] }] }, [gw, gpu]);
    assert.equal(failures.length, 1);
  });

  test("the generated policy's own tests hold for every stack and the tier's fleet", () => {
    for (const stack of ["homelab", "local", "local-test"]) {
      const mesh = plan(stackFleet(stack)).mesh;
      if (mesh) assert.deepEqual(ownPolicyTestsHold(mesh), [], stack);
    }
    const mesh = meshOf(readFileSync(MESH_FLEET, "utf8"));
    assert.deepEqual(ownPolicyTestsHold(mesh), []);
    assert.deepEqual(planDevices(mesh).map((d) => d.name), ["gw", "gpu", "mon", "store", "ctl", "burst host"]);
  });

  test("moving an engine onto the gateway machine breaks the applied policy's tests", () => {
    const text = readFileSync(MESH_FLEET, "utf8");
    assert.ok(text.includes(EMBEDDINGS_ON_GPU));
    const applied = meshOf(text);
    const changed = meshOf(text.replace(EMBEDDINGS_ON_GPU, EMBEDDINGS_ON_GW));
    assert.deepEqual(appliedPolicyTestsHold(applied.policy as never, applied), []);
    const violations = appliedPolicyTestsHold(applied.policy as never, changed);
    assert.deepEqual(violations.map((v) => v.rule), ["mesh-policy-tests", "mesh-policy-tests"]);
    assert.match(violations.map((v) => v.message).join("\n"), /tag:gateway must not open tag:machine-store:9000, but this fleet's grants open it \(gw → store\)/);
    assert.match(violations.map((v) => v.message).join("\n"), /tag:gateway may open tag:machine-gpu:8209, but this fleet's grants close it/);
    // The changed fleet's own policy drops that promise, which is why its tests alone cannot catch it.
    assert.deepEqual(ownPolicyTestsHold(changed), []);
  });

  test("fabric check --against refuses the change, names the rule and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "fabric-against-"));
    assert.equal(runCli(["plan", MESH_FLEET, "--out", join(dir, "applied")]).code, 0);
    const applied = join(dir, "applied", "tailscale-policy.hujson");
    const same = runCli(["check", MESH_FLEET, "--against", applied]);
    assert.equal(same.code, 0, same.stdout);
    const changed = join(dir, "changed.fleet.yaml");
    writeFileSync(changed, readFileSync(MESH_FLEET, "utf8").replace(EMBEDDINGS_ON_GPU, EMBEDDINGS_ON_GW));
    const plain = runCli(["check", changed]);
    assert.equal(plain.code, 0, "without --against the change is a valid fleet");
    const refused = runCli(["check", changed, "--against", applied]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /error \[mesh-policy-tests\] mesh: .*must not open tag:machine-store:9000/);
    const missing = runCli(["check", changed, "--against", join(dir, "nope.hujson")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--against .*nope\.hujson/);
    writeFileSync(join(dir, "bad.hujson"), "{\"tagOwners\": {}}");
    assert.match(runCli(["check", changed, "--against", join(dir, "bad.hujson")]).stderr, /not a tailnet policy/);
  });
});
