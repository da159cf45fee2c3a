// Hand-written resources for the pack's adversarial suite: containers written with @pulumi/docker
// directly, outside the fleet file, as issue 18's run wrote them. Each violating case breaks one
// rule (some by trying to slip past it); every compliant case must pass every rule. The same data
// becomes TestResources for the policy harness (unit tier) and a real Pulumi program (engine tier).
import * as pulumi from "@pulumi/pulumi";
import type { TestResource } from "./policy-harness";
import { resolveWithSecretPaths } from "./policy-harness";

/** A secret Output in a case's props: `pulumi.interpolate\`${prefix}${pulumi.secret(value)}\``. */
export interface SecretMarker { readonly $secret: string; readonly prefix?: string }

/** One hand-written container: its resource name, its args, and the violation it must cause (rule and part of the message). */
export interface AdversarialCase {
  readonly name: string;
  /** A pulled image (`docker.RemoteImage`, props.name is the reference) instead of a container. */
  readonly kind?: "image";
  readonly why: string;
  readonly props: Record<string, unknown>;
  readonly expect?: { readonly rule: string; readonly message: string };
}

const HF_TOKEN = "hf_Zq3vR8nT2mK7pL4wX9yB6cD1fG5hJ0sA";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const secret = (value: string, prefix?: string): SecretMarker => ({ $secret: value, ...(prefix ? { prefix } : {}) });

/** A long-running service that passes every rule: pinned image, health check, restart policy. */
function service(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { image: "docker.io/library/busybox:1.36.1", command: ["sleep", "infinity"], restart: "unless-stopped", healthcheck: { tests: ["CMD", "true"] }, ...extra };
}

/** An engine that passes every rule: pinned catalog image, loopback only, long start period, restart policy. */
function engineService(extra: Record<string, unknown>): Record<string, unknown> {
  return { restart: "unless-stopped", healthcheck: { tests: ["CMD", "curl", "-f", "http://127.0.0.1/health"], startPeriod: "300s" }, ...extra };
}

