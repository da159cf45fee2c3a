import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fleetFile, runCli } from "../support/cli";
import { validFleet } from "../support/fleets";

/** Runs `fabric check --json` and returns the exit code and violations. */
function check(content: unknown) {
  const run = runCli(["check", fleetFile(content), "--json"]);
  assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, "no stack trace");
  const body = JSON.parse(run.stdout) as { ok: boolean; violations: { rule: string; severity: string; path: string; message: string; line?: number }[] };
  return { code: run.code, ...body, errors: body.violations.filter((v) => v.severity === "error") };
}

function only(errors: { rule: string; path: string; message: string }[], rule: string) {
  const hits = errors.filter((e) => e.rule === rule);
  assert.ok(hits.length > 0, `expected a ${rule} violation, got ${JSON.stringify(errors, null, 1)}`);
  return hits[0]!;
}

describe("fabric check", () => {
  test("a valid fleet exits 0 with ok: true", () => {
    const r = check(validFleet());
    assert.deepEqual(r.errors, []);
    assert.equal(r.code, 0);
    assert.equal(r.ok, true);
  });

  test("malformed YAML exits 2 and names the line", () => {
    const r = check("machines:\n  - name: a\n    hardware: [rtx-4090\n");
    assert.equal(r.code, 2);
    assert.equal(r.errors[0]?.rule, "yaml");
    assert.equal(typeof r.errors[0]?.line, "number");
  });

  test("an empty file exits 2: machines are required", () => {
    const r = check("");
    assert.equal(r.code, 2);
    assert.equal(r.errors[0]?.path, "machines");
  });

  test("an unknown field exits 2 with did-you-mean", () => {
    const f = validFleet();
    f.recipes["llama-8b"].gpuMemUtilization = 0.5;
    const r = check(f);
    assert.equal(r.code, 2);
    const v = only(r.errors, "schema");
    assert.equal(v.path, "recipes.llama-8b.gpuMemUtilization");
    assert.match(v.message, /did you mean 'gpuMemoryUtilization'\?/);
  });

  test("a wrong type exits 2 and names the field", () => {
    const f = validFleet();
    f.recipes["llama-8b"].maxModelLen = "long";
    const r = check(f);
    assert.equal(r.code, 2);
    assert.equal(only(r.errors, "schema").path, "recipes.llama-8b.maxModelLen");
  });

  test("a bad enum value exits 2 and lists the choices", () => {
    const f = validFleet();
    f.recipes["llama-8b"].engine = "vlm";
    const r = check(f);
    assert.equal(r.code, 2);
    assert.match(only(r.errors, "schema").message, /"vllm"/);
  });

  test("a missing required field exits 2 and points at it with a line", () => {
    const f = validFleet();
    delete f.deployments[1].port;
    const r = check(f);
    assert.equal(r.code, 2);
    const v = only(r.errors, "schema");
    assert.equal(v.path, "deployments[1].port");
    assert.match(v.message, /missing/);
  });

  test("a port out of range exits 2", () => {
    const f = validFleet();
    f.gateway.port = 70000;
    assert.equal(check(f).code, 2);
  });

  test("an unreadable file exits 2 with the reason", () => {
    const run = runCli(["check", "/nonexistent/fleet.yaml"]);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /cannot read \/nonexistent\/fleet.yaml: no such file/);
  });

  test("unknown hardware exits 1 with did-you-mean", () => {
    const f = validFleet();
    f.machines[0].hardware = "rtx-4909";
    const r = check(f);
    assert.equal(r.code, 1);
    const v = only(r.errors, "unknown-reference");
    assert.equal(v.path, "machines[0].hardware");
    assert.match(v.message, /did you mean 'rtx-4090'\?/);
  });

  test("a missing recipe exits 1 with did-you-mean", () => {
    const f = validFleet();
    f.deployments[0].recipe = "llama8b";
    const r = check(f);
    assert.equal(r.code, 1);
    const v = only(r.errors, "unknown-reference");
    assert.equal(v.path, "deployments[0].recipe");
    assert.match(v.message, /did you mean 'llama-8b'\?/);
  });

  test("an unknown machine exits 1", () => {
    const f = validFleet();
    f.deployments[1].machine = "sparky";
    assert.match(only(check(f).errors, "unknown-reference").message, /unknown machine 'sparky': did you mean 'spark'\?/);
  });

  test("a port clash on one machine exits 1 naming both users", () => {
    const f = validFleet();
    f.deployments[0].port = 4000;
    const r = check(f);
    assert.equal(r.code, 1);
    const v = only(r.errors, "port-collision");
    assert.match(v.message, /port 4000 on gpu1 is used by deployment chat .* and the gateway|port 4000 on gpu1 is used by the gateway .* and deployment chat/);
  });

  test("a fallback cycle exits 1 and shows the cycle", () => {
    const f = validFleet();
    f.gateway.routes = [{ name: "a", targets: ["chat", "b"] }, { name: "b", targets: ["chat", "a"] }];
    const v = only(check(f).errors, "gateway-routes-resolve");
    assert.match(v.message, /fallback cycle a → b → a/);
  });

  test("an unknown route target exits 1 with did-you-mean", () => {
    const f = validFleet();
    f.gateway.routes[0].targets = ["big", "chatt"];
    const v = only(check(f).errors, "gateway-routes-resolve");
    assert.equal(v.path, "gateway.routes[0].targets[1]");
    assert.match(v.message, /did you mean 'chat'\?/);
  });

  test("a fallback with a smaller context window than the route exits 1", () => {
    const f = validFleet();
    delete f.gateway.routes[0].contextWindow;
    const v = only(check(f).errors, "gateway-routes-resolve");
    assert.match(v.message, /fallback 'chat' serves 8192 tokens but route 'smart' promises 32768/);
  });

  test("an oversize model exits 1 with the numbers", () => {
    const f = validFleet();
    f.recipes["llama-8b"].model = { id: "meta-llama/Llama-3.1-70B-Instruct" };
    const r = check(f);
    assert.equal(r.code, 1);
    const v = only(r.errors, "memory-fit");
    assert.equal(v.path, "deployments[0]");
    assert.match(v.message, /GiB/);
  });

  test("NVFP4 on an Ada GPU exits 1", () => {
    const f = validFleet();
    f.recipes["llama-8b"].quantization = "nvfp4";
    const v = only(check(f).errors, "quantization-supported");
    assert.match(v.message, /rtx-4090/);
    assert.match(v.message, /8\.9/);
  });

  test("an amd64-only image on GB10 exits 1", () => {
    const f = validFleet();
    f.recipes.embed = { engine: "tei", model: { id: "nomic-ai/nomic-embed-text-v1.5" }, quantization: "fp16", image: "ghcr.io/huggingface/text-embeddings-inference:89-1.8" };
    f.deployments.push({ name: "embed", recipe: "embed", machine: "spark", port: 8300 });
    const v = only(check(f).errors, "image-arch-matches-machine");
    assert.match(v.message, /arm64/);
  });

  test("an inline secret exits 1 and is never echoed", () => {
    const f = validFleet();
    const secret = "sk-live-0123456789abcdefABCDEF";
    f.gateway.masterKey = secret;
    const run = runCli(["check", fleetFile(f)]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /no-inline-secrets.*gateway\.masterKey.*\{secret: litellmMasterKey\}/);
    assert.ok(!(run.stdout + run.stderr).includes(secret), "the secret value must not be printed");
  });

  test("a credential in recipe env exits 1", () => {
    const f = validFleet();
    f.recipes["llama-8b"].env = { HF_TOKEN: "hf_abcdefghijklmnopqrstuvwxyz" };
    assert.equal(only(check(f).errors, "no-inline-secrets").path, "recipes.llama-8b.env.HF_TOKEN");
  });

  test("two engines oversubscribing one GPU exit 1 with the sum", () => {
    const f = validFleet();
    f.recipes["llama-8b"].gpuMemoryUtilization = 0.6;
    f.deployments.push({ name: "chat2", recipe: "llama-8b", machine: "gpu1", port: 8001 });
    const v = only(check(f).errors, "gpu-oversubscription");
    assert.match(v.message, /gpu1 GPU 0: engines claim 1\.20/);
  });

  test("burst pools over budget exit 1 with the arithmetic", () => {
    const f = validFleet();
    f.burst = { provider: "vast", apiKey: { secret: "vastApiKey" }, budgetPerHour: 1, pools: [{ name: "p", recipe: "llama-8b", maxHosts: 3, maxPricePerHour: 0.5, gpu: ["rtx-4090"] }] };
    const v = only(check(f).errors, "burst-budget");
    assert.match(v.message, /\$1\.50\/h .* budget is \$1\.00\/h/);
  });

  test("duplicate deployment names exit 1", () => {
    const f = validFleet();
    f.deployments[1].name = "chat";
    assert.equal(only(check(f).errors, "duplicate-name").path, "deployments[1].name");
  });

  test("an unknown command-line flag exits 2", () => {
    const run = runCli(["check", fleetFile(validFleet()), "--jsn"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /usage: fabric check/);
  });

  test("human output names file, line, rule and path", () => {
    const f = validFleet();
    f.deployments[0].recipe = "nope";
    const run = runCli(["check", fleetFile(f)]);
    assert.match(run.stdout, /fleet-\d+\.yaml:\d+: error \[unknown-reference\] deployments\[0\]\.recipe: unknown recipe 'nope'/);
  });
});

describe("fabric check suggestions", () => {
  test("a typo of a long field name suggests that field, not a shorter one it contains", () => {
    const f = validFleet();
    f.recipes["llama-8b"].maxModelLenn = 4096;
    const v = check(f).errors.find((e) => e.rule === "schema")!;
    assert.match(v.message, /did you mean 'maxModelLen'\?/);
  });

  test("an unknown recipe is reported once, not again by the routes that use the deployment", () => {
    const f = validFleet();
    f.deployments[0].recipe = "nope";
    const r = check(f);
    assert.deepEqual(r.errors.map((e) => e.rule), ["unknown-reference"]);
  });
});
