// The Kubernetes target in core and in the policy pack: placement on node pools, the capacity
// check with its numbers, the rendered objects (GPU limits, pool selection, probes, drain, rollout,
// NetworkPolicies mirroring the grants, the store-sync init container), a mixed fleet behind one
// gateway, and the pack's Kubernetes rules starting from the rendered (passing) objects.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseFleet } from "../../core/fleet/load";
import type { Fleet } from "../../core/fleet/schema";
import { plan } from "../../core/plan/plan";
import type { KubeObject } from "../../core/render/kubernetes/types";
import { K8S_DEPLOYMENT, K8S_SERVICE, kubernetesEngineServiceInternal, kubernetesGpuLimits, kubernetesImagePinned, kubernetesMemoryFit, kubernetesProbes } from "../../policies/rules/kubernetes";
import { runResourcePolicy } from "../support/policy-harness";
import { repoRoot } from "../support/stacks";

function load(path: string): Fleet {
  const parsed = parseFleet(readFileSync(path, "utf8"));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.violations));
  return parsed.fleet;
}
const clusterFleet = () => load(join(repoRoot, "stacks", "cluster-test.fleet.yaml"));
const hostileBase = () => load(join(repoRoot, "test", "fixtures", "hostile-base.fleet.yaml"));
const objectOf = (objects: readonly KubeObject[], kind: string, name: string): any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} rendered`);
  return found;
};

describe("cluster placement and capacity", () => {
  test("the cluster-test fleet plans with no violations; its engines run on the pools' hardware", () => {
    const p = plan(clusterFleet());
    assert.deepEqual(p.violations, []);
    assert.deepEqual(p.engines.map((e) => [e.deployment, e.cluster, e.hardware]), [["orchestrator", "gpu", "rtx-5090"], ["big", "gpu", "h100-80gb"]]);
    assert.equal(p.machines.length, 0);
  });

  test("more GPUs than the pool has: cluster-capacity names the numbers", () => {
    const fleet = clusterFleet();
    fleet.deployments[0]!.replicas = 4;
    const v = plan(fleet).violations.filter((x) => x.rule === "cluster-capacity");
    assert.deepEqual(v.map((x) => [x.path, x.message]), [["clusters[0].nodePools[0]",
      "gpu/rtx-5090: deployments request 4 GPUs (orchestrator 4 × 1; rollouts add none: maxSurge 0 on GPUs) but the pool has 3 (3 nodes × 1); 3 of 4 pods fit: add nodes or lower replicas"]]);
  });

  test("enough GPUs in total but not on one node: two 5-GPU pods on one 8-GPU node do not fit", () => {
    const fleet = clusterFleet();
    fleet.recipes["llama-70b-fp8"]!.tensorParallel = 5;
    const v = plan(fleet).violations.filter((x) => x.rule === "cluster-capacity");
    assert.equal(v.length, 1);
    assert.match(v[0]!.message, /request 10 GPUs .* has 8 \(1 nodes × 8\); 1 of 2 pods fit/);
  });

  test("a deployment on an unknown pool, or on a machine and a cluster at once, is refused", () => {
    const fleet = clusterFleet();
    fleet.deployments[0]!.nodePool = "a100";
    fleet.deployments[1]!.machine = "edge";
    const v = plan(fleet).violations.filter((x) => x.rule === "cluster-placement");
    assert.deepEqual(v.map((x) => x.path), ["deployments[0].nodePool", "deployments[1]"]);
    assert.match(v[0]!.message, /unknown node pool 'a100' in cluster gpu: use one of rtx-5090, h100/);
  });
});

describe("rendered objects", () => {
  const p = plan(hostileBase());
  const lab = p.clusters.find((c) => c.name === "lab")!;
  const gpu = p.clusters.find((c) => c.name === "gpu")!;

  test("a Deployment per engine: GPU limit, pool selection, probes from the health path and load time, drain, rollout without surge", () => {
    const d = objectOf(gpu.manifests, "Deployment", "gpu-sglang");
    const pod = d.spec.template.spec;
    const engine = pod.containers[0];
    assert.deepEqual(engine.resources.limits, { "nvidia.com/gpu": "1" });
    assert.deepEqual(pod.nodeSelector, { "gpu-pool": "h100" });
    assert.deepEqual(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values, ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe"]);
    assert.deepEqual(pod.tolerations, [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }]);
    assert.equal(engine.startupProbe.httpGet.path, "/health");
    assert.equal(engine.startupProbe.failureThreshold, 90, "900 s of load time in 10 s probes");
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxUnavailable: 1, maxSurge: 0 });
    assert.equal(d.metadata.annotations["pulumi.com/timeoutSeconds"], "1020", "Pulumi waits no longer than the load time + 120 s");
    assert.ok(pod.volumes.some((v: any) => v.name === "shm" && v.emptyDir.medium === "Memory"));
    assert.equal(objectOf(gpu.manifests, "PersistentVolumeClaim", "gpu-sglang-models").spec.storageClassName, "fast-rwx");
    assert.equal(objectOf(gpu.manifests, "Service", "gpu-sglang").spec.type, "ClusterIP");
    // The same argv the Docker interpreter runs: one render, two interpreters.
    const engineArgv = p.engines.find((e) => e.deployment === "gpu-sglang")!.argv;
    assert.deepEqual([...(engine.command ?? []), ...engine.args], engineArgv);
  });

  test("a store-synced model: the init container runs the Docker sync script with the read-only key from the Secret; egress only to the store and DNS", () => {
    const pod = objectOf(lab.manifests, "Deployment", "lab-llama").spec.template.spec;
    const sync = pod.initContainers[0];
    const dockerSync = p.engines.find((e) => e.deployment === "lab-llama")!.modelSync!.container;
    assert.deepEqual(sync.command, [...dockerSync.entrypoint!, ...dockerSync.args]);
    assert.deepEqual(sync.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.key]), [["STORE_ACCESS_KEY", "storeAccessKey"], ["STORE_SECRET_KEY", "storeSecretKey"]]);
    assert.ok(lab.secretKeys.includes("storeAccessKey") && lab.secretKeys.includes("huggingFaceToken"));
    const policy = objectOf(lab.manifests, "NetworkPolicy", "lab-llama-engine");
    assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(policy.spec.egress[0].ports, [{ port: 9000, protocol: "TCP" }]);
    // The gateway and Prometheus machines have DNS names: only in-cluster fabric pods of those roles are named.
    assert.deepEqual(policy.spec.ingress.map((r: any) => r.from), [[{ podSelector: { matchLabels: { "fabric.role": "gateway" } } }], [{ podSelector: { matchLabels: { "fabric.role": "monitoring" } } }]]);
  });

  test("mixed fleet: one route over a Docker engine and a cluster engine, the gateway reaching the Service by its DNS name", () => {
    const fleet = hostileBase();
    fleet.gateway!.routes.push({ name: "mixed", targets: ["box-chat", "lab-llama"] });
    const mixed = plan(fleet);
    assert.deepEqual(mixed.violations.filter((v) => v.severity === "error"), []);
    assert.match(mixed.gateway!.configYaml, /api_base: http:\/\/lab-llama\.inference-fabric\.svc\.cluster\.local:8300\/v1/);
    assert.match(mixed.gateway!.configYaml, /api_base: http:\/\/box\.example\.ts\.net:8300\/v1/);
  });
});

describe("policy pack: Kubernetes rules, from the rendered objects", () => {
  const objects = plan(clusterFleet()).clusters[0]!.manifests;
  const deployment = () => ({ type: K8S_DEPLOYMENT, name: "d", props: structuredClone(objectOf(objects, "Deployment", "orchestrator")) as Record<string, any> });
  const service = () => ({ type: K8S_SERVICE, name: "s", props: structuredClone(objectOf(objects, "Service", "orchestrator")) as Record<string, any> });
  const messages = async (policy: Parameters<typeof runResourcePolicy>[0], r: Parameters<typeof runResourcePolicy>[1]) => (await runResourcePolicy(policy, r)).map((v) => v.message);

  test("the rendered objects pass every rule", async () => {
    for (const policy of [kubernetesGpuLimits, kubernetesProbes, kubernetesImagePinned, kubernetesMemoryFit]) assert.deepEqual(await messages(policy, deployment()), [], policy.name);
    assert.match(deployment().props.spec.template.metadata.labels["fabric.memory-budget-gib"], /^\d+\.\d\d$/, "the pod template says what the engine claims");
    assert.deepEqual(await messages(kubernetesEngineServiceInternal, service()), []);
  });

  test("one field changed, one exact violation", async () => {
    const noGpu = deployment();
    delete noGpu.props.spec.template.spec.containers[0].resources;
    assert.deepEqual(await messages(kubernetesGpuLimits, noGpu), ["Deployment orchestrator (rtx-5090 engine): no nvidia.com/gpu limit, so it would be scheduled without a GPU: set resources.limits nvidia.com/gpu"]);
    const noProbe = deployment();
    delete noProbe.props.spec.template.spec.containers[0].livenessProbe;
    assert.deepEqual(await messages(kubernetesProbes, noProbe), ["Deployment orchestrator: engine container has no livenessProbe: a rollout would not wait for the model to load; add them"]);
    const latest = deployment();
    latest.props.spec.template.spec.containers[0].image = "vllm/vllm-openai:latest";
    assert.deepEqual(await messages(kubernetesImagePinned, latest), ["Deployment orchestrator: container engine image vllm/vllm-openai:latest is not pinned: tag 'latest' moves with every release; use a release tag or a digest"]);
    const tooBig = deployment();
    tooBig.props.spec.template.metadata.labels["fabric.memory-budget-gib"] = "40.00";
    assert.deepEqual(await messages(kubernetesMemoryFit, tooBig), ["Deployment orchestrator: claims 40.0 GiB but rtx-5090 has 31.4 GiB: lower gpuMemoryUtilization"]);
    const unknown = deployment();
    unknown.props.spec.template.metadata.labels["fabric.memory-budget-gib"] = "unknown";
    assert.match((await messages(kubernetesMemoryFit, unknown)).join(), /^Deployment orchestrator: its memory budget is 'unknown', so its fit was never computed/);
    const published = service();
    published.props.spec.type = "LoadBalancer";
    assert.deepEqual(await messages(kubernetesEngineServiceInternal, published), ["Service orchestrator: type LoadBalancer publishes an engine, which has no authentication: use ClusterIP and reach it through the gateway"]);
  });
});
