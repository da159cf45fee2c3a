import { isIPv4 } from "../fleet/grammar";
import type { Fleet } from "../fleet/schema";
import { type NetworkPeer, renderEngineObjects } from "../render/kubernetes/engine-objects";
import { type KubeObject, MANAGED_BY, STORE_ACCESS_KEY_KEY, STORE_SECRET_KEY_KEY } from "../render/kubernetes/types";
import type { ResolvedFleet } from "./resolve";
import type { EnginePlan } from "./types";

/** One cluster as plain data: how to reach it, and every object its deployments become. */
export interface ClusterPlan {
  readonly name: string;
  readonly namespace: string;
  /** The stack config key holding its kubeconfig, or the context of the ambient kubeconfig. */
  readonly access: { readonly kubeconfigSecret: string } | { readonly context: string };
  readonly createNamespace: boolean;
  /** Deployments running on it. */
  readonly engines: readonly string[];
  /**
   * Keys the engine Secret must hold: stack config keys of secret env (HF_TOKEN) and, when a model
   * comes from the store, the read-only store key. The components fill it; manifests only name it.
   */
  readonly secretKeys: readonly string[];
  /** The Namespace (when created) and every engine's objects, in apply order. */
  readonly manifests: readonly KubeObject[];
}

/** Where a fleet service on a machine reaches from: its IPv4 address, and fabric pods of its role in the namespace. */
function servicePeers(fleet: Fleet, machineName: string | undefined, role: string): NetworkPeer[] {
  if (machineName === undefined) return [];
  const address = fleet.machines.find((m) => m.name === machineName)?.address;
  return [...(address && isIPv4(address) ? [{ cidr: `${address}/32` }] : []), { podRole: role }];
}

/** The Kubernetes objects of every cluster's deployments; engines not on a cluster are the Docker interpreter's. */
export function planClusters(fleet: Fleet, resolved: ResolvedFleet, engines: readonly EnginePlan[]): ClusterPlan[] {
  const byDeployment = new Map(engines.map((e) => [e.deployment, e]));
  const storeMachine = fleet.machines.find((m) => m.name === fleet.storage?.machine);
  return fleet.clusters.map((cluster) => {
    const placed = resolved.instances.filter((d) => d.cluster?.cluster === cluster);
    const manifests: KubeObject[] = cluster.createNamespace
      ? [{ apiVersion: "v1", kind: "Namespace", metadata: { name: cluster.namespace, labels: { ...MANAGED_BY } } }]
      : [];
    const secretKeys = new Set<string>();
    for (const d of placed) {
      const engine = byDeployment.get(d.name);
      const placement = d.cluster;
      if (!engine || !placement) continue;
      const w = engine.workload;
      for (const s of w.secretEnv) secretKeys.add(s.secret);
      if (w.modelSync) [STORE_ACCESS_KEY_KEY, STORE_SECRET_KEY_KEY].forEach((k) => secretKeys.add(k));
      const allFromStore = d.recipes.every((r) => r.recipe.model.source === "store") && w.modelSync !== null;
      manifests.push(...renderEngineObjects({
        name: d.name,
        namespace: cluster.namespace,
        workload: w,
        replicas: placement.replicas,
        maxUnavailable: Math.min(fleet.rollout.maxUnavailable, placement.replicas),
        placement: { hardware: placement.pool.hardware, nodeSelector: placement.pool.nodeSelector, tolerations: placement.pool.tolerations, cacheGiB: cluster.modelCacheGiB },
        storageClass: cluster.storageClass ?? null,
        ingress: { gateway: servicePeers(fleet, fleet.gateway?.machine, "gateway"), monitoring: servicePeers(fleet, fleet.monitoring?.machine, "monitoring") },
        storeEgress: allFromStore && fleet.storage
          ? { cidr: storeMachine && isIPv4(storeMachine.address) ? `${storeMachine.address}/32` : null, port: fleet.storage.port }
          : null,
      }));
    }
    return {
      name: cluster.name,
      namespace: cluster.namespace,
      access: "secret" in cluster.kubeconfig ? { kubeconfigSecret: cluster.kubeconfig.secret } : { context: cluster.kubeconfig.context },
      createNamespace: cluster.createNamespace,
      engines: placed.map((d) => d.name),
      secretKeys: [...secretKeys].sort(),
      manifests,
    };
  });
}
