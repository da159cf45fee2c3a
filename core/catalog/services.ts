/**
 * Default images of the services around the engines. Pinned; a stack overrides them (tests here
 * build local images because no registry is reachable).
 */
export const serviceImages = {
  /** LiteLLM proxy; matches the PyPI release the tests run (1.109.x). */
  litellm: "ghcr.io/berriai/litellm:v1.109.1-stable",
  prometheus: "prom/prometheus:v3.5.0",
  minio: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
  mc: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
  nodeExporter: "prom/node-exporter:v1.9.1",
  dcgmExporter: "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04",
} as const;

export type ServiceImage = keyof typeof serviceImages;

/** The image of a service: the fleet's override, else the pinned default. */
export function serviceImage(name: ServiceImage, overrides: Partial<Record<ServiceImage, string>>): string {
  return overrides[name] ?? serviceImages[name];
}
