import { stringify } from "yaml";
import type { ClusterPlan } from "../../plan/cluster-plan";
import { ENGINE_SECRET_NAME } from "./types";

/**
 * A cluster's objects as one multi-document YAML file, for GitOps and review: the same objects the
 * Kubernetes component applies. The engine Secret is named, never rendered (its values are secrets).
 */
export function renderClusterManifests(cluster: ClusterPlan): string {
  const access = "context" in cluster.access ? `context ${cluster.access.context}` : `the kubeconfig in secret config ${cluster.access.kubeconfigSecret}`;
  const header = [
    `# Cluster ${cluster.name} (${access}), namespace ${cluster.namespace}: written by \`fabric plan --out\`; \`pulumi up\` applies the same objects.`,
    ...(cluster.secretKeys.length > 0
      ? [`# The pods read Secret ${ENGINE_SECRET_NAME} (keys: ${cluster.secretKeys.join(", ")}), which Pulumi creates from stack config and this file does not hold.`]
      : []),
  ];
  const documents = cluster.manifests.map((m) => stringify(m, { lineWidth: 0 }));
  return `${header.join("\n")}\n${documents.map((d) => `---\n${d}`).join("")}`;
}
