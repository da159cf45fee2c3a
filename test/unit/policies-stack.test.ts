// The pack as a whole and its stack policies: the real stacks pass (their plans through the
// components' mapping, and the homelab program itself under Pulumi mocks), a deliberately broken
// fleet gives exactly the expected violations, and each stack rule in AwsGuard style.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import type { StackValidationPolicy } from "@pulumi/policy";
import YAML from "yaml";
import { fleetChecks } from "../../core/checks";
import { allPolicies } from "../../policies/rules";
import { burstBudget } from "../../policies/rules/burst";
import { gpuOversubscription } from "../../policies/rules/engine-fit";
import { gatewayRoutesResolve } from "../../policies/rules/gateway";
import { everyEngineMonitored } from "../../policies/rules/monitoring";
import { portCollision } from "../../policies/rules/ports";
import {
  configForAll, type FleetUnderTest, fleetUnderTest, type PackConfig, type PolicyViolation, runPolicies, runStackPolicy, type TestResource, withProps,
} from "../support/policy-harness";
import { fakeSecretsFor, runProgram } from "../support/program";
import { installMocks, unwrapSecrets } from "../support/pulumi-mocks";
import { repoRoot } from "../support/stacks";

const CONTAINER = "docker:index/container:Container";
let homelab: FleetUnderTest;
let local: FleetUnderTest;

before(async () => {
  homelab = await fleetUnderTest("homelab");
  local = await fleetUnderTest("local");
});

function labelsOf(r: TestResource): Record<string, string> {
  return Object.fromEntries((r.props.labels as { label: string; value: string }[] | undefined ?? []).map((l) => [l.label, l.value]));
}

/** Replaces the resource of the same name in a stack. */
function replaced(resources: readonly TestResource[], r: TestResource): TestResource[] {
  return resources.map((x) => (x.name === r.name && x.type === r.type ? r : x));
}

function engine(of: FleetUnderTest, deployment: string): TestResource {
  const found = of.resources.find((r) => r.type === CONTAINER && labelsOf(r)["fabric.deployment"] === deployment && labelsOf(r)["fabric.role"] === undefined);
  assert.ok(found, `an engine container for ${deployment}`);
  return found;
}

function named(of: FleetUnderTest, name: string): TestResource {
  const found = of.resources.find((r) => r.name === name);
  assert.ok(found, `a resource named ${name}`);
  return found;
}

async function messages(policy: StackValidationPolicy, resources: readonly TestResource[], config: Record<string, unknown> = {}): Promise<string[]> {
  return (await runStackPolicy(policy, resources, { [policy.name]: config })).map((v) => v.message);
}

/** A fabric check line without its temp file name and line number. */
function withoutFile(message: string | undefined): string {
  return (message ?? "").replace(/^.*\.fleet\.yaml:\d+: /, "");
}

/** `policy → resource name` of each violation, for comparing sets. */
function summary(violations: readonly PolicyViolation[]): string[] {
  return violations.map((v) => `${v.policy} → ${v.urn?.slice(v.urn.lastIndexOf("::") + 2) ?? "(stack)"}`).sort();
}

