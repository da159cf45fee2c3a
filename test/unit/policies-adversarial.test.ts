// The pack against hand-written resources (issue 18): containers written with @pulumi/docker
// directly, that violate one rule each, try to slip past one, or comply and must pass every rule.
// The same cases are previewed for real in test/engine/policy-adversarial.test.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { holdsCredential } from "../../policies/credentials";
import { allPolicies } from "../../policies/rules";
import { imagePinned } from "../../policies/rules/images";
import { engineNotPublic } from "../../policies/rules/network";
import { portCollision } from "../../policies/rules/ports";
import { type AdversarialCase, caseResources, compliantCases, violatingCases } from "../support/adversarial";
import { repoRoot } from "../support/stacks";
import { configForAll, type FleetUnderTest, fleetUnderTest, runPolicies, runResourcePolicy, runStackPolicy, type TestResource, withProps } from "../support/policy-harness";

const CONTAINER = "docker:index/container:Container";

/** `rule → resource` for every violation, and the messages. */
async function findings(cases: readonly AdversarialCase[]) {
  const violations = await runPolicies(allPolicies, await caseResources(cases));
  return violations.map((v) => ({ key: `${v.policy} → ${v.urn?.split("::").pop() ?? "stack"}`, message: v.message, level: v.enforcementLevel }));
}

describe("hand-written resources: violations", () => {
  test("each violating case is caught by its rule, and nothing else is reported", async () => {
    const found = await findings(violatingCases);
    const expected = violatingCases.flatMap((c) => (c.expect ? [`${c.expect.rule} → ${c.name}`] : []));
    assert.deepEqual(found.map((f) => f.key).sort(), expected.sort(), found.map((f) => `${f.key}: ${f.message}`).join("\n"));
    for (const c of violatingCases) {
      const expect = c.expect;
      if (!expect) continue;
      const mine = found.filter((f) => f.key === `${expect.rule} → ${c.name}`);
      assert.ok(mine.some((f) => f.message.includes(expect.message)), `${c.name} (${c.why}): '${expect.message}' in ${mine.map((f) => f.message).join(" | ")}`);
    }
  });

  test("no reported message carries a whole credential", async () => {
    for (const f of await findings(violatingCases)) assert.ok(!/hf_[A-Za-z0-9]{8,}|Bearer [0-9a-f]{8,}/.test(f.message), f.message);
  });
});

describe("hand-written resources: compliant programs", () => {
  test("zero violations of any rule, advisory included", async () => {
    const found = await findings(compliantCases);
    assert.deepEqual(found, []);
  });
});

describe("credentials and their false friends, both ways", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  for (const [value, expected] of [
    [`/models/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/${sha}/config.json`, false],
    [`--revision=${sha}`, false],
    [`--code-revision ${sha}`, false],
    [`revision: ${sha}`, false],
    [`sha256:${"ab".repeat(32)}`, false],
    [`ghcr.io/ggml-org/llama.cpp@sha256:${"cd".repeat(32)}`, false],
    [sha, true],
    [`--api-token=${sha}`, true],
    [`/models/snapshot-${sha}`, true],
    ["hf_Zq3vR8nT2mK7pL4wX9yB6cD1fG5hJ0sA", true],
    ["Authorization: Bearer 9f8e7d6c5b4a39281706abcd", true],
    ["Authorization: Bearer $TOKEN", false],
  ] as const) {
    test(`${value.slice(0, 60)} ${expected ? "is" : "is not"} a credential`, () => assert.equal(holdsCredential(value), expected));
  }
});

