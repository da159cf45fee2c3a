import { didYouMean } from "../catalog/did-you-mean";
import { findHardware, hardwareCatalog } from "../catalog/hardware";
import type { Violation } from "../plan/types";
import type { ResolvedInstance } from "../plan/resolve";
import { rolloutMaxSurge } from "../render/kubernetes/types";
import { type Check, error } from "./check";

/**
 * A deployment names a machine or a cluster node pool, not both; the cluster and pool exist;
 * cluster and pool names are unique; a cluster deployment's name can name a Service.
 */
export const clusterPlacement: Check = {
  name: "cluster-placement",
  description: "A deployment is placed on a machine or on an existing cluster node pool, not both; cluster and pool names are unique.",
  run({ fleet }) {
    const out: Violation[] = [];
    const clusters = fleet.clusters.map((c) => c.name);
    fleet.clusters.forEach((c, i) => {
      if (clusters.indexOf(c.name) !== i) out.push(error("cluster-placement", `clusters[${i}].name`, `cluster name '${c.name}' is used twice: rename one`));
      const pools = c.nodePools.map((p) => p.name);
      c.nodePools.forEach((p, j) => {
        if (!findHardware(p.hardware)) {
          const ids = hardwareCatalog.map((h) => h.id);
          out.push(error("cluster-placement", `clusters[${i}].nodePools[${j}].hardware`, `unknown hardware '${p.hardware}': ${didYouMean(p.hardware, ids) ? `did you mean '${didYouMean(p.hardware, ids)}'?` : `known: ${ids.join(", ")}`}`));
        }
        if (pools.indexOf(p.name) !== j) out.push(error("cluster-placement", `clusters[${i}].nodePools[${j}].name`, `node pool '${p.name}' is listed twice in cluster ${c.name}: rename one`));
      });
    });
    fleet.deployments.forEach((d, i) => {
      const at = `deployments[${i}]`;
      if (d.cluster === undefined) {
        if (d.nodePool !== undefined) out.push(error("cluster-placement", `${at}.nodePool`, `nodePool '${d.nodePool}' needs 'cluster: <name>' too (one of ${clusters.join(", ") || "no clusters yet"})`));
        return;
      }
      if (d.machine !== undefined) out.push(error("cluster-placement", at, `${d.name} names machine '${d.machine}' and cluster '${d.cluster}': keep one`));
      if (d.gpuIndices !== undefined) out.push(error("cluster-placement", `${at}.gpuIndices`, `${d.name} runs on a cluster, where the scheduler picks GPUs: remove gpuIndices`));
      if (!/^[a-z]/.test(d.name)) out.push(error("cluster-placement", `${at}.name`, `${d.name} runs on a cluster and names its Service, which must start with a letter: rename it`));
      const cluster = fleet.clusters.find((c) => c.name === d.cluster);
      if (!cluster) {
        out.push(error("cluster-placement", `${at}.cluster`, `unknown cluster '${d.cluster}': known: ${clusters.join(", ") || "none (add a clusters section)"}`));
      } else if (d.nodePool === undefined || !cluster.nodePools.some((p) => p.name === d.nodePool)) {
        out.push(error("cluster-placement", `${at}.nodePool`, `${d.nodePool === undefined ? "missing nodePool" : `unknown node pool '${d.nodePool}'`} in cluster ${cluster.name}: use one of ${cluster.nodePools.map((p) => p.name).join(", ")}`));
      }
    });
    return out;
  },
};

/** What one deployment asks of its pool: pods, GPUs per pod, and the extra pods a rollout may add. */
interface PoolDemand {
  readonly name: string;
  readonly pods: number;
  readonly gpusPerPod: number;
  readonly surgePods: number;
}

/** Pods of `demands` that fit on `nodes` nodes of `gpusPerNode` GPUs, largest first (a pod's GPUs are on one node). */
function packedPods(demands: readonly PoolDemand[], nodes: number, gpusPerNode: number): number {
  const free = Array.from({ length: nodes }, () => gpusPerNode);
  let placed = 0;
  const pods = demands.flatMap((d) => Array.from({ length: d.pods + d.surgePods }, () => d.gpusPerPod)).sort((a, b) => b - a);
  for (const gpus of pods) {
    const node = free.findIndex((f) => f >= gpus);
    if (node < 0) continue;
    free[node] = (free[node] as number) - gpus;
    placed++;
  }
  return placed;
}

/**
 * Per node pool, the GPUs its deployments request — every replica, plus what a rollout adds
 * (maxSurge; 0 for GPU engines) — fit the pool's nodes, each pod's GPUs on one node. A pod that
 * fits nowhere stays Pending ("Insufficient nvidia.com/gpu") and the rollout never completes.
 */
export const clusterCapacity: Check = {
  name: "cluster-capacity",
  description: "GPUs requested per cluster node pool (every replica, plus a rollout's surge) fit the pool's nodes.",
  run({ fleet, instances }) {
    const out: Violation[] = [];
    const byPool = new Map<string, ResolvedInstance[]>();
    for (const d of instances) {
      if (!d.cluster) continue;
      const list = byPool.get(d.cluster.poolPath) ?? [];
      list.push(d);
      byPool.set(d.cluster.poolPath, list);
    }
    for (const [poolPath, placed] of byPool) {
      const { pool, cluster } = placed[0]!.cluster!;
      const demands: PoolDemand[] = placed.map((d) => {
        const gpusPerPod = d.machine?.hardware?.family === "cpu" ? 0 : d.gpuIndices.length;
        return { name: d.name, pods: d.cluster!.replicas, gpusPerPod, surgePods: gpusPerPod > 0 ? rolloutMaxSurge(gpusPerPod) : 0 };
      }).filter((d) => d.gpusPerPod > 0);
      for (const d of demands.filter((x) => x.gpusPerPod > pool.gpusPerNode)) {
        out.push(error("cluster-capacity", `${placed.find((p) => p.name === d.name)!.path}.nodePool`,
          `${d.name}: a pod needs ${d.gpusPerPod} GPUs (tensorParallel) but nodes of ${cluster.name}/${pool.name} have ${pool.gpusPerNode}: lower tensorParallel or use a pool with bigger nodes`));
      }
      const requested = demands.reduce((n, d) => n + (d.pods + d.surgePods) * d.gpusPerPod, 0);
      const total = demands.reduce((n, d) => n + d.pods + d.surgePods, 0);
      const has = pool.nodes * pool.gpusPerNode;
      const fits = packedPods(demands, pool.nodes, pool.gpusPerNode);
      if (requested > has || fits < total) {
        const parts = demands.map((d) => `${d.name} ${d.pods} × ${d.gpusPerPod}${d.surgePods > 0 ? ` + surge ${d.surgePods} × ${d.gpusPerPod}` : ""}`).join(", ");
        out.push(error("cluster-capacity", poolPath,
          `${cluster.name}/${pool.name}: deployments request ${requested} GPUs (${parts}; rollouts add none: maxSurge 0 on GPUs) but the pool has ${has} (${pool.nodes} nodes × ${pool.gpusPerNode}); ${fits} of ${total} pods fit: add nodes or lower replicas`));
      }
    }
    return out;
  },
};