describe("the pack", () => {
  test("policy names are unique kebab-case, and the ones fabric check also reports carry the core check's name", () => {
    const names = allPolicies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    const core = fleetChecks.map((c) => c.name);
    assert.deepEqual(names.filter((n) => core.includes(n)).sort(), [
      "burst-budget", "engine-not-public", "gateway-routes-resolve", "gpu-oversubscription", "image-arch-matches-machine", "memory-fit", "port-collision", "quantization-supported",
    ]);
  });

  test("the fleet reaches the policies that need it through one config key, fleetFile", () => {
    assert.deepEqual(Object.keys(configForAll(allPolicies, { fleetFile: "x" })).sort(), [
      "burst-budget", "engine-not-public", "gateway-routes-resolve", "gpu-oversubscription", "memory-fit", "no-plaintext-secrets", "port-collision",
    ]);
  });

  test("every policy says what it checks; image-pinned is advisory by default, every other one mandatory", () => {
    for (const p of allPolicies) {
      assert.ok(p.description.length > 40, p.name);
      assert.equal(p.enforcementLevel, p.name === "image-pinned" ? "advisory" : "mandatory", p.name);
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        assert.ok((schema as { description?: string }).description, `${p.name}.${key} is documented`);
      }
    }
  });

  test("the pack directory is loadable: PulumiPolicy.yaml, pinned dependencies, and index.ts type-checks", () => {
    const dir = join(repoRoot, "policies");
    assert.deepEqual(YAML.parse(readFileSync(join(dir, "PulumiPolicy.yaml"), "utf8")).runtime, "nodejs");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    assert.equal(pkg.version, "0.1.0");
    assert.equal(pkg.dependencies["@pulumi/policy"], "1.21.0");
    assert.equal(pkg.dependencies["@pulumi/pulumi"], "3.270.0");
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", dir], { encoding: "utf8" });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });
});

describe("the real stacks pass every policy", () => {
  /** Monitoring required, so a Prometheus config the rule cannot find would fail rather than pass. */
  const strict = (fleetFile?: string): PackConfig => ({
    ...(fleetFile ? configForAll(allPolicies, { fleetFile }) : {}),
    "every-engine-monitored": { requireMonitoring: true },
  });

  test("homelab, from its plan, with and without fleetFile", async () => {
    assert.deepEqual(await runPolicies(allPolicies, homelab.resources, strict()), []);
    assert.deepEqual(await runPolicies(allPolicies, homelab.resources, strict(homelab.file)), []);
  });

  test("local, from its plan, with and without fleetFile", async () => {
    assert.deepEqual(await runPolicies(allPolicies, local.resources, strict()), []);
    assert.deepEqual(await runPolicies(allPolicies, local.resources, strict(local.file)), []);
  });

  test("homelab, as the program registers it under Pulumi mocks (config writer, store setup, reload command)", async () => {
    const recorder = await installMocks("homelab");
    await runProgram(homelab.file, fakeSecretsFor(homelab.file));
    const resources = recorder.resources.map((r) => ({ type: r.type, name: r.name, props: unwrapSecrets(r.inputs) as Record<string, unknown> }));
    assert.ok(resources.filter((r) => r.type === CONTAINER).length >= 12);
    assert.deepEqual(await runPolicies(allPolicies, resources, strict()), []);
    assert.deepEqual(await runPolicies(allPolicies, resources, strict(homelab.file)), []);
  });
});

describe("a deliberately broken fleet", () => {
  let broken: FleetUnderTest;
  before(async () => {
    broken = await fleetUnderTest("homelab", (f) => {
      // NVFP4 on an RTX 4090 (Ada has no FP4 kernels).
      f.machines.push({ name: "gpu4090", hardware: "rtx-4090", address: "gpu4090.example.ts.net", bindAddress: "100.101.0.30", docker: { host: "ssh://ops@gpu4090.example.ts.net" } });
      f.recipes["small-nvfp4"] = { ...f.recipes["orchestrator-8b-awq"], model: { id: "nvidia/Nemotron-Orchestrator-8B-NVFP4", config: "nemotron-orchestrator-8b" }, quantization: "nvfp4", gpuMemoryUtilization: 0.6 };
      f.deployments.push({ name: "small-fp4", recipe: "small-nvfp4", machine: "gpu4090", port: 8130 });
      // A port clash: embeddings on the orchestrator's port.
      f.deployments[1].port = 8199;
      // An inline secret in a recipe's env.
      f.recipes["orchestrator-8b-awq"].env = { OPENAI_API_KEY: "sk-proj-4f9c2a7d1e8b6a3c5f0e" };
    });
  });

  test("fabric check finds exactly the three problems", () => {
    assert.deepEqual(broken.plan.violations.map((v) => `${v.rule} ${v.path}`).sort(), [
      "no-inline-secrets recipes.orchestrator-8b-awq.env.OPENAI_API_KEY", "port-collision deployments[1].port", "quantization-supported deployments[4]",
    ]);
  });

  const orchestrator = () => broken.plan.engines.find((e) => e.deployment === "orchestrator")!.container.name;
  const embeddings = () => broken.plan.engines.find((e) => e.deployment === "embeddings")!.container.name;
  const smallFp4 = () => broken.plan.engines.find((e) => e.deployment === "small-fp4")!.container.name;

  test("the pack finds exactly the same three, on the resources they come from", async () => {
    const violations = await runPolicies(allPolicies, broken.resources);
    // Without fleetFile a collision is reported on the later of the two containers in name order
    // (the engine hands resources over in no fixed order).
    assert.deepEqual(summary(violations), [
      `no-plaintext-secrets → ${orchestrator()}`, `port-collision → ${orchestrator()}`, `quantization-supported → ${smallFp4()}`,
    ].sort());
    assert.ok(violations.every((v) => v.enforcementLevel === "mandatory"));
  });

  test("with fleetFile, the fleet rules print fabric check's line (path and numbers included)", async () => {
    const violations = await runPolicies(allPolicies, broken.resources, configForAll(allPolicies, { fleetFile: broken.file }));
    assert.deepEqual(summary(violations), [
      `no-plaintext-secrets → ${orchestrator()}`, `port-collision → ${embeddings()}`, `quantization-supported → ${smallFp4()}`,
    ].sort());
    const clash = violations.find((v) => v.policy === "port-collision")!;
    assert.match(clash.message, /\.fleet\.yaml:\d+: error \[port-collision\] deployments\[1\]\.port: port 8199 on rtx5090 is used by deployment orchestrator \(deployments\[0\]\.port\) and deployment embeddings: pick a free port$/);
  });
});

describe("gpu-oversubscription", () => {
  test("homelab passes: the 5090's tenants claim 0.40 + 0.04 + 0.39 of GPU 0", async () => {
    assert.deepEqual(await messages(gpuOversubscription, homelab.resources), []);
  });

  test("budget labels that add up to more than the GPU", async () => {
    const greedy = withProps(engine(homelab, "orchestrator"), (p) => {
      p.labels = p.labels.map((l: { label: string; value: string }) => (l.label === "fabric.memory-budget-gib" ? { ...l, value: "25.00" } : l));
    });
    assert.deepEqual(await messages(gpuOversubscription, replaced(homelab.resources, greedy)), [
      "rtx5090 GPU 0 (rtx-5090): engines claim 1.22 of 31.4 GiB (embeddings 0.04 + orchestrator 0.80 + swap 0.39) = 38.4 GiB; lower gpuMemoryUtilization or move a deployment to another GPU",
    ]);
  });

  test("with fleetFile, fabric check's line", async () => {
    const greedy = await fleetUnderTest("homelab", (f) => { f.recipes["orchestrator-8b-awq"].gpuMemoryUtilization = 0.7; });
    const [message, ...rest] = await messages(gpuOversubscription, greedy.resources, { fleetFile: greedy.file });
    assert.deepEqual(rest, []);
    assert.equal(withoutFile(message),
      "error [gpu-oversubscription] deployments[2]: rtx5090 GPU 0: engines claim 1.13 of 31.4 GiB (orchestrator 0.70 + embeddings 0.04 + swap 0.39) = 35.3 GiB; lower gpuMemoryUtilization or move a deployment to another GPU");
  });
});

describe("port-collision", () => {
  test("homelab and local pass", async () => {
    assert.deepEqual(await messages(portCollision, homelab.resources), []);
    assert.deepEqual(await messages(portCollision, local.resources), []);
  });

  test("two published ports on one machine", async () => {
    const clash = withProps(engine(homelab, "swap"), (p) => { p.ports[0].external = 4000; });
    assert.deepEqual(await messages(portCollision, replaced(homelab.resources, clash)), [
      "port 4000 on rtx5090 is used by litellm (gateway on rtx5090) and swap-d6d9fb35 (deployment swap on rtx5090): pick a free port",
    ]);
  });

  test("two host-networked replicas listening on one port", async () => {
    const clash = withProps(engine(local, "tiny-2"), (p) => { p.command[p.command.indexOf("--port") + 1] = "8081"; });
    assert.deepEqual(await messages(portCollision, replaced(local.resources, clash)), [
      "port 8081 on local is used by tiny-1-8d77b1fb (deployment tiny-1 on local) and tiny-2-8d77b1fb (deployment tiny-2 on local): pick a free port",
    ]);
  });
});

describe("gateway-routes-resolve", () => {
  const gatewayWith = (edit: (config: string) => string) => withProps(named(homelab, "litellm"), (p) => { p.uploads[0].content = edit(p.uploads[0].content); });

  test("homelab passes: every fallback is a model, no cycle, every api_base port has an engine", async () => {
    assert.deepEqual(await messages(gatewayRoutesResolve, homelab.resources), []);
  });

  test("a fallback to a model that does not exist", async () => {
    const r = gatewayWith((c) => c.replace("    - chat:\n        - cloud-deepseek", "    - chat:\n        - cloud-deepsek"));
    assert.deepEqual(await messages(gatewayRoutesResolve, replaced(homelab.resources, r)), [
      "gateway litellm (gateway on rtx5090) /app/config.yaml: route 'chat' falls back to 'cloud-deepsek', which is not a model in model_list; known: embeddings, gemma3-12b-q4, orchestrator, r1-distill-14b-q4, reason-burst, reasoner, cloud-claude, cloud-deepseek, chat, reason",
    ]);
  });

  test("a fallback cycle", async () => {
    const r = gatewayWith((c) => c.replace("  fallbacks:\n", "  fallbacks:\n    - cloud-deepseek:\n        - chat\n"));
    assert.deepEqual(await messages(gatewayRoutesResolve, replaced(homelab.resources, r)), [
      "gateway litellm (gateway on rtx5090) /app/config.yaml: fallback cycle cloud-deepseek → chat → cloud-deepseek: a route cannot fall back to itself; remove one of the targets",
    ]);
  });

  test("a model whose backend no engine serves", async () => {
    const r = gatewayWith((c) => c.replace("http://spark.example.ts.net:8120/v1", "http://spark.example.ts.net:8121/v1"));
    assert.deepEqual(await messages(gatewayRoutesResolve, replaced(homelab.resources, r)), [
      "gateway litellm (gateway on rtx5090) /app/config.yaml: model 'reasoner' sends requests to http://spark.example.ts.net:8121/v1, but no engine container listens on port 8121",
    ]);
  });

  test("with fleetFile, fabric check's line", async () => {
    const bad = await fleetUnderTest("homelab", (f) => { f.gateway.routes[1].contextWindow = 65536; });
    assert.deepEqual(await messages(gatewayRoutesResolve, bad.resources), [], "context windows need the fleet");
    const [message, ...rest] = await messages(gatewayRoutesResolve, bad.resources, { fleetFile: bad.file });
    assert.deepEqual(rest, []);
    assert.equal(withoutFile(message),
      "error [gateway-routes-resolve] gateway.routes[1].targets: fallback 'r1-distill-14b-q4' serves 32768 tokens but route 'reason' promises 65536 (its contextWindow): long requests would fail over to a model that rejects them; raise the fallback's window, set the route's contextWindow to at most 32768, or drop it from the chain");
  });
});

describe("every-engine-monitored", () => {
  const prometheusWith = (edit: (config: string) => string) => withProps(named(homelab, "prometheus"), (p) => {
    p.uploads = p.uploads.map((u: { file: string; content: string }) => (u.file.endsWith("/prometheus.yml") ? { ...u, content: edit(u.content) } : u));
  });

  test("homelab and local pass: every engine is a target at its port", async () => {
    assert.deepEqual(await messages(everyEngineMonitored, homelab.resources), []);
    assert.deepEqual(await messages(everyEngineMonitored, local.resources), []);
  });

  test("an engine that is not a target", async () => {
    const r = prometheusWith((c) => c.replace("          deployment: swap\n", "          deployment: swapped\n"));
    assert.deepEqual(await messages(everyEngineMonitored, replaced(homelab.resources, r)), [
      "swap-d6d9fb35 (deployment swap on rtx5090): is not a Prometheus scrape target (no target with deployment=\"swap\" or at its address), so its alerts can never fire: give its engine a metrics path or add the target",
    ]);
  });

  test("an engine scraped at the wrong port", async () => {
    const r = prometheusWith((c) => c.replace("rtx5090.example.ts.net:8176", "rtx5090.example.ts.net:8177"));
    assert.deepEqual(await messages(everyEngineMonitored, replaced(homelab.resources, r)), [
      "swap-d6d9fb35 (deployment swap on rtx5090): serves on port 8176 but Prometheus scrapes it at rtx5090.example.ts.net:8177",
    ]);
  });

  test("a stack without monitoring passes unless requireMonitoring is set", async () => {
    const without = homelab.resources.filter((r) => r.name !== "prometheus");
    assert.deepEqual(await messages(everyEngineMonitored, without), []);
    assert.deepEqual(await messages(everyEngineMonitored, without, { requireMonitoring: true }), [
      "no container uploads a prometheus.yml, so none of the 4 engine(s) is monitored: add a monitoring section to the fleet",
    ]);
  });
});

describe("burst-budget", () => {
  const burstKey = () => named(homelab, "key-burst");

  test("homelab passes: 2 × $0.80 within $3.00/h, and the burst key is ephemeral, preauthorized and expires in an hour", async () => {
    assert.deepEqual(await messages(burstBudget, homelab.resources), []);
    assert.deepEqual(await messages(burstBudget, homelab.resources, { fleetFile: homelab.file }), []);
    assert.equal(burstKey().props.expiry, 3600);
  });

  test("a burst key that is not ephemeral", async () => {
    const r = withProps(burstKey(), (p) => { p.ephemeral = false; });
    assert.deepEqual(await messages(burstBudget, replaced(homelab.resources, r)), [
      "burst auth key key-burst is not ephemeral, so a burst host that is destroyed stays in the tailnet: set ephemeral: true",
    ]);
  });

  test("a burst key that is not preauthorized", async () => {
    const r = withProps(burstKey(), (p) => { p.preauthorized = false; });
    assert.deepEqual(await messages(burstBudget, replaced(homelab.resources, r)), [
      "burst auth key key-burst is not preauthorized, so burst hosts wait for an admin to approve them: set preauthorized: true",
    ]);
  });

  test("a burst key that lives for the Tailscale default of 90 days", async () => {
    const r = withProps(burstKey(), (p) => { delete p.expiry; });
    assert.deepEqual(await messages(burstBudget, replaced(homelab.resources, r)), [
      "burst auth key key-burst sets no expiry (Tailscale's default is 7776000s), longer than 86400s: a leaked key would let hosts join for that long; lower mesh.burstKeyExpirySeconds",
    ]);
  });

  test("machine keys are not burst keys", async () => {
    assert.equal(named(homelab, "key-spark").props.ephemeral, false);
  });

  test("with fleetFile, a budget the pools can overspend", async () => {
    const pricey = await fleetUnderTest("homelab", (f) => { f.burst.pools[0].maxPricePerHour = 2.0; });
    assert.deepEqual(await messages(burstBudget, pricey.resources), [], "the budget needs the fleet");
    const [message, ...rest] = await messages(burstBudget, pricey.resources, { fleetFile: pricey.file });
    assert.deepEqual(rest, []);
    assert.equal(withoutFile(message),
      "error [burst-budget] burst.budgetPerHour: pools can spend $4.00/h (reason-burst 2 × $2.00) but the budget is $3.00/h: lower maxHosts or maxPricePerHour, or raise budgetPerHour");
  });
});

describe("fleetFile problems are reported, not silently skipped", () => {
  test("a fleetFile that is not a fleet", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "fabric-policies-")), "bad.fleet.yaml");
    writeFileSync(file, "machines: 3\n");
    const pack: PackConfig = { [portCollision.name]: { fleetFile: file } };
    assert.deepEqual((await runStackPolicy(portCollision, homelab.resources, pack)).map((v) => v.message), [
      `policy config fleetFile '${file}' is not a valid fleet (machines: expected array, got a number: change the value's type): run 'fabric check ${file}'`,
    ]);
  });
});