/** Labels of a fabric engine (hand-copied from a fleet, as people do). */
function engineLabels(deployment: string, budget: string, extra: Record<string, string> = {}): { label: string; value: string }[] {
  const labels: Record<string, string> = {
    "fabric.deployment": deployment, "fabric.machine": "gpubox", "fabric.hardware": "rtx-5090", "fabric.engine": "vllm",
    "fabric.recipe": deployment, "fabric.recipe-hash": "0000aaaa", "fabric.quantization": "awq", "fabric.memory-budget-gib": budget, ...extra,
  };
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

const prometheusYaml = (targets: readonly string[]) => `global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: engines\n    static_configs:\n      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]\n`;

/** Violating cases: each is caught by exactly its rule. */
export const violatingCases: readonly AdversarialCase[] = [
  { name: "plain-hf-token", why: "HF_TOKEN=hf_… as plain env text (no secret in the list, so it is plain)",
    props: service({ envs: [`HF_TOKEN=${HF_TOKEN}`, "LOG_LEVEL=info"] }),
    expect: { rule: "no-plaintext-secrets", message: "environment variable HF_TOKEN holds a credential in plain text (no value of this container's envs is a secret Output) (hf_Z…)" } },
  { name: "bearer-in-healthcheck", why: "a bearer token inside a health-check command",
    props: service({ healthcheck: { tests: ["CMD", "curl", "-H", "Authorization: Bearer 9f8e7d6c5b4a39281706abcd", "http://127.0.0.1/v1/models"] } }),
    expect: { rule: "no-plaintext-secrets", message: "health check test 4 (Auth…) holds a credential in plain text" } },
  { name: "unlabelled-engine-public", why: "an engine image without fabric.* labels on --host 0.0.0.0",
    props: engineService({ image: "vllm/vllm-openai:v0.26.0", networkMode: "host", command: ["--model", "Qwen/Qwen3-8B", "--host", "0.0.0.0", "--port", "8301"] }),
    expect: { rule: "engine-not-public", message: "unlabelled-engine-public (vllm engine): listens on every interface of the machine (--host 0.0.0.0) with host networking" } },
  { name: "misspelt-label", why: "fabric.quantisation instead of fabric.quantization",
    props: service({ labels: [{ label: "fabric.quantisation", value: "nvfp4" }] }),
    expect: { rule: "fabric-labels-known", message: "label fabric.quantisation is not a fabric label, so no rule reads it: did you mean fabric.quantization?" } },
  { name: "gpu-tenant-a", why: "first tenant of GPU 0, by label",
    props: engineService({ image: "vllm/vllm-openai:v0.26.0", labels: engineLabels("tenant-a", "20.00", { "fabric.gpus": "0" }), ports: [{ internal: 8000, external: 8311, ip: "127.0.0.1" }] }) },
  { name: "gpu-tenant-b", why: "second tenant of GPU 0 without fabric.gpus: Docker's gpus says device=0",
    props: engineService({ image: "vllm/vllm-openai:v0.26.0", gpus: "device=0", labels: engineLabels("tenant-b", "20.00"), ports: [{ internal: 8000, external: 8312, ip: "127.0.0.1" }] }),
    expect: { rule: "gpu-oversubscription", message: "gpubox GPU 0 (rtx-5090): engines claim 1.28 of 31.4 GiB (tenant-a 0.64 + tenant-b 0.64)" } },
  { name: "port-holder", why: "first of two unlabelled containers on host port 9310",
    props: service({ ports: [{ internal: 80, external: 9310, ip: "127.0.0.1" }] }) },
  { name: "port-taker", why: "second unlabelled container on host port 9310",
    props: service({ ports: [{ internal: 8080, external: 9310, ip: "127.0.0.1" }] }),
    expect: { rule: "port-collision", message: "port 9310 on" } },
  { name: "restarted-not-one-shot", why: "mustRun: false with restart: unless-stopped is a service, not a one-shot run",
    props: { image: "docker.io/library/busybox:1.36.1", command: ["sleep", "infinity"], mustRun: false, restart: "unless-stopped" },
    expect: { rule: "healthcheck-required", message: "restarted-not-one-shot: has no health check" } },
  { name: "moving-tag", why: "a tag with no version digits",
    props: service({ image: "docker.io/library/busybox:musl" }),
    expect: { rule: "image-pinned", message: "image docker.io/library/busybox:musl is not pinned: tag 'musl' names no version" } },
  { name: "moving-vulkan", kind: "image", why: "llama.cpp's server-vulkan: a variant, no version",
    props: { name: "ghcr.io/ggml-org/llama.cpp:server-vulkan", keepLocally: true },
    expect: { rule: "image-pinned", message: "image ghcr.io/ggml-org/llama.cpp:server-vulkan is not pinned: tag 'server-vulkan' names no version" } },
  { name: "moving-spark", kind: "image", why: "SGLang's spark tag: follows every release",
    props: { name: "lmsysorg/sglang:spark", keepLocally: true },
    expect: { rule: "image-pinned", message: "image lmsysorg/sglang:spark is not pinned: tag 'spark' names no version" } },
  { name: "unscraped-engine", why: "a Prometheus config named prometheus.yaml scrapes the other engines but not this one",
    props: engineService({ image: "ghcr.io/ggml-org/llama.cpp:server-b10902", networkMode: "host", envs: ["LLAMA_ARG_HOST=127.0.0.1", "LLAMA_ARG_PORT=8320"] }),
    expect: { rule: "every-engine-monitored", message: "unscraped-engine (llamacpp engine): is not a Prometheus scrape target" } },
  { name: "prometheus-yaml", why: "the Prometheus config, under another file name",
    props: service({ image: "prom/prometheus:v3.5.0", uploads: [{ file: "/etc/prometheus/prometheus.yaml", content: prometheusYaml(["127.0.0.1:8301", "127.0.0.1:8311", "127.0.0.1:8312"]) }] }) },
  { name: "litellm-json", why: "a LiteLLM config uploaded as JSON, falling back to a model that does not exist",
    props: service({ image: "ghcr.io/berriai/litellm:v1.80.0-stable", uploads: [{ file: "/app/config.json", content: JSON.stringify({
      model_list: [{ model_name: "local", litellm_params: { model: "openai/local", api_base: "http://127.0.0.1:8301/v1", api_key: "none" } }],
      router_settings: { fallbacks: [{ local: ["ghost"] }] },
    }) }] }),
    expect: { rule: "gateway-routes-resolve", message: "route 'local' falls back to 'ghost', which is not a model in model_list" } },
];

/** Compliant cases: together they must produce zero violations of any rule and level. */
export const compliantCases: readonly AdversarialCase[] = [
  { name: "secret-token", why: "a pulumi.interpolate of a secret in env, beside plain values",
    props: service({ envs: [secret(HF_TOKEN, "HF_TOKEN="), "LOG_LEVEL=info"] }) },
  { name: "secret-bearer", why: "a secret bearer header in a health check",
    props: service({ healthcheck: { tests: ["CMD", "curl", "-H", secret("9f8e7d6c5b4a39281706abcd", "Authorization: Bearer "), "http://127.0.0.1/health"] } }) },
  { name: "vllm-snapshot", why: "an HF snapshot path and --revision=<sha> in one argument; published on loopback; scraped by address",
    props: engineService({ image: "vllm/vllm-openai:v0.26.0", ports: [{ internal: 8000, external: 8401, ip: "127.0.0.1" }],
      command: [`/models/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/${SHA}`, `--revision=${SHA}`, "--tokenizer-revision", SHA] }) },
  { name: "llamacpp-env-listen", why: "llama.cpp's listen address from LLAMA_ARG_HOST/LLAMA_ARG_PORT with host networking; scraped by address",
    props: engineService({ image: "ghcr.io/ggml-org/llama.cpp:server-cuda-b10902", networkMode: "host", envs: ["LLAMA_ARG_HOST=127.0.0.1", "LLAMA_ARG_PORT=8402"] }) },
  { name: "gateway-cloud", why: "a LiteLLM config (YAML) with a cloud provider's api_base and a local engine's; a known fabric label",
    props: service({ image: "ghcr.io/berriai/litellm:v1.80.0-stable", labels: [{ label: "fabric.role", value: "gateway" }], envs: [secret("sk-cloud-4f9c2a7d1e8b6a3c5f0e", "CLOUD_API_KEY=")], uploads: [{ file: "/app/config.yaml", content: [
      "model_list:",
      "  - model_name: local",
      "    litellm_params: {model: openai/local, api_base: \"http://127.0.0.1:8402/v1\", api_key: none}",
      "  - model_name: cloud",
      "    litellm_params: {model: openai/gpt-4.1, api_base: \"https://api.example.com/v1\", api_key: os.environ/CLOUD_API_KEY}",
      "router_settings:",
      "  fallbacks: [{local: [cloud]}]",
      "",
    ].join("\n") }] }) },
  { name: "gpu-share-label", why: "a labelled engine on GPU 0 by fabric.gpus, 12 GiB",
    props: engineService({ image: "vllm/vllm-openai:v0.26.0", labels: engineLabels("share-a", "12.00", { "fabric.gpus": "0" }), ports: [{ internal: 8000, external: 8411, ip: "127.0.0.1" }] }) },
  { name: "gpu-share-docker", why: "a labelled engine on GPU 0 by Docker's gpus only, 12 GiB: 24 of 31.4 GiB together",
    props: engineService({ image: "vllm/vllm-openai:v0.26.0", gpus: "device=0", labels: engineLabels("share-b", "12.00"), ports: [{ internal: 8000, external: 8412, ip: "127.0.0.1" }] }) },
  { name: "prometheus-by-address", why: "engines scraped by address, without deployment labels",
    props: service({ image: "prom/prometheus:v3.5.0", uploads: [{ file: "/etc/prometheus/prometheus.yml", content: prometheusYaml(["127.0.0.1:8401", "127.0.0.1:8402", "127.0.0.1:8411", "127.0.0.1:8412"]) }] }) },
  { name: "one-shot", why: "mustRun: false with no restart policy runs once: no health check needed",
    props: { image: `docker.io/library/busybox@${DIGEST}`, command: ["true"], mustRun: false } },
];

function isSecretMarker(v: unknown): v is SecretMarker {
  return typeof v === "object" && v !== null && "$secret" in v;
}

/** Props with every marker turned into a Pulumi secret Output. */
function withOutputs(value: unknown): unknown {
  if (isSecretMarker(value)) return pulumi.interpolate`${value.prefix ?? ""}${pulumi.secret(value.$secret)}`;
  if (Array.isArray(value)) return value.map(withOutputs);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withOutputs(v)]));
  return value;
}

