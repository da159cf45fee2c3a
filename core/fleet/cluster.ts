import { z } from "zod";
import { CatalogId, KubeContext, KubeName, LabelKey, LabelValue } from "./grammar";
import { Name, SecretRef } from "./primitives";

/** A taint the pool's nodes carry, tolerated by every engine placed on the pool. */
export const Toleration = z
  .strictObject({
    /** Taint key; leave it out with operator Exists to tolerate every taint. */
    key: LabelKey.optional().describe("Taint key, e.g. 'nvidia.com/gpu'."),
    /** `Equal` (key and value match) or `Exists` (the key is enough). */
    operator: z.enum(["Equal", "Exists"]).default("Equal").describe("Equal (key and value match) or Exists (the key is enough)."),
    /** Taint value, with operator Equal. */
    value: LabelValue.optional().describe("Taint value, with operator Equal."),
    /** Taint effect tolerated; every effect when left out. */
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional().describe("Taint effect tolerated; every effect when left out."),
  })
  .describe("A toleration of the pool's taints.");
export type Toleration = z.infer<typeof Toleration>;

export const NodePool = z
  .strictObject({
    /** Unique name within the cluster (a DNS label). */
    name: KubeName.describe("Node pool name, unique in the cluster."),
    /** Hardware catalog id of the pool's GPUs: the memory fit and the `nvidia.com/gpu.product` selector come from it. */
    hardware: CatalogId.describe("Hardware catalog id of the pool's GPUs, e.g. h100-80gb; the memory fit and the nvidia.com/gpu.product node selector come from it."),
    /** GPUs (`nvidia.com/gpu`) each node of the pool advertises. */
    gpusPerNode: z.number().int().positive().max(16).describe("GPUs (nvidia.com/gpu) each node advertises."),
    /** Nodes in the pool (what the cluster-capacity check counts). */
    nodes: z.number().int().positive().max(10000).describe("Nodes in the pool; the cluster-capacity check counts them."),
    /** Extra node labels that select the pool, e.g. a node group label. */
    nodeSelector: z.record(LabelKey, LabelValue).default({}).describe("Extra node labels that select the pool, e.g. {'cloud.google.com/gke-nodepool': 'h100'}."),
    /** Tolerations of the pool's taints (GPU nodes are usually tainted nvidia.com/gpu). */
    tolerations: z.array(Toleration).max(16).default([]).describe("Tolerations of the pool's taints."),
  })
  .describe("A group of identical GPU nodes in a cluster.");
export type NodePool = z.infer<typeof NodePool>;

/** How Pulumi reaches the cluster: a kubeconfig held in secret stack config, or a context of the ambient kubeconfig. */
export const ClusterAccess = z
  .union([
    SecretRef.describe("A kubeconfig held in secret stack config: {secret: gpuKubeconfig}."),
    z.strictObject({
      /** Context of the kubeconfig on the machine running Pulumi ($KUBECONFIG or ~/.kube/config). */
      context: KubeContext,
    }).describe("A context of the kubeconfig on the machine running pulumi ($KUBECONFIG or ~/.kube/config)."),
  ])
  .describe("How pulumi reaches the cluster: {secret: <stack config key holding a kubeconfig>} or {context: <kubeconfig context>}.");

export const Cluster = z
  .strictObject({
    /** Unique name (a DNS label); deployments name it in `cluster`. */
    name: Name,
    /** How pulumi reaches the cluster. */
    kubeconfig: ClusterAccess,
    /** Namespace every fabric object of the cluster goes in. */
    namespace: KubeName.default("inference-fabric").describe("Namespace every fabric object goes in."),
    /**
     * Create (and on destroy delete) the namespace; false when an administrator made it (quotas, RBAC).
     * @default true
     */
    createNamespace: z.boolean().default(true).describe("Create and own the namespace; false when it exists already."),
    /** GPU node pools. */
    nodePools: z.array(NodePool).min(1).describe("GPU node pools."),
    /**
     * Model cache of each engine: a PersistentVolumeClaim of this storage class, or an emptyDir
     * (the model is synced again whenever a pod starts) when left out.
     */
    storageClass: KubeName.optional().describe("Storage class of a per-deployment model cache PVC (ReadWriteMany when replicas > 1); an emptyDir when left out."),
    /** Size of each engine's model cache. */
    modelCacheGiB: z.number().int().positive().max(100000).default(200).describe("Size of each deployment's model cache, GiB."),
  })
  .describe("A Kubernetes cluster with GPU node pools; deployments placed on it run as Deployments.");
export type Cluster = z.infer<typeof Cluster>;

/** The fields of a deployment placed on a cluster node pool instead of a machine. */
export const ClusterPlacement = {
  /** Cluster name (a clusters[].name); give it with nodePool instead of machine. */
  cluster: Name.optional().describe("Cluster name (a clusters[].name); with nodePool, instead of machine."),
  /** Node pool of that cluster. */
  nodePool: KubeName.optional().describe("Node pool of the cluster (a clusters[].nodePools[].name)."),
};
