import type { Toleration } from "../../fleet/cluster";
import type { EngineWorkload } from "../../plan/workload";
import { GPU_PRODUCT_LABEL, gpuProducts } from "./gpu-product";
import { ENGINE_SECRET_NAME, STORE_ACCESS_KEY_KEY, STORE_SECRET_KEY_KEY } from "./types";

/** Where an engine's pods may run and where its model cache lives. */
export interface PodPlacement {
  readonly hardware: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  /** A PVC of this name holds the model cache; null: an emptyDir of `cacheGiB`. */
  readonly cacheClaim: string | null;
  readonly cacheGiB: number;
  /** ConfigMap holding the workload's files (keys f0, f1, …); null when it has none. */
  readonly filesConfigMap: string | null;
}

const PROBE_PERIOD_SECONDS = 10;

/** The startup probe gives the model its whole load time; readiness and liveness take over once it answers. */
function probes(w: EngineWorkload): Record<string, unknown> {
  const action = w.healthCommand ? { exec: { command: [...w.healthCommand] } } : { httpGet: { path: w.healthPath, port: "http" } };
  return {
    startupProbe: { ...action, periodSeconds: PROBE_PERIOD_SECONDS, timeoutSeconds: 5, failureThreshold: Math.max(1, Math.ceil(w.loadSeconds / PROBE_PERIOD_SECONDS)) },
    readinessProbe: { ...action, periodSeconds: PROBE_PERIOD_SECONDS, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...action, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
  };
}

function environment(w: EngineWorkload): unknown[] {
  const plain = Object.keys(w.env).sort().map((name) => ({ name, value: w.env[name] }));
  const secret = w.secretEnv.map((s) => ({ name: s.name, valueFrom: { secretKeyRef: { name: ENGINE_SECRET_NAME, key: s.secret } } }));
  return [...plain, ...secret];
}

/** Node affinity on the GPU product, unless the pool selects its nodes by product itself (or has no GPU). */
function gpuAffinity(p: PodPlacement): Record<string, unknown> {
  const products = gpuProducts(p.hardware);
  if (products.length === 0 || GPU_PRODUCT_LABEL in p.nodeSelector) return {};
  const term = { matchExpressions: [{ key: GPU_PRODUCT_LABEL, operator: "In", values: [...products] }] };
  return { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } } };
}

function tolerations(p: PodPlacement): unknown[] {
  return p.tolerations.map((t) => ({
    ...(t.key === undefined ? {} : { key: t.key }),
    operator: t.operator,
    ...(t.operator === "Equal" && t.value !== undefined ? { value: t.value } : {}),
    ...(t.effect === undefined ? {} : { effect: t.effect }),
  }));
}

function volumes(w: EngineWorkload, p: PodPlacement): { volumes: unknown[]; mounts: unknown[] } {
  const cache = p.cacheClaim ? { persistentVolumeClaim: { claimName: p.cacheClaim } } : { emptyDir: { sizeLimit: `${p.cacheGiB}Gi` } };
  const shm = { medium: "Memory", ...(w.sharedMemory.sizeMiB !== null && !w.sharedMemory.host ? { sizeLimit: `${w.sharedMemory.sizeMiB}Mi` } : {}) };
  return {
    volumes: [
      { name: "models", ...cache },
      { name: "shm", emptyDir: shm },
      ...(p.filesConfigMap ? [{ name: "files", configMap: { name: p.filesConfigMap } }] : []),
    ],
    mounts: [
      { name: "models", mountPath: w.cachePath },
      { name: "shm", mountPath: "/dev/shm" },
      ...w.files.map((f, i) => ({ name: "files", mountPath: f.containerPath, subPath: `f${i}`, readOnly: true })),
    ],
  };
}

/** The init container that copies the model from the store into the cache, with the store's read-only key. */
function modelSyncContainer(w: EngineWorkload): unknown[] {
  if (!w.modelSync) return [];
  const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: ENGINE_SECRET_NAME, key } } });
  return [{
    name: "model-sync",
    image: w.modelSync.image,
    command: [...w.modelSync.command],
    // mc keeps its alias in $HOME; the image's user may have none.
    env: [{ name: "HOME", value: "/tmp" }, fromSecret("STORE_ACCESS_KEY", STORE_ACCESS_KEY_KEY), fromSecret("STORE_SECRET_KEY", STORE_SECRET_KEY_KEY)],
    volumeMounts: [{ name: "models", mountPath: w.cachePath }],
  }];
}

/** The pod spec of an engine: one engine container with its GPUs, probes and drain time, on the pool's nodes. */
export function enginePodSpec(w: EngineWorkload, p: PodPlacement): Record<string, unknown> {
  const { volumes: vols, mounts } = volumes(w, p);
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: w.drainSeconds,
    ...(Object.keys(p.nodeSelector).length > 0 ? { nodeSelector: { ...p.nodeSelector } } : {}),
    ...gpuAffinity(p),
    ...(p.tolerations.length > 0 ? { tolerations: tolerations(p) } : {}),
    ...(w.modelSync ? { initContainers: modelSyncContainer(w) } : {}),
    containers: [{
      name: "engine",
      image: w.image,
      ...(w.command ? { command: [...w.command] } : {}),
      args: [...w.args],
      env: environment(w),
      ports: [{ name: "http", containerPort: w.port, protocol: "TCP" }],
      ...(w.gpus > 0 ? { resources: { limits: { "nvidia.com/gpu": String(w.gpus) } } } : {}),
      ...probes(w),
      volumeMounts: mounts,
    }],
    volumes: vols,
  };
}
