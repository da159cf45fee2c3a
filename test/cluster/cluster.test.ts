// The cluster tier: the cluster-test stack deployed by the real pulumi CLI and the real Kubernetes
// provider to a real control plane (etcd, kube-apiserver, controller-manager, scheduler) on
// 127.0.0.1, whose GPU nodes are KWOK's: an RTX 5090 pool (3 nodes × 1 GPU) and an H100 pool
// (1 node × 8 GPUs). Pods are scheduled, rolled, disrupted and deleted by Kubernetes itself; only
// the kubelet is simulated (containers never run, so probes never fire — KWOK marks pods Ready).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { runCli } from "../support/cli";
import { hasProviderPlugin, requestedPluginVersion } from "../support/pulumi-cli";
import { repoRoot } from "../support/stacks";
import { ControlPlane, type FakeNodePool, missingClusterParts, scratchDir } from "./support/control-plane";
import { collectionPath, type KubeObject } from "./support/kube-api";
import { ClusterStack } from "./support/stack";

const FLEET = join(repoRoot, "stacks", "cluster-test.fleet.yaml");
const NAMESPACE = "fabric-cluster-test";
const POOLS: readonly FakeNodePool[] = [
  { pool: "rtx-5090", product: "NVIDIA-GeForce-RTX-5090", nodes: 3, gpusPerNode: 1 },
  { pool: "h100", product: "NVIDIA-H100-80GB-HBM3", nodes: 1, gpusPerNode: 8 },
];
/** Deployment → the pool its pods must land on, and how many (stacks/cluster-test.fleet.yaml). */
const EXPECTED = { orchestrator: { pool: "rtx-5090", replicas: 3 }, big: { pool: "h100", replicas: 2 } } as const;

const kubernetesVersion = requestedPluginVersion("kubernetes");
const missing = missingClusterParts() ?? (hasProviderPlugin("kubernetes", kubernetesVersion) ? null : `pulumi-resource-kubernetes ${kubernetesVersion} is not installed: run scripts/setup-cluster.sh`);
if (missing) console.log(`SKIPPED: cluster tier: ${missing}`);

/** The YAML documents of a `fabric plan --out` cluster file. */
function manifestsOf(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as KubeObject).filter((o) => o !== null);
}

