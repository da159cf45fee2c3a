// Resource policies, AwsGuard style: start from a resource of the real homelab plan (built by the
// components' own containerArgs), show it passes, change one field, assert the exact message.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { imageArchMatchesMachine, quantizationSupported } from "../../policies/rules/engine-hardware";
import { memoryFit } from "../../policies/rules/engine-fit";
import { healthcheckRequired } from "../../policies/rules/health";
import { imagePinned } from "../../policies/rules/images";
import { tailscaleAclLeastPrivilege } from "../../policies/rules/mesh";
import { engineNotPublic } from "../../policies/rules/network";
import { noPlaintextSecrets } from "../../policies/rules/secrets";
import { allPolicies } from "../../policies/rules";
import {
  type FleetUnderTest, fleetUnderTest, type PackConfig, runResourcePolicy, type TestResource, UNKNOWN_STRING, withProps,
} from "../support/policy-harness";

const CONTAINER = "docker:index/container:Container";
let homelab: FleetUnderTest;
let local: FleetUnderTest;

before(async () => {
  homelab = await fleetUnderTest("homelab");
  local = await fleetUnderTest("local");
});

/** The engine container of a deployment. */
function engine(of: FleetUnderTest, deployment: string): TestResource {
  const found = of.resources.find((r) => r.type === CONTAINER && labelsOf(r)["fabric.deployment"] === deployment && labelsOf(r)["fabric.role"] === undefined);
  assert.ok(found, `an engine container for ${deployment}`);
  return found;
}

function named(of: FleetUnderTest, name: string): TestResource {
  const found = of.resources.find((r) => r.name === name);
  assert.ok(found, `a resource named ${name}; have ${of.resources.map((r) => r.name).join(", ")}`);
  return found;
}

function labelsOf(r: TestResource): Record<string, string> {
  return Object.fromEntries((r.props.labels as { label: string; value: string }[] | undefined ?? []).map((l) => [l.label, l.value]));
}

function setLabel(r: TestResource, label: string, value: string): TestResource {
  return withProps(r, (p) => {
    p.labels = (p.labels as { label: string; value: string }[]).map((l) => (l.label === label ? { label, value } : l));
  });
}

async function messages(policy: ResourceValidationPolicy, r: TestResource, config: Record<string, unknown> = {}): Promise<string[]> {
  const pack: PackConfig = { [policy.name]: config };
  return (await runResourcePolicy(policy, r, pack)).map((v) => v.message);
}

async function assertPasses(policy: ResourceValidationPolicy, resources: readonly TestResource[], config: Record<string, unknown> = {}) {
  for (const r of resources) assert.deepEqual(await messages(policy, r, config), [], `${policy.name} passes ${r.name}`);
}

