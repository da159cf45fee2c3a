import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterPlan } from "../../core/plan/cluster-plan";
import { ENGINE_SECRET_NAME, type KubeObject, MANAGED_BY, STORE_ACCESS_KEY_KEY, STORE_SECRET_KEY_KEY } from "../../core/render/kubernetes/types";
import { type SecretValues, type StoreKey, secretValue } from "../secrets";

export interface KubernetesClusterArgs {
  /** The cluster as planned: how to reach it and every object its deployments become. */
  readonly plan: ClusterPlan;
  /** Secret values by stack config key: the kubeconfig when held in config, and the engines' secret env. */
  readonly secrets: SecretValues;
  /**
   * The store's read-only key, put in the engine Secret for the model-sync init containers.
   * Required when a deployment on the cluster syncs its model from the store.
   * @default null
   */
  readonly storeReadKey?: StoreKey | null;
  /**
   * Resources that must exist before any pod starts (the store setup that creates the read-only key).
   * @default []
   */
  readonly after?: readonly pulumi.Resource[];
}

type ObjectResource = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The resource class of each kind the renderer emits. */
const RESOURCE_OF_KIND: Readonly<Record<string, ObjectResource>> = {
  Namespace: k8s.core.v1.Namespace,
  ConfigMap: k8s.core.v1.ConfigMap,
  PersistentVolumeClaim: k8s.core.v1.PersistentVolumeClaim,
  Deployment: k8s.apps.v1.Deployment,
  Service: k8s.core.v1.Service,
  PodDisruptionBudget: k8s.policy.v1.PodDisruptionBudget,
  NetworkPolicy: k8s.networking.v1.NetworkPolicy,
};

/**
 * One cluster's deployments: a provider for the cluster (kubeconfig from secret config, or a
 * context of the ambient kubeconfig), the namespace, the engine Secret, and exactly the objects
 * `core/render/kubernetes` rendered — the same ones `fabric plan --out` writes.
 *
 * Await: Pulumi waits for each Deployment's rollout (pods Ready, old ReplicaSet scaled down) for
 * the `pulumi.com/timeoutSeconds` the renderer sets (the rollout's health timeout + 120 s), so a pod
 * that stays Pending fails the update with the scheduler's reason instead of waiting forever.
 * Claims are not awaited (`pulumi.com/skipAwait`): WaitForFirstConsumer binds them only when a pod exists.
 */
export class KubernetesCluster extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  /** The Deployment of each cluster engine, by deployment name. */
  readonly deployments: ReadonlyMap<string, pulumi.CustomResource>;
  /** OpenAI-compatible base URL of each engine's Service, by deployment name. */
  readonly urls: Readonly<Record<string, string>>;

  constructor(name: string, args: KubernetesClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:kubernetes:Cluster", name, {}, opts);
    const { plan, secrets } = args;
    const access = "kubeconfigSecret" in plan.access
      ? { kubeconfig: secretValue(secrets, plan.access.kubeconfigSecret, `cluster ${plan.name}`) }
      : { context: plan.access.context };
    this.provider = new k8s.Provider(`${name}-provider`, { ...access, namespace: plan.namespace }, { parent: this });
    const options = (dependsOn: readonly pulumi.Resource[]): pulumi.CustomResourceOptions => ({ parent: this, provider: this.provider, dependsOn: [...dependsOn] });

    const namespaceObject = plan.manifests.find((m) => m.kind === "Namespace");
    const namespace = namespaceObject ? [this.create(name, namespaceObject, options([]))] : [];
    const secret = this.engineSecret(name, args, options(namespace));
    const before = [...namespace, ...(secret ? [secret] : []), ...(args.after ?? [])];

    const deployments = new Map<string, pulumi.CustomResource>();
    const urls: Record<string, string> = {};
    // Files and caches first: a Deployment's pods mount them.
    const objects = plan.manifests.filter((m) => m.kind !== "Namespace");
    const supporting = objects.filter((m) => m.kind === "ConfigMap" || m.kind === "PersistentVolumeClaim").map((m) => this.create(name, m, options(before)));
    for (const object of objects.filter((m) => m.kind !== "ConfigMap" && m.kind !== "PersistentVolumeClaim")) {
      const resource = this.create(name, object, options([...before, ...(object.kind === "Deployment" ? supporting : [])]));
      if (object.kind === "Deployment") deployments.set(object.metadata.name, resource);
      if (object.kind === "Service") {
        const port = (object.spec as { ports: { port: number }[] }).ports[0]?.port;
        urls[object.metadata.name] = `http://${object.metadata.name}.${plan.namespace}.svc.cluster.local:${port}/v1`;
      }
    }
    this.deployments = deployments;
    this.urls = urls;
    this.registerOutputs({ namespace: plan.namespace, engines: [...deployments.keys()], urls });
  }

  private create(name: string, object: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    const Resource = RESOURCE_OF_KIND[object.kind];
    if (!Resource) throw new pulumi.ResourceError(`cluster: the plan has a ${object.kind}, which no resource class here applies`, this);
    return new Resource(`${name}-${object.kind.toLowerCase()}-${object.metadata.name}`, object, opts);
  }

  /** The Secret the engine pods read: secret env by config key, and the store's read-only key. Never in the manifests. */
  private engineSecret(name: string, args: KubernetesClusterArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret | undefined {
    const { plan, secrets } = args;
    if (plan.secretKeys.length === 0) return undefined;
    const data: Record<string, pulumi.Output<string>> = {};
    for (const key of plan.secretKeys) {
      if (key === STORE_ACCESS_KEY_KEY || key === STORE_SECRET_KEY_KEY) {
        const store = args.storeReadKey;
        if (!store) throw new pulumi.ResourceError(`cluster ${plan.name}: a deployment syncs its model from the store but no read-only store key was given`, this);
        data[key] = key === STORE_ACCESS_KEY_KEY ? store.accessKey : store.secretKey;
      } else {
        data[key] = secretValue(secrets, key, `cluster ${plan.name}`);
      }
    }
    return new k8s.core.v1.Secret(`${name}-engine-secrets`, {
      metadata: { name: ENGINE_SECRET_NAME, namespace: plan.namespace, labels: { ...MANAGED_BY } },
      type: "Opaque",
      stringData: pulumi.secret(data),
    }, opts);
  }
}