describe("cluster tier: the cluster-test stack on a real control plane with KWOK GPU nodes", { skip: missing ?? false }, () => {
  let plane: ControlPlane;
  let stack: ClusterStack;
  const started = Date.now();

  before(async () => {
    plane = await ControlPlane.start(POOLS);
    console.log(`cluster tier: control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    stack = new ClusterStack(plane.kubeconfigPath);
    const init = await stack.init();
    assert.equal(init.status, 0, init.output);
  });
  after(() => {
    plane?.stop();
    console.log(`cluster tier: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  });

  const api = () => plane.api;
  const pods = async (deployment: string) =>
    (await api().list(`/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=fabric.deployment%3D${deployment}`));
  /** The Deployment observed its spec and every replica is updated and available. */
  const rolloutOver = async (deployment: string): Promise<boolean> => {
    const d = (await api().raw("GET", `${collectionPath("apps/v1", "Deployment", NAMESPACE)}/${deployment}`)).body;
    const s = d.status ?? {};
    return s.observedGeneration === d.metadata.generation && s.updatedReplicas === d.spec.replicas && s.availableReplicas === d.spec.replicas && (s.replicas ?? 0) === d.spec.replicas;
  };
  const isReady = (pod: any) => !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");

  test("pulumi up: every engine pod Ready on its pool, Services with endpoints, PDBs and NetworkPolicies as planned", async () => {
    const up = await stack.up();
    assert.equal(up.status, 0, up.output);
    console.log(`cluster tier: pulumi up of ${Object.keys(EXPECTED).length} GPU Deployments in ${up.seconds.toFixed(1)} s`);
    assert.match(up.output, /✅ inference-fabric@v[\d.]+/, "the policy pack ran and passed");
    const nodes = new Map((await api().list("/api/v1/nodes")).map((n: any) => [n.metadata.name, n.metadata.labels["fabric.test/pool"]]));
    for (const [deployment, want] of Object.entries(EXPECTED)) {
      const list = await pods(deployment);
      assert.equal(list.filter(isReady).length, want.replicas, `${deployment}: ${want.replicas} Ready pods`);
      for (const pod of list) {
        assert.equal(nodes.get(pod.spec.nodeName), want.pool, `${pod.metadata.name} runs on the ${want.pool} pool (node ${pod.spec.nodeName})`);
        assert.ok(Number(pod.spec.containers[0].resources.limits["nvidia.com/gpu"]) >= 1, `${pod.metadata.name} has a GPU limit`);
      }
      const slices = await api().list(`/apis/discovery.k8s.io/v1/namespaces/${NAMESPACE}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${deployment}`);
      const ready = slices.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready);
      assert.equal(ready.length, want.replicas, `Service ${deployment} has ${want.replicas} ready endpoints`);
      const service = (await api().raw("GET", `${collectionPath("v1", "Service", NAMESPACE)}/${deployment}`)).body;
      assert.equal(service.spec.type, "ClusterIP");
      const pdb = (await api().raw("GET", `${collectionPath("policy/v1", "PodDisruptionBudget", NAMESPACE)}/${deployment}`)).body;
      assert.equal(pdb.spec.maxUnavailable, 1, `${deployment}: PDB allows rollout.maxUnavailable`);
      const policy = (await api().raw("GET", `${collectionPath("networking.k8s.io/v1", "NetworkPolicy", NAMESPACE)}/${deployment}-engine`)).body;
      assert.deepEqual(policy.spec.podSelector.matchLabels, { "fabric.deployment": deployment });
      assert.deepEqual(policy.spec.policyTypes, ["Ingress"], `${deployment}: ingress limited (no gateway or monitoring in this fleet: nothing may connect)`);
      assert.deepEqual(policy.spec.ingress ?? [], []);
    }
  });

  test("the manifests of fabric plan --out pass a server-side dry run against the same apiserver", async () => {
    const out = scratchDir("fabric-cluster-plan-");
    const plan = runCli(["plan", FLEET, "--out", out]);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const objects = manifestsOf(join(out, "kubernetes", "gpu.yaml"));
    assert.deepEqual(objects.map((o) => o.kind).sort(), ["Deployment", "Deployment", "Namespace", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "PodDisruptionBudget", "Service", "Service"]);
    for (const object of objects) {
      const r = await api().serverSideApplyDryRun(object);
      assert.ok(r.status === 200 || r.status === 201, `${object.kind}/${object.metadata.name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // And they are what Pulumi applied: the live Deployment carries the same pod template.
    const live = (await api().raw("GET", `${collectionPath("apps/v1", "Deployment", NAMESPACE)}/orchestrator`)).body;
    const planned = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "orchestrator") as any;
    assert.deepEqual(live.spec.template.spec.containers[0].args, planned.spec.template.spec.containers[0].args);
    assert.deepEqual(live.spec.strategy, planned.spec.strategy);
  });

  test("a recipe change rolls the pods, never more than maxUnavailable (1) of 3 unavailable", async () => {
    const fleetPath = join(stack.project.dir, "stacks", "cluster-test.fleet.yaml");
    const fleet = readFileSync(fleetPath, "utf8");
    const changed = fleet.replace("    maxNumSeqs: 16\n", "    maxNumSeqs: 8\n");
    assert.notEqual(changed, fleet);
    writeFileSync(fleetPath, changed);
    const before = new Set((await pods("orchestrator")).map((p: any) => p.metadata.labels["fabric.recipe-hash"]));
    let minReady = Infinity;
    let samples = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const ready = (await pods("orchestrator")).filter(isReady).length;
        minReady = Math.min(minReady, ready);
        samples++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const up = await stack.up();
    assert.equal(up.status, 0, up.output);
    // The provider's Deployment await can return while the last new pod turns Ready (seen once in
    // CI: 2 of 3 Ready when up returned); keep watching until the rollout is over (bounded).
    const readyAtUp = (await pods("orchestrator")).filter(isReady).length;
    for (let i = 0; i < 300 && !(await rolloutOver("orchestrator")); i++) await new Promise((r) => setTimeout(r, 100));
    watching = false;
    await watch;
    console.log(`cluster tier: rolled 3 pods in ${up.seconds.toFixed(1)} s (${readyAtUp} of 3 Ready when pulumi up returned); fewest Ready seen ${minReady} of 3 (${samples} samples)`);
    assert.ok(samples >= 10, `watched the rollout (${samples} samples)`);
    assert.equal(minReady, 2, "the rollout took exactly one pod down at a time");
    const after = await pods("orchestrator");
    assert.equal(after.filter(isReady).length, 3);
    const hashes = new Set(after.map((p: any) => p.metadata.labels["fabric.recipe-hash"]));
    assert.equal(hashes.size, 1);
    assert.ok(!before.has([...hashes][0]), "every pod runs the new recipe");
    assert.ok(after.every((p: any) => p.spec.containers[0].args.includes("8")), "the new --max-num-seqs reached the pods");
    const sets = await api().list(`/apis/apps/v1/namespaces/${NAMESPACE}/replicasets?labelSelector=fabric.deployment%3Dorchestrator`);
    assert.deepEqual(sets.map((s: any) => s.status.replicas ?? 0).sort(), [0, 3], "the old ReplicaSet is scaled to 0");
  });

  test("an over-capacity fleet is refused by fabric check and by pulumi preview with the policy pack, before anything changes", async () => {
    const fleetPath = join(stack.project.dir, "stacks", "cluster-test.fleet.yaml");
    writeFileSync(fleetPath, readFileSync(fleetPath, "utf8").replace("nodePool: rtx-5090, port: 8000, replicas: 3}", "nodePool: rtx-5090, port: 8000, replicas: 4}"));
    const check = runCli(["check", fleetPath]);
    assert.equal(check.code, 1, check.stdout);
    const message = "gpu/rtx-5090: deployments request 4 GPUs (orchestrator 4 × 1; rollouts add none: maxSurge 0 on GPUs) but the pool has 3 (3 nodes × 1); 3 of 4 pods fit: add nodes or lower replicas";
    assert.ok(check.stdout.includes(`error [cluster-capacity] clusters[0].nodePools[0]: ${message}`), check.stdout);
    for (let i = 0; i < 300 && !(await rolloutOver("orchestrator")); i++) await new Promise((r) => setTimeout(r, 100));
    const versionBefore = (await api().raw("GET", `${collectionPath("apps/v1", "Deployment", NAMESPACE)}/orchestrator`)).body.metadata.resourceVersion;
    const preview = await stack.run(["preview", "--policy-pack", join(repoRoot, "policies")]);
    assert.notEqual(preview.status, 0, preview.output);
    assert.ok(preview.output.includes(message), preview.output);
    const up = await stack.run(["up", "--yes", "--policy-pack", join(repoRoot, "policies")]);
    assert.notEqual(up.status, 0, up.output);
    const after = (await api().raw("GET", `${collectionPath("apps/v1", "Deployment", NAMESPACE)}/orchestrator`)).body;
    assert.equal(after.metadata.resourceVersion, versionBefore, "the Deployment was not touched");
    assert.equal(after.spec.replicas, 3);
  });

  test("pulumi destroy leaves nothing in the namespace", async () => {
    const destroy = await stack.run(["destroy", "--yes", "--skip-preview"]);
    assert.equal(destroy.status, 0, destroy.output);
    for (const [version, kind] of [["apps/v1", "Deployment"], ["v1", "Service"], ["policy/v1", "PodDisruptionBudget"], ["networking.k8s.io/v1", "NetworkPolicy"], ["v1", "Secret"], ["v1", "ConfigMap"]] as const) {
      const left = await api().list(collectionPath(version, kind, NAMESPACE));
      assert.deepEqual(left.map((o: any) => o.metadata.name), [], `no ${kind} left`);
    }
    assert.deepEqual((await api().list(`/api/v1/namespaces/${NAMESPACE}/pods`)).map((p: any) => p.metadata.name), []);
    assert.equal((await api().raw("GET", `/api/v1/namespaces/${NAMESPACE}`)).status, 404, "the namespace the stack created is gone");
  });
});
