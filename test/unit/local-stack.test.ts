import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import YAML from "yaml";
import { plan } from "../../core/plan/plan";
import { storeModel } from "../../scripts/local-stack/store-model";
import { storeRoots, targetClosure } from "../../scripts/local-stack/targets";
import { repoRoot, stackFleet } from "../support/stacks";

describe("scripts/main's local stacks", () => {
  test("Pulumi.local-test.yaml is Pulumi.local.yaml with the local-test fleet: same secrets, same salt", () => {
    const read = (stack: string) => YAML.parse(readFileSync(join(repoRoot, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown>; encryptionsalt: string };
    const local = read("local");
    const test = read("local-test");
    assert.equal(test.config["fabric:fleet"], "stacks/local-test.fleet.yaml");
    assert.equal(test.encryptionsalt, local.encryptionsalt);
    assert.deepEqual({ ...test.config, "fabric:fleet": null }, { ...local.config, "fabric:fleet": null });
  });

  test("the model both replicas sync is one store object named after the recipe's model and file", () => {
    assert.deepEqual(storeModel(plan(stackFleet("local"))), {
      object: "models/Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf",
      endpoint: "http://127.0.0.1:9000",
      mcImage: plan(stackFleet("local")).engines[0]!.modelSync!.container.image,
    });
    assert.equal(storeModel(plan(stackFleet("local-test"))).object, "models/fabric-test/tiny-llama/tiny-llama.gguf");
  });

  test("a fleet whose engines do not all load from the store is refused, naming the engine", () => {
    const fleet = stackFleet("homelab");
    assert.throws(() => storeModel(plan(fleet)), /does not sync its model from the store|different store objects/);
    assert.throws(() => storeModel(plan({ ...fleet, storage: undefined })), /has no storage/);
  });

  test("a store-only up targets the store's containers and what they need, never engines or the gateway", () => {
    const urn = (type: string, name: string) => `urn:pulumi:local::inference-fabric::${type}::${name}`;
    const minio = urn("fabric:index:InferenceFabric$fabric:store:ModelStore$docker:index/container:Container", "fabric-store-minio");
    const setup = urn("fabric:index:InferenceFabric$fabric:store:ModelStore$docker:index/container:Container", "fabric-store-setup");
    const image = urn("docker:index/remoteImage:RemoteImage", "minio-image");
    const provider = urn("pulumi:providers:docker", "local");
    const store = urn("fabric:index:InferenceFabric$fabric:store:ModelStore", "fabric-store");
    const fabric = urn("fabric:index:InferenceFabric", "fabric");
    const engine = urn("fabric:index:InferenceFabric$fabric:docker:Engine$docker:index/container:Container", "fabric-engine-tiny-1-container");
    const steps = {
      steps: [
        { urn: fabric, newState: {} },
        { urn: store, newState: { parent: fabric } },
        { urn: provider, newState: {} },
        { urn: image, newState: { provider: `${provider}::id-1` } },
        { urn: minio, newState: { parent: store, provider: `${provider}::id-1`, dependencies: [image] } },
        { urn: setup, newState: { parent: store, dependencies: [minio] } },
        { urn: engine, newState: { parent: fabric, dependencies: [setup] } },
      ],
    };
    assert.deepEqual(storeRoots(steps), [minio, setup]);
    assert.deepEqual(targetClosure(steps, storeRoots(steps)), [fabric, store, minio, setup, image, provider].sort());
  });
});
