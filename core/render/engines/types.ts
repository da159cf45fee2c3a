import type { HardwareProfile } from "../../catalog/types";
import type { Recipe } from "../../fleet/recipe";
import type { FileMount } from "../../plan/types";

/** What an engine renderer needs to know about one deployment. */
export interface EngineRenderContext {
  readonly deployment: string;
  /** Name the engine serves the model under (--served-model-name), stable across recipe changes. */
  readonly servedName: string;
  readonly recipeName: string;
  readonly recipe: Recipe;
  readonly hardware: HardwareProfile;
  /** Address the engine listens on inside its network namespace (0.0.0.0 in bridge mode). */
  readonly listenHost: string;
  /** Port the engine listens on. */
  readonly port: number;
  /** Local path of the weights inside the container when synced from the store; null = fetch from the hub. */
  readonly modelPath: string | null;
  /** Whether HF_TOKEN is provided as a secret env var. */
  readonly hasHfToken: boolean;
}

/** What a renderer returns; plan() wraps it into a ContainerSpec. */
export interface EngineRender {
  /** Entrypoint override; null keeps the image's. */
  readonly entrypoint: readonly string[] | null;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly healthPath: string;
  /**
   * A probe run inside the container instead of the HTTP check (exec form, no shell), for images
   * that have no curl, wget or python (Ollama's). Undefined: probe `healthPath` over HTTP.
   */
  readonly healthCommand?: readonly string[];
  readonly metricsPath: string | null;
  readonly files: readonly FileMount[];
  readonly ipcHost: boolean;
  readonly shmSizeMiB: number | null;
}