describe("variants that try to slip past", () => {
  const llamacpp = (extra: Record<string, unknown>): TestResource => ({
    type: CONTAINER, name: "hand-llama",
    props: { image: "ghcr.io/ggml-org/llama.cpp:server-cuda-b10902", networkMode: "host", restart: "unless-stopped", ...extra },
  });

  test("llama.cpp listening on 0.0.0.0 through LLAMA_ARG_HOST; TEI through HOSTNAME", async () => {
    const messages = async (r: TestResource) => (await runResourcePolicy(engineNotPublic, r)).map((v) => v.message);
    assert.deepEqual(await messages(llamacpp({ envs: ["LLAMA_ARG_HOST=0.0.0.0"] })), [
      "hand-llama (llamacpp engine): listens on every interface of the machine (LLAMA_ARG_HOST 0.0.0.0) with host networking: bind it to the machine's tailnet address or 127.0.0.1 (bindAddress)",
    ]);
    assert.deepEqual(await messages(llamacpp({ envs: ["LLAMA_ARG_HOST=127.0.0.1"] })), []);
    assert.deepEqual(await messages(llamacpp({ envs: ["LLAMA_ARG_HOST=0.0.0.0"], command: ["--host", "127.0.0.1"] })), [], "argv wins over env, as in llama.cpp");
    const tei = { type: CONTAINER, name: "hand-tei", props: { image: "ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3", networkMode: "host", envs: ["HOSTNAME=0.0.0.0"] } };
    assert.deepEqual(await messages(tei), [
      "hand-tei (tei engine): listens on every interface of the machine (HOSTNAME 0.0.0.0) with host networking: bind it to the machine's tailnet address or 127.0.0.1 (bindAddress)",
    ]);
  });

  test("moving tags: no version digits, or an engine tag without its build number", async () => {
    const messages = async (image: string) => (await runResourcePolicy(imagePinned, { type: "docker:index/remoteImage:RemoteImage", name: "img", props: { name: image } })).map((v) => v.message);
    assert.deepEqual(await messages("ghcr.io/ggml-org/llama.cpp:server-vulkan"), [
      "image ghcr.io/ggml-org/llama.cpp:server-vulkan is not pinned: tag 'server-vulkan' names no version, so it moves with every release; use a release tag or a digest (ghcr.io/ggml-org/llama.cpp@sha256:…)",
    ]);
    assert.deepEqual(await messages("lmsysorg/sglang:spark"), [
      "image lmsysorg/sglang:spark is not pinned: tag 'spark' names no version, so it moves with every release; use a release tag or a digest (lmsysorg/sglang@sha256:…)",
    ]);
    assert.deepEqual(await messages("ghcr.io/ggml-org/llama.cpp:server-cuda12"), [
      "image ghcr.io/ggml-org/llama.cpp:server-cuda12 is not pinned: tag 'server-cuda12' has no build number, so it moves with every build; use a release tag or a digest (ghcr.io/ggml-org/llama.cpp@sha256:…)",
    ]);
    for (const pinned of ["ghcr.io/ggml-org/llama.cpp:server-cuda13-b10902", "lmsysorg/sglang:v0.5.18-cu130", "vllm/vllm-openai:v0.26.0", `busybox@sha256:${"ab".repeat(32)}`]) {
      assert.deepEqual(await messages(pinned), [], pinned);
    }
  });

  describe("with fleetFile", () => {
    let homelab: FleetUnderTest;
    before(async () => { homelab = await fleetUnderTest("homelab"); });

    test("a hand-added container colliding with a fleet engine's port", async () => {
      const orchestrator = homelab.resources.find((r) => r.type === CONTAINER && (r.props.labels as { label: string; value: string }[]).some((l) => l.label === "fabric.deployment" && l.value === "orchestrator"));
      assert.ok(orchestrator);
      const port = (orchestrator.props.ports as { external: number }[])[0]?.external;
      const handAdded: TestResource = { type: CONTAINER, name: "hand-added", props: { image: "docker.io/library/busybox:1.36.1", labels: [{ label: "fabric.machine", value: "rtx5090" }], ports: [{ internal: 80, external: port, ip: "127.0.0.1" }] } };
      const config = configForAll([portCollision], { fleetFile: homelab.file });
      assert.deepEqual(await runStackPolicy(portCollision, homelab.resources, config), []);
      assert.deepEqual((await runStackPolicy(portCollision, [...homelab.resources, handAdded], config)).map((v) => [v.message, v.urn?.split("::").pop()]), [
        [`port ${port} on rtx5090 is used by hand-added on rtx5090 and ${orchestrator.name} (deployment orchestrator on rtx5090): pick a free port`, "hand-added"],
      ]);
    });

    test("a hand-added container without labels, on the same Docker host as a fleet engine, collides by port", async () => {
      const onHost = (r: TestResource): TestResource => {
        const machine = ((r.props.labels ?? []) as { label: string; value: string }[]).find((l) => l.label === "fabric.machine")?.value;
        return machine ? { ...r, provider: { name: machine, host: `ssh://ops@${machine}.example.ts.net` } } : r;
      };
      const resources = homelab.resources.map(onHost);
      const orchestrator = resources.find((r) => r.name.startsWith("orchestrator-"));
      assert.ok(orchestrator);
      const port = (orchestrator.props.ports as { external: number }[])[0]?.external;
      const handAdded: TestResource = { type: CONTAINER, name: "hand-added", provider: { name: "by-hand", host: "ssh://ops@rtx5090.example.ts.net" }, props: { image: "docker.io/library/busybox:1.36.1", ports: [{ internal: 80, external: port, ip: "127.0.0.1" }] } };
      const config = configForAll([portCollision], { fleetFile: homelab.file });
      assert.deepEqual(await runStackPolicy(portCollision, resources, config), []);
      assert.deepEqual((await runStackPolicy(portCollision, [...resources, handAdded], config)).map((v) => [v.message, v.urn?.split("::").pop()]), [
        [`port ${port} on rtx5090 is used by hand-added and ${orchestrator.name} (deployment orchestrator on rtx5090): pick a free port`, "hand-added"],
      ]);
    });

    test("engine-not-public agrees with fabric check: a machine with allowPublicBind may publish on 0.0.0.0", async () => {
      const open = await fleetUnderTest("homelab", (f) => {
        const m = f.machines.find((x: { name: string }) => x.name === "rtx5090");
        m.bindAddress = "0.0.0.0";
        m.allowPublicBind = true;
      });
      const orchestrator = open.resources.find((r) => r.name.startsWith("orchestrator-"));
      assert.ok(orchestrator);
      assert.equal((orchestrator.props.ports as { ip: string }[])[0]?.ip, "0.0.0.0");
      const messages = async (config: Record<string, unknown>) => (await runResourcePolicy(engineNotPublic, orchestrator, { [engineNotPublic.name]: config })).map((v) => v.message);
      assert.equal((await messages({})).length, 1);
      assert.deepEqual(await messages({ fleetFile: open.file }), []);
    });

    test("a fabric engine hand-edited to carry a plain HF_TOKEN beside its secret one is reported once, without the value", async () => {
      const orchestrator = homelab.resources.find((r) => r.name.startsWith("orchestrator-"));
      assert.ok(orchestrator);
      const edited = withProps(orchestrator, (p) => { p.envs.push("HF_TOKEN=hf_Zq3vR8nT2mK7pL4wX9yB6cD1fG5hJ0sA"); });
      const found = await runPolicies(allPolicies, [edited], configForAll(allPolicies, { fleetFile: homelab.file }));
      assert.deepEqual(found.filter((v) => v.policy === "no-plaintext-secrets").map((v) => v.message), [
        `${orchestrator.name} (deployment orchestrator on rtx5090): environment variable HF_TOKEN is set 2 times: only one is the secret from stack config, the others hold it in plain text; remove the plain one`,
      ]);
    });
  });
});

