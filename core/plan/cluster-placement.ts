import { findHardware } from "../catalog/hardware";
import type { Cluster, NodePool } from "../fleet/cluster";
import type { Deployment, Fleet, Machine } from "../fleet/schema";
import type { ResolvedMachine } from "./resolve";

/** A deployment placed on a cluster node pool: one Kubernetes Deployment of `replicas` pods behind one Service. */
export interface ClusterPlacementOf {
  readonly cluster: Cluster;
  readonly pool: NodePool;
  /** Path of the pool in the fleet file, e.g. `clusters[0].nodePools[1]`. */
  readonly poolPath: string;
  /** Pods of the Deployment. */
  readonly replicas: number;
  /** The Service's in-cluster DNS name, where the gateway and Prometheus reach the engine. */
  readonly serviceHost: string;
}

/** The in-cluster DNS name of a deployment's Service. */
export function serviceHost(deployment: string, namespace: string): string {
  return `${deployment}.${namespace}.svc.cluster.local`;
}

/** `<cluster>.<pool>`: how messages and labels name where a cluster deployment runs. */
export function poolLabel(cluster: string, pool: string): string {
  return `${cluster}.${pool}`;
}

/** The cluster placement a deployment names, or undefined (a machine deployment, or an unknown cluster/pool the references check reports). */
export function clusterPlacementOf(fleet: Fleet, spec: Deployment): ClusterPlacementOf | undefined {
  if (spec.cluster === undefined) return undefined;
  const ci = fleet.clusters.findIndex((c) => c.name === spec.cluster);
  const cluster = fleet.clusters[ci];
  const pi = cluster?.nodePools.findIndex((p) => p.name === spec.nodePool) ?? -1;
  const pool = cluster?.nodePools[pi];
  if (!cluster || !pool) return undefined;
  return { cluster, pool, poolPath: `clusters[${ci}].nodePools[${pi}]`, replicas: spec.replicas, serviceHost: serviceHost(spec.name, cluster.namespace) };
}

/**
 * A node of the pool seen as a machine, so the memory fit, the engine renderers and the checks
 * treat a pod like an engine on a machine of that hardware: its GPUs are the node's, it listens on
 * every interface of its pod, and it is reached at its Service's DNS name.
 */
export function poolMachine(placement: ClusterPlacementOf, path: string): ResolvedMachine {
  const hardware = findHardware(placement.pool.hardware);
  const spec: Machine = {
    name: poolLabel(placement.cluster.name, placement.pool.name),
    hardware: placement.pool.hardware,
    gpus: placement.pool.gpusPerNode,
    address: placement.serviceHost,
    bindAddress: "127.0.0.1",
    allowPublicBind: false,
    docker: { host: "unix:///var/run/docker.sock", network: "bridge" },
  };
  return { spec, path, hardware, memoryGiB: hardware?.memoryGiB };
}
