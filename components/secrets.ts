import type * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../core/plan/types";
import { STORE_ACCESS_KEY_KEY, STORE_SECRET_KEY_KEY } from "../core/render/kubernetes/types";
import { placedContainers } from "./plan-containers";

/**
 * Stack config keys of the store's read-only access key. The engines' model sync reads the store
 * with it, and the store setup creates it; it is not named by the fleet file, so it has fixed keys.
 */
export const STORE_READ_ONLY_KEYS = { accessKey: "minioReadOnlyAccessKey", secretKey: "minioReadOnlySecretKey" } as const;

/** Secret values by stack config key, read by the entry point; every value is a secret Output. */
export type SecretValues = Readonly<Record<string, pulumi.Output<string>>>;

/** An access key pair of the model store. */
export interface StoreKey {
  readonly accessKey: pulumi.Output<string>;
  readonly secretKey: pulumi.Output<string>;
}

/** Whether the engines need the store's read-only key (some engine pulls its model from the store). */
export function needsStoreReadKey(plan: Plan): boolean {
  return plan.engines.some((e) => e.modelSync !== null);
}

/**
 * The stack config keys holding secrets this plan needs, sorted: every container's secret env, the
 * store's root credentials, the burst and mesh API keys, and the store's read-only key when an
 * engine syncs its model from the store.
 */
export function requiredSecretKeys(plan: Plan): string[] {
  const keys = new Set<string>(placedContainers(plan).flatMap(({ spec }) => spec.secretEnv.map((s) => s.secret)));
  if (plan.store) [plan.store.rootUserSecret, plan.store.rootPasswordSecret].forEach((k) => keys.add(k));
  if (plan.burst?.apiKeySecret) keys.add(plan.burst.apiKeySecret);
  if (plan.mesh?.apiKeySecret) keys.add(plan.mesh.apiKeySecret);
  for (const cluster of plan.clusters) {
    // The store's key reaches pods from the read-only key below; the rest are stack config keys.
    cluster.secretKeys.filter((k) => k !== STORE_ACCESS_KEY_KEY && k !== STORE_SECRET_KEY_KEY).forEach((k) => keys.add(k));
    if ("kubeconfigSecret" in cluster.access) keys.add(cluster.access.kubeconfigSecret);
  }
  if (needsStoreReadKey(plan)) Object.values(STORE_READ_ONLY_KEYS).forEach((k) => keys.add(k));
  keys.delete("");
  return [...keys].sort();
}

/** The secret under a config key; a missing one is a wiring bug, reported with the key named. */
export function secretValue(secrets: SecretValues, key: string, usedBy: string): pulumi.Output<string> {
  const value = secrets[key];
  if (value === undefined) {
    throw new Error(`${usedBy} needs the secret '${key}', which was not read from stack config; known: ${Object.keys(secrets).sort().join(", ") || "none"}`);
  }
  return value;
}

/** The store's read-only key from the secrets, when the plan needs it. */
export function storeReadKey(plan: Plan, secrets: SecretValues): StoreKey | null {
  if (!needsStoreReadKey(plan)) return null;
  return {
    accessKey: secretValue(secrets, STORE_READ_ONLY_KEYS.accessKey, "model sync"),
    secretKey: secretValue(secrets, STORE_READ_ONLY_KEYS.secretKey, "model sync"),
  };
}
