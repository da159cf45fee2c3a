// Kubernetes: engine Deployments request their GPUs, are health-probed and pinned, and engine
// Services stay inside the cluster. Engine objects are those the fabric labels
// (fabric.role=engine on the pod template, app.kubernetes.io/component=engine on the Service).
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { labelMemoryFindings } from "./engine-fit";
import { unpinnedReason } from "./images";

export const K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const K8S_SERVICE = "kubernetes:core/v1:Service";

interface PodContainer { name?: string; image?: string; resources?: { limits?: Record<string, string> }; startupProbe?: unknown; readinessProbe?: unknown; livenessProbe?: unknown }
interface DeploymentProps {
  metadata?: { name?: string };
  spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: PodContainer[]; initContainers?: PodContainer[] } } };
}

/** The engine container of a fabric engine Deployment and its pod labels; undefined for any other Deployment. */
function engineOf(props: Record<string, unknown>): { name: string; labels: Record<string, string>; engine: PodContainer; all: PodContainer[] } | undefined {
  const d = props as DeploymentProps;
  const labels = d.spec?.template?.metadata?.labels ?? {};
  if (labels["fabric.role"] !== "engine") return undefined;
  const containers = d.spec?.template?.spec?.containers ?? [];
  const engine = containers.find((c) => c.name === "engine") ?? containers[0];
  if (!engine) return undefined;
  return { name: d.metadata?.name ?? labels["fabric.deployment"] ?? "?", labels, engine, all: [...containers, ...(d.spec?.template?.spec?.initContainers ?? [])] };
}

type EngineDeployment = NonNullable<ReturnType<typeof engineOf>>;

/** A rule over the engine Deployments the fabric labels; other resources pass. */
function engineDeploymentPolicy(name: string, description: string, check: (e: EngineDeployment, report: (message: string) => void) => void): ResourceValidationPolicy {
  return {
    name, description, enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== K8S_DEPLOYMENT) return;
      const e = engineOf(args.props);
      if (e) check(e, (message) => report(message));
    },
  };
}

export const kubernetesGpuLimits = engineDeploymentPolicy("kubernetes-gpu-limits",
  "A GPU engine's Deployment requests its GPUs (resources.limits nvidia.com/gpu), so the scheduler places it on a free GPU and no other pod shares it.",
  (e, report) => {
    if (e.labels["fabric.hardware"] === "cpu") return;
    const gpus = Number(e.engine.resources?.limits?.["nvidia.com/gpu"] ?? 0);
    if (!(gpus >= 1)) report(`Deployment ${e.name} (${e.labels["fabric.hardware"] ?? "GPU"} engine): no nvidia.com/gpu limit, so it would be scheduled without a GPU: set resources.limits nvidia.com/gpu`);
  });

export const kubernetesProbes = engineDeploymentPolicy("kubernetes-probes",
  "An engine's container has startup, readiness and liveness probes: the startup probe covers model loading, readiness gates the rollout and the Service.",
  (e, report) => {
    const missing = (["startupProbe", "readinessProbe", "livenessProbe"] as const).filter((p) => e.engine[p] === undefined);
    if (missing.length > 0) report(`Deployment ${e.name}: engine container has no ${missing.join(", ")}: a rollout would not wait for the model to load; add them`);
  });

export const kubernetesImagePinned = engineDeploymentPolicy("kubernetes-image-pinned",
  "Every container of an engine Deployment (init containers too) names one build: a release tag or a digest.",
  (e, report) => {
    for (const c of e.all) {
      const reason = c.image === undefined ? "it has no image" : unpinnedReason(c.image);
      if (reason) report(`Deployment ${e.name}: container ${c.name ?? "?"} image ${c.image ?? ""} is not pinned: ${reason}; use a release tag or a digest`);
    }
  });

export const kubernetesMemoryFit = engineDeploymentPolicy("kubernetes-memory-fit",
  "An engine's pod template says what memory it claims per GPU (fabric.memory-budget-gib) and it is no more than its GPU product (fabric.hardware) has; fabric check's full fit needs fleetFile.",
  (e, report) => {
    if (e.labels["fabric.hardware"] === "cpu") return;
    labelMemoryFindings(e.labels, `Deployment ${e.name}`).forEach((m) => report(m));
  });

export const kubernetesEngineServiceInternal: ResourceValidationPolicy = {
  name: "kubernetes-engine-service-internal",
  description: "An engine's Service is ClusterIP: engines have no authentication, so a LoadBalancer or NodePort would publish them; clients go through the gateway.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== K8S_SERVICE) return;
    const s = args.props as { metadata?: { name?: string; labels?: Record<string, string> }; spec?: { type?: string; selector?: Record<string, string> } };
    const isEngine = s.metadata?.labels?.["app.kubernetes.io/component"] === "engine" || s.spec?.selector?.["fabric.deployment"] !== undefined;
    const type = s.spec?.type ?? "ClusterIP";
    if (isEngine && (type === "LoadBalancer" || type === "NodePort")) {
      report(`Service ${s.metadata?.name ?? "?"}: type ${type} publishes an engine, which has no authentication: use ClusterIP and reach it through the gateway`);
    }
  },
};

export const kubernetesPolicies = [kubernetesGpuLimits, kubernetesProbes, kubernetesImagePinned, kubernetesMemoryFit, kubernetesEngineServiceInternal];