describe("memory-fit", () => {
  test("every homelab engine passes, from its labels and with fleetFile", async () => {
    await assertPasses(memoryFit, homelab.resources);
    await assertPasses(memoryFit, homelab.resources, { fleetFile: homelab.file });
  });

  test("a budget that was never computed", async () => {
    const r = setLabel(engine(homelab, "orchestrator"), "fabric.memory-budget-gib", "unknown");
    assert.deepEqual(await messages(memoryFit, r), [
      "orchestrator-31323aba (deployment orchestrator on rtx5090): its memory budget is 'unknown', so its fit was never computed (the model is not in the catalog): give the recipe a model.config, or set fleetFile for fabric check's full answer",
    ]);
  });

  test("a budget larger than the GPU", async () => {
    const r = setLabel(engine(homelab, "orchestrator"), "fabric.memory-budget-gib", "40.00");
    assert.deepEqual(await messages(memoryFit, r), [
      "orchestrator-31323aba (deployment orchestrator on rtx5090): claims 40.0 GiB but rtx-5090 has 31.4 GiB: lower gpuMemoryUtilization",
    ]);
  });

  test("with fleetFile, the fabric check line of a deployment that does not fit", async () => {
    const tight = await fleetUnderTest("homelab", (f) => { f.recipes["orchestrator-8b-awq"].gpuMemoryUtilization = 0.2; });
    const r = engine(tight, "orchestrator");
    const [message, ...rest] = await messages(memoryFit, r, { fleetFile: tight.file });
    assert.deepEqual(rest, []);
    assert.match(message ?? "", /^.*\.fleet\.yaml:\d+: error \[memory-fit\] deployments\[0\]: orchestrator on rtx5090 \(rtx-5090\): /);
    assert.ok(message?.endsWith(tight.plan.violations.find((v) => v.rule === "memory-fit")?.message ?? "(none)"), message);
  });

  test("a fleetFile that does not plan this container is reported, and the labels are checked instead", async () => {
    const r = setLabel(engine(homelab, "orchestrator"), "fabric.recipe-hash", "000000000000");
    assert.deepEqual(await messages(memoryFit, r, { fleetFile: homelab.file }), [
      "policy config fleetFile 'stacks/homelab.fleet.yaml' plans deployment 'orchestrator' with recipe hash 31323abaffdc but container orchestrator-31323aba carries 000000000000: point fleetFile at the stack's fabric:fleet",
    ]);
  });

  test("a fleetFile that does not exist", async () => {
    const [message] = await messages(memoryFit, engine(homelab, "orchestrator"), { fleetFile: "stacks/nope.fleet.yaml" });
    assert.match(message ?? "", /^policy config fleetFile 'stacks\/nope\.fleet\.yaml' does not exist \(looked in .*\): set it to the stack's fabric:fleet path$/);
  });
});

describe("quantization-supported", () => {
  test("every homelab engine passes: NVFP4 on the Spark, AWQ on the 5090, GGUF in the swap slot, fp16 TEI", async () => {
    await assertPasses(quantizationSupported, homelab.resources);
  });

  test("NVFP4 on an RTX 4090", async () => {
    const r = setLabel(engine(homelab, "reasoner"), "fabric.hardware", "rtx-4090");
    assert.deepEqual(await messages(quantizationSupported, r), [
      "reasoner (recipe reasoner-27b-nvfp4) on spark: nvfp4 needs a Blackwell GPU (compute capability ≥ 10.0) for FP4 kernels; rtx-4090 is 8.9 (ada): use awq or fp8",
    ]);
  });

  test("a GGUF recipe on vLLM", async () => {
    const r = setLabel(engine(homelab, "orchestrator"), "fabric.quantization", "gguf-q4_k_m");
    assert.deepEqual(await messages(quantizationSupported, r), [
      "orchestrator (recipe orchestrator-8b-awq) on rtx5090: vLLM moved GGUF to the out-of-tree vllm-gguf-plugin in 0.24 (not in the vllm/vllm-openai image) and calls it highly experimental: run gguf-* recipes on llamacpp or ollama",
    ]);
  });
});

describe("image-arch-matches-machine", () => {
  test("every homelab image and container passes", async () => {
    await assertPasses(imageArchMatchesMachine, homelab.resources);
  });

  test("an amd64-only image pulled for the DGX Spark", async () => {
    const r = withProps(named(homelab, "spark-image-vllm/vllm-openai:v0.26.0"), (p) => { p.name = "ghcr.io/mostlygeek/llama-swap:v255-cuda-b10902"; });
    assert.deepEqual(await messages(imageArchMatchesMachine, r), [
      "image ghcr.io/mostlygeek/llama-swap:v255-cuda-b10902 is published for amd64 only, but it is pulled for linux/arm64: set an arm64 image or move the service",
    ]);
  });

  test("a container on the Spark that runs as amd64", async () => {
    const r = withProps(engine(homelab, "reasoner"), (p) => { p.platform = "linux/amd64"; });
    assert.deepEqual(await messages(imageArchMatchesMachine, r), [
      "reasoner-0d5b9dad (deployment reasoner on spark): runs as linux/amd64, but spark (dgx-spark) is arm64: set platform linux/arm64",
    ]);
  });

  test("a container that names an image by reference, one with no arm64 build", async () => {
    const r = withProps(engine(homelab, "reasoner"), (p) => { p.image = "ghcr.io/huggingface/text-embeddings-inference:120-1.9.3"; });
    assert.deepEqual(await messages(imageArchMatchesMachine, r), [
      "reasoner-0d5b9dad (deployment reasoner on spark): image ghcr.io/huggingface/text-embeddings-inference:120-1.9.3 is published for amd64 only, but spark (dgx-spark) is arm64: set an arm64 image or move the service",
    ]);
  });
});

describe("image-pinned", () => {
  test("every homelab image is pinned; the rule is advisory by default", async () => {
    await assertPasses(imagePinned, homelab.resources);
    assert.equal(imagePinned.enforcementLevel, "advisory");
  });

  const vllm = () => named(homelab, "rtx5090-image-vllm/vllm-openai:v0.26.0");

  test("latest", async () => {
    const r = withProps(vllm(), (p) => { p.name = "vllm/vllm-openai:latest"; });
    assert.deepEqual(await messages(imagePinned, r), [
      "image vllm/vllm-openai:latest is not pinned: tag 'latest' moves with every release; use a release tag or a digest (vllm/vllm-openai@sha256:…)",
    ]);
  });

  test("no tag", async () => {
    const r = withProps(vllm(), (p) => { p.name = "docker.io/vllm/vllm-openai"; });
    assert.deepEqual(await messages(imagePinned, r), [
      "image docker.io/vllm/vllm-openai is not pinned: it has no tag, so Docker pulls 'latest'; use a release tag or a digest (vllm/vllm-openai@sha256:…)",
    ]);
  });

  test("a container that runs a moving tag by reference", async () => {
    const r = withProps(engine(homelab, "swap"), (p) => { p.image = "ghcr.io/mostlygeek/llama-swap:cuda"; });
    assert.deepEqual(await messages(imagePinned, r), [
      "swap-d6d9fb35 (deployment swap on rtx5090): image ghcr.io/mostlygeek/llama-swap:cuda is not pinned: tag 'cuda' moves with every release; use a release tag or a digest (ghcr.io/mostlygeek/llama-swap@sha256:…)",
    ]);
  });

  test("a digest passes, an allowed repository passes, and a stack can make the rule mandatory", async () => {
    const digest = withProps(vllm(), (p) => { p.name = `vllm/vllm-openai@sha256:${"a".repeat(64)}`; });
    assert.deepEqual(await messages(imagePinned, digest), []);
    const latest = withProps(vllm(), (p) => { p.name = "vllm/vllm-openai:latest"; });
    assert.deepEqual(await messages(imagePinned, latest, { allow: ["vllm/vllm-openai"] }), []);
    const [violation] = await runResourcePolicy(imagePinned, latest, { "image-pinned": { enforcementLevel: "mandatory" } });
    assert.equal(violation?.enforcementLevel, "mandatory");
  });
});

describe("no-plaintext-secrets", () => {
  test("every homelab container passes: HF_TOKEN, the master key and the provider keys are secret env", async () => {
    await assertPasses(noPlaintextSecrets, homelab.resources);
    await assertPasses(noPlaintextSecrets, homelab.resources, { fleetFile: homelab.file });
    await assertPasses(noPlaintextSecrets, local.resources);
  });

  test("a key in an env list that holds no secret Output is plain text, whatever its name", async () => {
    const r = withProps(engine(homelab, "orchestrator"), (p) => { p.envs = p.envs.filter((e: string) => !e.startsWith("HF_TOKEN=")); p.envs.push("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz"); });
    assert.deepEqual(await messages(noPlaintextSecrets, { ...r, secretPaths: [] }), [
      "orchestrator-31323aba (deployment orchestrator on rtx5090): environment variable HF_TOKEN holds a credential in plain text (no value of this container's envs is a secret Output) (hf_a…): pass it as a secret Output (pulumi.secret, or 'pulumi config set --secret'), then rotate it",
    ]);
  });

  test("in an env list that holds a secret: on fabric's containers undeclared names are plain; on hand-written ones the pack cannot tell", async () => {
    const r = withProps(engine(homelab, "orchestrator"), (p) => { p.envs.push("OPENAI_API_KEY=sk-proj-4f9c2a7d1e8b6a3c5f0e"); });
    assert.deepEqual(r.secretPaths, ["envs"]);
    assert.deepEqual(await messages(noPlaintextSecrets, r), [
      "orchestrator-31323aba (deployment orchestrator on rtx5090): environment variable OPENAI_API_KEY holds a credential in plain text (not declared secret) (sk-p…): pass it as a secret Output (pulumi.secret, or 'pulumi config set --secret'), then rotate it",
    ]);
    const handWritten = withProps(r, (p) => { p.labels = []; });
    assert.deepEqual(await messages(noPlaintextSecrets, handWritten), []);
  });

  test("a secret env var set twice: one of them is plain text", async () => {
    const r = withProps(engine(homelab, "orchestrator"), (p) => { p.envs.unshift("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz"); });
    assert.deepEqual(await messages(noPlaintextSecrets, r), [
      "orchestrator-31323aba (deployment orchestrator on rtx5090): environment variable HF_TOKEN is set 2 times: only one is the secret from stack config, the others hold it in plain text; remove the plain one",
    ]);
  });

  test("without recorded secret paths, what is secret comes from declarations: the plan's secretEnv with fleetFile, else secretEnvNames", async () => {
    const r = { ...engine(homelab, "orchestrator"), secretPaths: undefined };
    assert.deepEqual(await messages(noPlaintextSecrets, r, { secretEnvNames: [], fleetFile: homelab.file }), []);
    assert.deepEqual(await messages(noPlaintextSecrets, r, { secretEnvNames: [] }), [
      "orchestrator-31323aba (deployment orchestrator on rtx5090): environment variable HF_TOKEN holds a credential in plain text (not declared secret) (sk-f…): pass it as a secret Output (pulumi.secret, or 'pulumi config set --secret'), then rotate it",
    ]);
  });

  test("a key on the command line", async () => {
    const r = withProps(engine(homelab, "orchestrator"), (p) => { p.command.push("--api-key", "sk-proj-4f9c2a7d1e8b6a3c5f0e"); });
    const argc = (r.props.command as string[]).length;
    assert.deepEqual(await messages(noPlaintextSecrets, r), [
      `orchestrator-31323aba (deployment orchestrator on rtx5090): argument ${argc} (sk-p…) looks like a credential: never pass keys on the command line (docker inspect and ps show them); pass them as secret env`,
    ]);
  });

  test("a git revision is not a credential", async () => {
    const r = withProps(engine(homelab, "orchestrator"), (p) => { p.command.push("--revision", "0123456789abcdef0123456789abcdef01234567"); });
    assert.deepEqual(await messages(noPlaintextSecrets, r), []);
  });

  test("a key inlined in the uploaded LiteLLM config", async () => {
    const r = withProps(named(homelab, "litellm"), (p) => {
      p.uploads[0].content = p.uploads[0].content.replace("api_key: none", "api_key: sk-proj-4f9c2a7d1e8b6a3c5f0e");
    });
    const line = (r.props.uploads as { content: string }[])[0]!.content.split("\n").findIndex((l) => l.includes("sk-proj")) + 1;
    assert.deepEqual(await messages(noPlaintextSecrets, r), [
      `litellm (gateway on rtx5090): uploaded file /app/config.yaml line ${line} holds a credential in plain text: read it from the environment instead (os.environ/NAME in LiteLLM)`,
    ]);
  });
});

describe("engine-not-public", () => {
  test("homelab engines publish on the tailnet address, local ones listen on 127.0.0.1", async () => {
    await assertPasses(engineNotPublic, homelab.resources);
    await assertPasses(engineNotPublic, local.resources);
  });

  const published = (ip: string) => withProps(engine(homelab, "orchestrator"), (p) => { p.ports[0].ip = ip; });

  test("a port published on every interface", async () => {
    const message = "orchestrator-31323aba (deployment orchestrator on rtx5090): port 8199 is published on every interface of the machine: publish it on the machine's tailnet address or 127.0.0.1 (bindAddress)";
    assert.deepEqual(await messages(engineNotPublic, published("0.0.0.0")), [message]);
    assert.deepEqual(await messages(engineNotPublic, published("")), [message]);
  });

  test("a port published on a LAN address", async () => {
    assert.deepEqual(await messages(engineNotPublic, published("192.168.1.20")), [
      "orchestrator-31323aba (deployment orchestrator on rtx5090): port 8199 is published on 192.168.1.20, outside the mesh and loopback (100.64.0.0/10, fd7a:115c:a1e0::/48, 127.0.0.0/8, ::1/128): publish it on the machine's tailnet address or 127.0.0.1 (bindAddress)",
    ]);
  });

  test("host networking with --host 0.0.0.0", async () => {
    const r = withProps(engine(local, "tiny-1"), (p) => { p.command[p.command.indexOf("--host") + 1] = "0.0.0.0"; });
    assert.deepEqual(await messages(engineNotPublic, r), [
      "tiny-1-8d77b1fb (deployment tiny-1 on local): listens on every interface of the machine (--host 0.0.0.0) with host networking: bind it to the machine's tailnet address or 127.0.0.1 (bindAddress)",
    ]);
  });

  test("host networking with an Ollama-style OLLAMA_HOST on every interface", async () => {
    const r = withProps(engine(local, "tiny-1"), (p) => { p.command.splice(p.command.indexOf("--host"), 2); p.envs.push("OLLAMA_HOST=0.0.0.0:8081"); });
    assert.deepEqual(await messages(engineNotPublic, r), [
      "tiny-1-8d77b1fb (deployment tiny-1 on local): listens on every interface of the machine (OLLAMA_HOST 0.0.0.0) with host networking: bind it to the machine's tailnet address or 127.0.0.1 (bindAddress)",
    ]);
  });

  test("host networking with no listen address at all", async () => {
    const r = withProps(engine(local, "tiny-1"), (p) => { p.command.splice(p.command.indexOf("--host"), 2); });
    assert.deepEqual(await messages(engineNotPublic, r), [
      "tiny-1-8d77b1fb (deployment tiny-1 on local): uses host networking but its args name no listen address (--host, --hostname, --listen, OLLAMA_HOST), and engines default to every interface: bind it to the machine's bindAddress",
    ]);
  });

  test("services are held to the rule only when config names their role", async () => {
    const minio = withProps(named(homelab, "minio"), (p) => { p.ports[0].ip = "0.0.0.0"; });
    assert.deepEqual(await messages(engineNotPublic, minio), []);
    assert.deepEqual(await messages(engineNotPublic, minio, { roles: ["store"] }), [
      "minio (store on spark): port 9000 is published on every interface of the machine: publish it on the machine's tailnet address or 127.0.0.1 (bindAddress)",
    ]);
  });
});

describe("healthcheck-required", () => {
  test("every long-running homelab and local container has a health check and a restart policy", async () => {
    await assertPasses(healthcheckRequired, homelab.resources);
    await assertPasses(healthcheckRequired, local.resources);
  });

  test("no health check", async () => {
    const r = withProps(engine(homelab, "reasoner"), (p) => { delete p.healthcheck; });
    assert.deepEqual(await messages(healthcheckRequired, r), [
      "reasoner-0d5b9dad (deployment reasoner on spark): has no health check, so pulumi up cannot wait for it to serve and a rollout is not health-gated: add a healthcheck",
    ]);
  });

  test("no restart policy", async () => {
    const r = withProps(named(homelab, "prometheus"), (p) => { p.restart = "no"; });
    assert.deepEqual(await messages(healthcheckRequired, r), [
      "prometheus (monitoring on rtx5090): restart policy is 'no', so a crash or a reboot leaves it down: use unless-stopped",
    ]);
  });

  test("an engine whose health check gives up before the model loads", async () => {
    const r = withProps(engine(homelab, "reasoner"), (p) => { p.healthcheck.startPeriod = "30s"; });
    assert.deepEqual(await messages(healthcheckRequired, r), [
      "reasoner-0d5b9dad (deployment reasoner on spark): health check start period 30s is shorter than 120s; loading a model takes minutes, so a healthy engine would be marked unhealthy: raise rollout.healthTimeoutSeconds",
    ]);
    assert.deepEqual(await messages(healthcheckRequired, r, { minEngineStartPeriodSeconds: 30 }), []);
  });

  test("one-shot runs (the model sync) need neither", async () => {
    const sync = named(homelab, "reasoner-sync-0d5b9dad");
    assert.equal(sync.props.healthcheck, undefined);
    assert.deepEqual(await messages(healthcheckRequired, sync), []);
  });
});

describe("tailscale-acl-least-privilege", () => {
  const acl = () => named(homelab, "tailnet-policy");
  const withPolicy = (change: (policy: any) => void) => withProps(acl(), (p) => {
    const policy = JSON.parse((p.acl as string).replace(/^\/\/.*$/gm, ""));
    change(policy);
    p.acl = `// edited\n${JSON.stringify(policy, null, 2)}`;
  });

  test("the homelab tailnet policy (HuJSON, comments included) passes", async () => {
    assert.match(acl().props.acl as string, /^\/\//);
    await assertPasses(tailscaleAclLeastPrivilege, [acl()]);
  });

  test("an accept-all grant", async () => {
    const r = withPolicy((p) => p.grants.push({ src: ["*"], dst: ["*"], ip: ["*"] }));
    assert.deepEqual(await messages(tailscaleAclLeastPrivilege, r), [
      "tailnet policy grants[10] accepts everything (src '*', dst '*', all ports): grant named tags the ports they need",
    ]);
  });

  test("a grant that names no ports", async () => {
    const r = withPolicy((p) => { delete p.grants[5].ip; });
    assert.deepEqual(await messages(tailscaleAclLeastPrivilege, r), [
      "tailnet policy grants[5] names no ports (no 'ip'): list them, e.g. [\"tcp:8000\"]",
    ]);
  });

  test("a grant that opens every TCP port", async () => {
    const r = withPolicy((p) => { p.grants[5].ip = ["tcp:*"]; });
    assert.deepEqual(await messages(tailscaleAclLeastPrivilege, r), [
      "tailnet policy grants[5] opens all ports ('tcp:*') from tag:gateway to tag:machine-rtx5090: list the ports",
    ]);
  });

  test("a wildcard source", async () => {
    const r = withPolicy((p) => { p.grants[2].src = ["*"]; });
    assert.deepEqual(await messages(tailscaleAclLeastPrivilege, r), [
      "tailnet policy grants[2] lets every device (src '*') reach tag:machine-rtx5090: name the tags or groups that need it",
    ]);
    assert.deepEqual(await messages(tailscaleAclLeastPrivilege, r, { allowWildcardSource: true }), []);
  });

  test("a legacy accept-all ACL", async () => {
    const r = withPolicy((p) => { p.acls = [{ action: "accept", src: ["*"], dst: ["*:*"] }]; });
    assert.deepEqual(await messages(tailscaleAclLeastPrivilege, r), [
      "tailnet policy acls[0] accepts everything (src '*', dst '*:*'): grant named tags the ports they need",
    ]);
  });

  test("a policy that is not HuJSON", async () => {
    const r = withProps(acl(), (p) => { p.acl = "{\"grants\": ["; });
    const [message] = await messages(tailscaleAclLeastPrivilege, r);
    assert.match(message ?? "", /^the tailnet policy is not valid HuJSON: /);
  });
});

describe("preview", () => {
  test("an image id unknown during preview does not stop any resource policy", async () => {
    const r = withProps(engine(homelab, "orchestrator"), (p) => { p.image = UNKNOWN_STRING; });
    for (const policy of allPolicies) {
      if (!("validateResource" in policy)) continue;
      assert.deepEqual(await runResourcePolicy(policy, r), [], policy.name);
    }
  });
});