/** The cases as the pack sees them through the harness: resolved props, secret paths as the engine marks them. */
export async function caseResources(cases: readonly AdversarialCase[]): Promise<TestResource[]> {
  return Promise.all(cases.map(async (c) => {
    const { props, secretPaths } = await resolveWithSecretPaths(withOutputs(c.props) as Record<string, unknown>);
    return { type: c.kind === "image" ? "docker:index/remoteImage:RemoteImage" : "docker:index/container:Container", name: c.name, props, secretPaths };
  }));
}

/** TypeScript source of a Pulumi program creating the cases with @pulumi/docker, on a Docker host that is never contacted. */
export function programSource(cases: readonly AdversarialCase[]): string {
  const code = (value: unknown): string => {
    if (isSecretMarker(value)) return `pulumi.interpolate\`${(value.prefix ?? "").replace(/[`$\\]/g, "\\$&")}\${pulumi.secret(${JSON.stringify(value.$secret)})}\``;
    if (Array.isArray(value)) return `[${value.map(code).join(", ")}]`;
    if (typeof value === "object" && value !== null) return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${code(v)}`).join(", ")} }`;
    return JSON.stringify(value);
  };
  return [
    "// Generated by test/support/adversarial.ts: hand-written containers, one per case.",
    'import * as docker from "@pulumi/docker";',
    'import * as pulumi from "@pulumi/pulumi";',
    'const provider = new docker.Provider("gpubox", { host: "tcp://127.0.0.1:1" });',
    ...cases.map((c) => (c.kind === "image"
      ? `new docker.RemoteImage(${JSON.stringify(c.name)}, ${code(c.props)}, { provider });`
      : `new docker.Container(${JSON.stringify(c.name)}, { name: ${JSON.stringify(c.name)}, ...${code(c.props)} }, { provider });`)),
    "",
  ].join("\n");
}
