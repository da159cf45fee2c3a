import type { FileMount, SecretEnv } from "./types";

/**
 * One engine's workload, target-neutral: what runs, with which GPUs and ports, how its health is
 * probed, how long it may load and drain, and where its model comes from. The Docker interpreter
 * (the engine's ContainerSpec, built in core from the same render) and the Kubernetes interpreter
 * (core/render/kubernetes) both read it; no engine flag is rendered twice.
 */
export interface EngineWorkload {
  readonly image: string;
  /** Entrypoint override; null keeps the image's. */
  readonly command: readonly string[] | null;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Env vars whose values are secrets from stack config. */
  readonly secretEnv: readonly SecretEnv[];
  /** GPUs one copy needs (the recipe's tensor parallel); 0 on CPU. */
  readonly gpus: number;
  /** Port the engine listens on (its OpenAI API, health and metrics). */
  readonly port: number;
  readonly healthPath: string;
  /** A probe command run in the container instead of HTTP (images without an HTTP client); null: HTTP on healthPath. */
  readonly healthCommand: readonly string[] | null;
  readonly metricsPath: string | null;
  /** Seconds the engine may take to load its model before it counts as failed (rollout.healthTimeoutSeconds). */
  readonly loadSeconds: number;
  /** Seconds in-flight requests get to finish when the engine is stopped (rollout.drainSeconds). */
  readonly drainSeconds: number;
  /** Shared memory: the host's IPC namespace (Docker) / an unbounded memory-backed /dev/shm (Kubernetes), or a size. */
  readonly sharedMemory: { readonly host: boolean; readonly sizeMiB: number | null };
  /** Files the engine reads (llama-swap config, Ollama Modelfile). */
  readonly files: readonly FileMount[];
  /** Where the model cache is mounted. */
  readonly cachePath: string;
  /** A one-shot copy of the model from the store into the cache before the engine starts; null: the engine fetches from the hub. */
  readonly modelSync: { readonly image: string; readonly command: readonly string[]; readonly endpoint: string } | null;
  /** fabric.* metadata: deployment, engine, hardware, recipe, recipe-hash, served-name, quantization, memory budget. */
  readonly labels: Readonly<Record<string, string>>;
}
