/** A Kubernetes object as plain data: what `fabric plan --out` writes as YAML and Pulumi applies. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** The Secret engine pods read their secret env and the store's read-only key from; the components fill it, the manifests only name it. */
export const ENGINE_SECRET_NAME = "fabric-engine-secrets";
/** Keys of the store's read-only key in that Secret. */
export const STORE_ACCESS_KEY_KEY = "storeAccessKey";
export const STORE_SECRET_KEY_KEY = "storeSecretKey";

/** Labels every fabric object in a cluster carries. */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "inference-fabric" } as const;

/**
 * Pods a rollout may add above the Deployment's replicas. GPUs are exclusive: a surge pod would
 * wait for a GPU the old pod holds, so GPU engines roll with maxSurge 0 (the rollout takes
 * maxUnavailable pods down first) and a rollout never needs more GPUs than the steady state.
 */
export function rolloutMaxSurge(gpusPerPod: number): number {
  return gpusPerPod > 0 ? 0 : 1;
}
