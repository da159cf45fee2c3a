import type { EngineWorkload } from "../../plan/workload";
import { type PodPlacement, enginePodSpec } from "./pod-template";
import { type KubeObject, MANAGED_BY, rolloutMaxSurge } from "./types";

/** Who may open a connection: an IPv4 address outside the cluster, or fabric pods of a role in the namespace. */
export interface NetworkPeer {
  readonly cidr?: string;
  readonly podRole?: string;
}

export interface EngineObjectsInput {
  /** Deployment name: names the Deployment, Service, PDB and NetworkPolicy. */
  readonly name: string;
  readonly namespace: string;
  readonly workload: EngineWorkload;
  readonly replicas: number;
  /** Pods of the Deployment a rollout (and a voluntary disruption) may take down at once. */
  readonly maxUnavailable: number;
  readonly placement: Omit<PodPlacement, "cacheClaim" | "filesConfigMap">;
  /** Storage class of a model cache PVC; null: an emptyDir. */
  readonly storageClass: string | null;
  /** Who reaches the engine port: the gateway, and (for metrics) monitoring. */
  readonly ingress: { readonly gateway: readonly NetworkPeer[]; readonly monitoring: readonly NetworkPeer[] };
  /** Egress limited to the store (and DNS) when the engine needs nothing else; null: unrestricted (it pulls from the hub). */
  readonly storeEgress: { readonly cidr: string | null; readonly port: number } | null;
}

/** Timeout Pulumi's await of the Deployment uses (annotation), so a pod that stays Pending fails the update instead of waiting forever. */
export const AWAIT_MARGIN_SECONDS = 120;

function peers(list: readonly NetworkPeer[]): unknown[] {
  return list.map((p) => (p.cidr ? { ipBlock: { cidr: p.cidr } } : { podSelector: { matchLabels: { "fabric.role": p.podRole } } }));
}

function networkPolicy(input: EngineObjectsInput, meta: (n: string) => KubeObject["metadata"], selector: Record<string, string>): KubeObject {
  const port = [{ port: input.workload.port, protocol: "TCP" }];
  const ingress = [
    ...(input.ingress.gateway.length > 0 ? [{ from: peers(input.ingress.gateway), ports: port }] : []),
    ...(input.ingress.monitoring.length > 0 && input.workload.metricsPath !== null ? [{ from: peers(input.ingress.monitoring), ports: port }] : []),
  ];
  const store = input.storeEgress;
  const dns = { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] };
  const egress = store ? [{ ...(store.cidr ? { to: [{ ipBlock: { cidr: store.cidr } }] } : {}), ports: [{ port: store.port, protocol: "TCP" }] }, dns] : [];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(`${input.name}-engine`),
    spec: { podSelector: { matchLabels: selector }, policyTypes: store ? ["Ingress", "Egress"] : ["Ingress"], ingress, ...(store ? { egress } : {}) },
  };
}

/**
 * The objects of one cluster deployment: a Deployment (GPU limits, pool placement, probes, drain,
 * RollingUpdate without surge on GPUs), a ClusterIP Service, a PodDisruptionBudget, a
 * NetworkPolicy mirroring the mesh grants, and the ConfigMap / PVC its files and cache need.
 */
export function renderEngineObjects(input: EngineObjectsInput): KubeObject[] {
  const { name, namespace, workload: w } = input;
  const selector = { "fabric.deployment": name };
  const labels = { ...MANAGED_BY, "app.kubernetes.io/name": name, "app.kubernetes.io/component": "engine", ...selector };
  const meta = (objectName: string, annotations?: Record<string, string>) => ({ name: objectName, namespace, labels, ...(annotations ? { annotations } : {}) });
  const filesConfigMap = w.files.length > 0 ? `${name}-files` : null;
  const cacheClaim = input.storageClass ? `${name}-models` : null;
  const fabric = w.labels;
  const podLabels = {
    ...labels, "fabric.role": "engine", "fabric.engine": fabric["fabric.engine"] ?? "", "fabric.hardware": fabric["fabric.hardware"] ?? "", "fabric.recipe-hash": fabric["fabric.recipe-hash"] ?? "",
    // What the engine claims per GPU (empty: never computed), for the policy pack's memory rule.
    "fabric.memory-budget-gib": fabric["fabric.memory-budget-gib"] ?? "",
  };
  const scrape = w.metricsPath === null ? {} : { "prometheus.io/scrape": "true", "prometheus.io/port": String(w.port), "prometheus.io/path": w.metricsPath };
  const objects: KubeObject[] = [];
  if (filesConfigMap) {
    objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: meta(filesConfigMap), data: Object.fromEntries(w.files.map((f, i) => [`f${i}`, f.content])) });
  }
  if (cacheClaim) {
    objects.push({
      // Not awaited: a WaitForFirstConsumer class binds the claim only once the Deployment's pod exists.
      apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta(cacheClaim, { "pulumi.com/skipAwait": "true" }),
      spec: { accessModes: [input.replicas > 1 ? "ReadWriteMany" : "ReadWriteOnce"], storageClassName: input.storageClass, resources: { requests: { storage: `${input.placement.cacheGiB}Gi` } } },
    });
  }
  objects.push({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(name, { "pulumi.com/timeoutSeconds": String(w.loadSeconds + AWAIT_MARGIN_SECONDS), "fabric.recipe": fabric["fabric.recipe"] ?? "" }),
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: input.maxUnavailable, maxSurge: rolloutMaxSurge(w.gpus) } },
      progressDeadlineSeconds: w.loadSeconds + AWAIT_MARGIN_SECONDS,
      revisionHistoryLimit: 3,
      template: {
        metadata: { labels: podLabels, annotations: { ...fabric, ...scrape } },
        spec: enginePodSpec(w, { ...input.placement, cacheClaim, filesConfigMap }),
      },
    },
  });
  objects.push({
    apiVersion: "v1", kind: "Service", metadata: meta(name),
    spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: w.port, targetPort: "http", protocol: "TCP" }] },
  });
  objects.push({
    apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(name),
    spec: { maxUnavailable: input.maxUnavailable, selector: { matchLabels: selector } },
  });
  objects.push(networkPolicy(input, meta, selector));
  return objects;
}
