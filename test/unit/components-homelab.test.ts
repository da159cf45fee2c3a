// The homelab stack under Pulumi mocks: the program (index.ts) runs on stacks/homelab.fleet.yaml with
// fake secrets, and the tests assert on the resource inputs the mock monitor recorded.
import assert from "node:assert/strict";
import { goDuration } from "../../components/docker/container-args";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { InferenceFabric } from "../../components/fabric";
import { requiredSecretKeys, STORE_READ_ONLY_KEYS } from "../../components/secrets";
import type { EnginePlan, Plan } from "../../core/plan/types";
import { planFixture } from "../support/plan-fixture";
import { fakeSecretsFor, planOf, type ProgramOutputs, runProgram } from "../support/program";
import {
  installMocks, isSecretValue, mockImageId, type RecordedResource, type ResourceRecorder, settle, unwrapSecrets, walkStrings,
} from "../support/pulumi-mocks";

const FLEET = "stacks/homelab.fleet.yaml";
const CONTAINER = "docker:index/container:Container";

let recorder: ResourceRecorder;
let plan: Plan;
let secrets: Record<string, string>;
let outputs: ProgramOutputs;

before(async () => {
  recorder = await installMocks("homelab");
  plan = planOf(FLEET);
  secrets = fakeSecretsFor(FLEET);
  outputs = await runProgram(FLEET, secrets);
});

