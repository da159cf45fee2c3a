// The autoscale controller container under Pulumi mocks: the program deploys it on the machine the
// fleet names, scaling the stack it runs in (`--stack`), in the host's pid namespace and network,
// with the passphrase as a secret, after the gateway and Prometheus, replaced stop-first.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { before, describe, test } from "node:test";
import YAML from "yaml";
import { tinyBurstPoolYaml } from "../support/autoscale-pool";
import { fakeSecretsFor, projectRoot, runProgram } from "../support/program";
import { installMocks, type ResourceRecorder, walkStrings } from "../support/pulumi-mocks";

function fleetWithController(): string {
  const base = readFileSync(resolve(projectRoot, "stacks/local-test.fleet.yaml"), "utf8");
  const doc = YAML.parse(base) as Record<string, any>;
  doc.burst = YAML.parse(tinyBurstPoolYaml()).burst;
  doc.burst.autoscaler = { machine: "local", port: 9464, projectDir: "/srv/inference-fabric", backendUrl: "file:///srv/fabric-state", passphrase: { secret: "pulumiPassphrase" } };
  doc.images.autoscaler = "fabric-test/autoscaler:node24.21.0-pulumi3.259.0";
  const path = join(mkdtempSync(join(tmpdir(), "fabric-autoscaler-")), "local-test.fleet.yaml");
  writeFileSync(path, YAML.stringify(doc));
  return path;
}

describe("Autoscaler under Pulumi mocks", () => {
  let recorder: ResourceRecorder;
  before(async () => { recorder = await installMocks("local-test"); });

  test("the controller container scales this stack, host pids and network, passphrase secret, after the gateway and Prometheus", async () => {
    const path = fleetWithController();
    const secrets = fakeSecretsFor(path);
    assert.ok("pulumiPassphrase" in secrets, "the program reads the passphrase from stack config");
    recorder.reset();
    await runProgram(path, secrets);
    const c = recorder.byName("fabric-autoscaler-container");
    const command = c.inputs.command as string[];
    assert.deepEqual(command.slice(-2), ["--stack", "local-test"]);
    assert.equal(c.inputs.pidMode, "host");
    assert.equal(c.inputs.networkMode, "host");
    assert.equal(c.deleteBeforeReplace, true, "two controllers never run at once");
    assert.ok(c.dependencies.includes("fabric-gateway-container") && c.dependencies.some((d) => d.startsWith("fabric-monitoring")), c.dependencies.join(", "));
    const envs = c.wireInputs.envs;
    let passphraseInSecret = false;
    walkStrings(envs, (s, inSecret) => {
      if (s.includes(secrets.pulumiPassphrase!)) {
        assert.ok(inSecret, "the passphrase only inside a secret");
        passphraseInSecret = true;
      }
    });
    assert.ok(passphraseInSecret, "the passphrase reaches the container as secret env");
  });
});