describe("how the pack learns which props are secret", () => {
  test("the wrapped deserializer records the engine's secret markers for the object args.props proxies", async () => {
    const { installSecretPathTracking, secretPathsOf, secretPathsOfWire } = await import("../../policies/secret-paths");
    installSecretPathTracking();
    // The pack's own copy of pulumi-policy (policies/node_modules), the one its server uses.
    const fromPack = (m: string) => require(require.resolve(m, { paths: [join(repoRoot, "policies")] }));
    const deserialize = fromPack("@pulumi/policy/deserialize") as { deserializeProperties(s: { toJavaScript(): unknown }, proxySecrets: boolean): Record<string, unknown> };
    const proxy = fromPack("@pulumi/policy/proxy") as { unknownCheckingProxy<T extends object>(o: T): T };
    const SIG = "4dabf18193072939515e22adb298388d";
    const SECRET = "1b47061264138c4ac30d75fd1eb44270";
    // What the engine sends for `envs: ["A=1", pulumi.secret(...)]` after the Docker provider's Check: the whole list marked.
    const wire = { envs: { [SIG]: SECRET, value: ["A=1", "HF_TOKEN=hf_x"] }, healthcheck: { tests: { [SIG]: SECRET, value: ["CMD", "true"] } }, image: "busybox:1.36.1" };
    assert.deepEqual(secretPathsOfWire(wire), ["envs", "healthcheck.tests"]);
    const props = proxy.unknownCheckingProxy(deserialize.deserializeProperties({ toJavaScript: () => wire }, false));
    assert.deepEqual(JSON.parse(JSON.stringify(props.envs)), ["A=1", "HF_TOKEN=hf_x"], "rules still get unwrapped values");
    assert.deepEqual(secretPathsOf(props), ["envs", "healthcheck.tests"]);
  });

  test("pulumi-policy's server still reaches the deserializer through its module object (what the hook relies on)", () => {
    const server = readFileSync(require.resolve("@pulumi/policy/server", { paths: [join(repoRoot, "policies")] }), "utf8");
    assert.match(server, /deserialize_1\.deserializeProperties\(/);
    assert.match(server, /proxy_1\.unknownCheckingProxy\(deserd\)/);
  });
});