const engineContainer = (deployment: string) => recorder.byName(`fabric-engine-${deployment}-container`);
const engine = (deployment: string): EnginePlan => {
  const found = plan.engines.find((e) => e.deployment === deployment);
  assert.ok(found, `the homelab plan has an engine '${deployment}'`);
  return found;
};
const argv = (r: RecordedResource) => [...((r.inputs.entrypoints as string[] | undefined) ?? []), ...((r.inputs.command as string[] | undefined) ?? [])];
const labels = (r: RecordedResource) => Object.fromEntries((r.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
const flag = (args: readonly string[], name: string) => {
  const i = args.indexOf(name);
  assert.ok(i >= 0, `argv has ${name}: ${args.join(" ")}`);
  return args[i + 1];
};
const uploads = (r: RecordedResource) => r.inputs.uploads as { file: string; content: string }[];

describe("engines", () => {
  test("every engine runs the planned image for its machine's arch, pulled on that machine", () => {
    assert.ok(plan.engines.length >= 4);
    for (const e of plan.engines) {
      const c = engineContainer(e.deployment);
      const pulled = recorder.ofType("docker:index/remoteImage:RemoteImage").filter((i) => i.name.startsWith(`fabric-host-${e.machine}-`) && i.inputs.name === e.image);
      assert.equal(pulled.length, 1, `${e.deployment}: ${e.image} pulled once on ${e.machine}`);
      assert.equal(pulled[0]?.inputs.platform, e.platform);
      assert.equal(pulled[0]?.inputs.keepLocally, true);
      assert.equal(c.inputs.image, mockImageId(e.image), `${e.deployment} runs the pulled image`);
      assert.equal(c.inputs.platform, e.platform);
      assert.match(c.provider ?? "", new RegExp(`::fabric-host-${e.machine}-docker::`), `${e.deployment} is on ${e.machine}'s Docker`);
    }
    assert.equal(engine("reasoner").platform, "linux/arm64");
    assert.equal(engine("orchestrator").platform, "linux/amd64");
  });

  test("argv is the planned argv and carries the recipe's flags", () => {
    for (const e of plan.engines) assert.deepEqual(argv(engineContainer(e.deployment)), e.argv, e.deployment);
    // The vLLM renderer leaves the weight format to vLLM's detection from the checkpoint (NVFP4 →
    // modelopt_fp4, AWQ → awq_marlin): an explicit --quantization breaks llm-compressor exports.
    const reasoner = argv(engineContainer("reasoner"));
    assert.ok(!reasoner.includes("--quantization"));
    assert.equal(reasoner[0], engine("reasoner").modelSync?.localPath, "the NVFP4 checkpoint synced from the store");
    assert.equal(flag(reasoner, "--max-model-len"), "131072");
    assert.equal(flag(reasoner, "--gpu-memory-utilization"), "0.55");
    assert.equal(flag(reasoner, "--kv-cache-dtype"), "fp8");
    assert.equal(flag(reasoner, "--max-num-seqs"), "10");
    const speculative = JSON.parse(flag(reasoner, "--speculative-config") ?? "{}") as Record<string, unknown>;
    assert.equal(speculative.num_speculative_tokens, 15);
    const orchestrator = argv(engineContainer("orchestrator"));
    assert.equal(orchestrator[0], "nvidia/Nemotron-Orchestrator-8B-AWQ");
    assert.equal(flag(orchestrator, "--max-model-len"), "32768");
    assert.equal(flag(orchestrator, "--kv-cache-dtype"), "fp8");
  });

  test("GPU request, IPC, health check and health-gated wait", () => {
    for (const e of plan.engines) {
      const c = engineContainer(e.deployment).inputs;
      const spec = e.container;
      assert.equal(c.gpus, spec.gpus && spec.gpus.length > 0 ? `device=${spec.gpus.join(",")}` : undefined, e.deployment);
      assert.equal(c.ipcMode, spec.ipcHost ? "host" : undefined);
      assert.equal(c.shmSize, spec.shmSizeMiB ?? undefined);
      const h = spec.health;
      assert.ok(h, `${e.deployment} has a health check`);
      assert.deepEqual(c.healthcheck, {
        tests: [...h.test], interval: goDuration(h.intervalSeconds), timeout: goDuration(h.timeoutSeconds), retries: h.retries, startPeriod: goDuration(h.startPeriodSeconds),
      });
      assert.equal(c.wait, true);
      assert.ok((c.waitTimeout as number) >= 900, `${e.deployment} waits at least the rollout's health timeout`);
      assert.equal(c.restart, "unless-stopped");
    }
    assert.equal(engineContainer("reasoner").inputs.gpus, "device=0");
  });

  test("labels carry the contract labels and the recipe hash; the name carries the hash; old container goes first", () => {
    for (const e of plan.engines) {
      const c = engineContainer(e.deployment);
      const l = labels(c);
      assert.deepEqual(l, e.container.labels);
      assert.equal(l["fabric.recipe-hash"], e.recipeHash);
      for (const key of ["fabric.deployment", "fabric.machine", "fabric.hardware", "fabric.engine", "fabric.recipe"]) assert.ok(l[key], `${e.deployment}: ${key}`);
      assert.equal(c.inputs.name, e.container.name);
      assert.ok(String(c.inputs.name).includes(e.recipeHash.slice(0, 8)));
      assert.equal(c.deleteBeforeReplace, true, `${e.deployment}: GPU and port are exclusive`);
    }
  });

  test("model cache is a named volume on the engine's machine", () => {
    const c = engineContainer("reasoner");
    const volumes = c.inputs.volumes as { volumeName?: string; containerPath: string }[];
    const cache = engine("reasoner").container.volumes[0];
    assert.ok(cache);
    assert.deepEqual(volumes.find((v) => v.containerPath === cache.containerPath)?.volumeName, cache.volume);
    assert.ok(c.dependencies.includes(`fabric-host-spark-volume-${cache.volume}`));
  });

  test("a model from the store is synced first by a one-shot container with the read-only key", () => {
    const e = engine("reasoner");
    assert.ok(e.modelSync, "the reasoner's recipe takes its model from the store");
    const sync = recorder.byName("fabric-engine-reasoner-sync");
    assert.equal(sync.inputs.name, e.modelSync.container.name);
    assert.equal(sync.inputs.attach, true);
    assert.equal(sync.inputs.mustRun, false);
    assert.equal(sync.inputs.restart, "no");
    assert.equal(sync.inputs.wait, undefined);
    const env = unwrapSecrets(sync.inputs.envs) as string[];
    assert.ok(env.includes(`STORE_ACCESS_KEY=${secrets[STORE_READ_ONLY_KEYS.accessKey]}`));
    assert.ok(env.includes(`STORE_SECRET_KEY=${secrets[STORE_READ_ONLY_KEYS.secretKey]}`));
    assert.ok(engineContainer("reasoner").dependencies.includes("fabric-engine-reasoner-sync"));
    assert.ok(sync.dependencies.includes("fabric-store-setup"), "the read-only user exists before the sync");
  });
});

describe("rollout waves", () => {
  test("engines of wave k wait for wave k-1 to be healthy, then for the gateway to take them back", () => {
    assert.ok(plan.waves.length >= 2, `homelab has several waves: ${JSON.stringify(plan.waves)}`);
    assert.equal(plan.waveSettleSeconds, 22, "the homelab gateway's 15 s probe interval + 5 s probe timeout + 2 s");
    for (const [k, wave] of plan.waves.entries()) {
      if (k === 0) continue;
      const settle = recorder.byName(`fabric-wave-${k}-settled`);
      assert.equal(settle.inputs.seconds, plan.waveSettleSeconds);
      const previous = plan.waves[k - 1] ?? [];
      assert.equal((settle.inputs.containerIds as string[]).length, previous.length, "it watches every container of the previous wave");
      for (const prev of previous) {
        assert.ok(settle.dependencies.includes(`fabric-engine-${prev}-container`), `the settle after wave ${k} waits for ${prev}`);
      }
      for (const d of wave) {
        assert.ok(engineContainer(d).dependencies.includes(`fabric-wave-${k}-settled`), `${d} (wave ${k + 1}) waits for the settle after wave ${k}`);
      }
    }
    for (const d of plan.waves[0] ?? []) {
      assert.ok(!engineContainer(d).dependencies.some((n) => /^fabric-(engine-.*-container|wave-\d+-settled)$/.test(n)), `${d} is in the first wave`);
    }
    assert.throws(() => recorder.byName(`fabric-wave-${plan.waves.length}-settled`), "no settle after the last wave");
  });

  test("engines drain: a stop gives in-flight requests the rollout's drainSeconds before the kill", () => {
    for (const e of plan.engines) assert.equal(engineContainer(e.deployment).inputs.destroyGraceSeconds, 30, e.deployment);
    assert.equal(recorder.byName("fabric-gateway-container").inputs.destroyGraceSeconds, undefined, "services are not drained");
  });

  test("the reason route's two local backends (reasoner, swap slot) never go down together", () => {
    const waveOf = (d: string) => plan.waves.findIndex((w) => w.includes(d));
    assert.ok(waveOf("reasoner") >= 0 && waveOf("swap") >= 0);
    assert.notEqual(waveOf("reasoner"), waveOf("swap"), `different waves: ${JSON.stringify(plan.waves)}`);
    const later = waveOf("reasoner") > waveOf("swap") ? "reasoner" : "swap";
    const earlier = later === "reasoner" ? "swap" : "reasoner";
    const settle = recorder.byName(`fabric-wave-${waveOf(later)}-settled`);
    assert.ok(settle.dependencies.includes(`fabric-engine-${earlier}-container`));
    assert.ok(engineContainer(later).dependencies.includes(settle.name));
  });
});

describe("gateway, monitoring, store", () => {
  test("the gateway uploads the rendered LiteLLM config and waits for readiness", () => {
    const g = plan.gateway;
    assert.ok(g);
    const c = recorder.byName("fabric-gateway-container");
    assert.ok(uploads(c).some((u) => u.content === g.configYaml));
    assert.equal(c.inputs.image, mockImageId(g.container.image));
    assert.match(JSON.stringify(c.inputs.healthcheck), /\/health\/readiness/);
    assert.equal(c.inputs.wait, true);
    assert.equal(outputs.gatewayUrl, g.url);
  });

  test("Prometheus scrapes every engine; its config goes through the writer, not the server's inputs", () => {
    const m = plan.monitoring;
    assert.ok(m);
    const writer = recorder.byName("fabric-monitoring-config-writer");
    const prometheusYml = uploads(writer).find((u) => u.content === m.prometheusYml);
    assert.ok(prometheusYml, "the writer uploads prometheus.yml");
    assert.ok(uploads(writer).some((u) => u.content === m.rulesYml), "and the rules");
    for (const e of plan.engines) {
      if (e.metricsPath === null) continue;
      assert.ok(prometheusYml.content.includes(`${e.address}:${e.port}`), `prometheus.yml scrapes ${e.deployment}`);
    }
    const server = recorder.byName("fabric-monitoring-prometheus");
    assert.deepEqual(server.inputs.uploads, []);
    assert.ok(!JSON.stringify(server.inputs).includes(m.rulesYml.slice(0, 200)), "the server's inputs do not hold the config");
    assert.ok((server.inputs.command as string[]).includes("--web.enable-lifecycle"));
    assert.ok((server.inputs.command as string[]).some((a) => a.startsWith("--storage.tsdb.retention")), "retention flags from the plan");
    const reload = recorder.byName("fabric-monitoring-reload");
    assert.equal(reload.inputs.url, `${m.url}/-/reload`);
    assert.match(String(reload.inputs.configHash), /^[0-9a-f]{64}$/);
    assert.ok(reload.dependencies.includes("fabric-monitoring-prometheus") && reload.dependencies.includes("fabric-monitoring-config-writer"));
  });

  test("MinIO with its data volume, then an idempotent mc setup", () => {
    const s = plan.store;
    assert.ok(s);
    const minio = recorder.byName("fabric-store-minio");
    assert.deepEqual(argv(minio), [...(s.container.entrypoint ?? []), ...s.container.args]);
    const setup = recorder.byName("fabric-store-setup");
    const script = (setup.inputs.command as string[])[0] ?? "";
    for (const b of s.buckets) assert.ok(script.includes(`mc mb --ignore-existing store/${b}`));
    for (const b of s.versionedBuckets) assert.ok(script.includes(`mc version enable store/${b}`));
    assert.match(script, /mc admin user add store "\$RO_ACCESS" "\$RO_SECRET"/);
    assert.match(script, /mc admin policy attach store \S+ --user "\$RO_ACCESS"/);
    assert.equal(setup.inputs.attach, true);
    assert.ok(setup.dependencies.includes("fabric-store-minio"));
    assert.equal(outputs.storeEndpoint, s.endpoint);
  });
});

describe("secrets", () => {
  test("every secret input is a secret; no plain string holds a secret value", () => {
    const values = Object.values(secrets);
    const used = new Set<string>();
    for (const r of recorder.resources) {
      walkStrings(r.wireInputs, (s, inSecret) => {
        for (const v of values) {
          if (!s.includes(v)) continue;
          assert.ok(inSecret, `${r.name} has the secret value ${v} in a plain input: ${s.slice(0, 80)}`);
          used.add(v);
        }
      });
    }
    // The mesh and burst API keys are read for the components that use them (not part of this fabric yet).
    const elsewhere = new Set([plan.burst?.apiKeySecret]);
    for (const [key, value] of Object.entries(secrets)) {
      if (!elsewhere.has(key)) assert.ok(used.has(value), `secret '${key}' reaches a resource`);
    }
  });

  test("secret env vars are secret one by one; plain env stays readable", () => {
    const c = engineContainer("reasoner");
    const envs = c.wireInputs.envs as unknown[];
    assert.ok(envs.some((e) => isSecretValue(e) && String(e.value).startsWith("HF_TOKEN=")));
    assert.ok(envs.filter((e) => typeof e === "string").every((e) => !String(e).startsWith("HF_TOKEN=")));
  });

  test("stack outputs hold no secret", () => {
    const text = JSON.stringify(outputs);
    for (const v of Object.values(secrets)) assert.ok(!text.includes(v));
  });
});

test("outputs: endpoints per deployment and a plan summary", () => {
  for (const e of plan.engines) assert.equal(outputs.endpoints[e.deployment], `http://${e.address}:${e.port}/v1`);
  assert.equal(outputs.prometheusUrl, plan.monitoring?.url);
  assert.deepEqual(outputs.planSummary.waves, plan.waves);
  assert.deepEqual(outputs.planSummary.engines.map((e) => e.recipeHash), plan.engines.map((e) => e.recipeHash));
});

describe("component boundary (hand-built plan)", () => {
  const mcImage = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z";
  const fixtureSecrets = (p: Plan) => Object.fromEntries(requiredSecretKeys(p).map((k) => [k, pulumi.secret(`fixture-${k}`)]));

  test("a model cache given as a host path is bind-mounted, not created as a volume", async () => {
    const p = planFixture();
    const orchestrator = p.engines[0];
    assert.ok(orchestrator);
    const hostPath: Plan = { ...p, engines: [{ ...orchestrator, container: { ...orchestrator.container, volumes: [{ volume: "/srv/models", containerPath: "/models" }] } }, ...p.engines.slice(1)] };
    new InferenceFabric("bind", { plan: hostPath, secrets: fixtureSecrets(hostPath), mcImage });
    await settle();
    const c = recorder.byName("bind-engine-orchestrator-container");
    assert.deepEqual(c.inputs.volumes, [{ hostPath: "/srv/models", containerPath: "/models", readOnly: false }]);
    assert.ok(!recorder.resources.some((r) => r.name.startsWith("bind-") && r.name.includes("srv-models")));
  });

  test("a plan with errors is refused with the violations named", () => {
    const p: Plan = { ...planFixture(), violations: [{ rule: "memory-fit", severity: "error", path: "deployments[3]", message: "reasoner: needs 70 GiB" }] };
    assert.throws(() => new InferenceFabric("refused", { plan: p, secrets: fixtureSecrets(p), mcImage }), /\[memory-fit\] deployments\[3\]: reasoner: needs 70 GiB/);
  });

  test("a secret the plan names but the args lack is reported by key", () => {
    const p = planFixture();
    const { huggingFaceToken: _, ...rest } = fixtureSecrets(p);
    assert.throws(() => new InferenceFabric("nokey", { plan: p, secrets: rest, mcImage }), /secrets missing from the args: huggingFaceToken/);
  });

  test("Prometheus without --web.enable-lifecycle is refused: the reload could not work", () => {
    const p = planFixture();
    const m = p.monitoring;
    assert.ok(m);
    const noLifecycle: Plan = { ...p, monitoring: { ...m, container: { ...m.container, args: m.container.args.filter((a) => a !== "--web.enable-lifecycle") } } };
    assert.throws(() => new InferenceFabric("nolifecycle", { plan: noLifecycle, secrets: fixtureSecrets(noLifecycle), mcImage }), /--web\.enable-lifecycle/);
  });
});
