/**
 * What a rented host must know about an engine image that the plan does not: the CUDA version its
 * driver must support, roughly how many bytes a pull moves, how long the engine takes to start
 * once the weights are on disk, the command the image would run, and how to tell that it is busy.
 * Facts marked [U] are estimates or unverified; they shape rankings and filters, not correctness
 * of what is deployed.
 */
import { isNvidiaNgcImage, parseImage } from "../catalog/images";
import type { EngineId } from "../fleet/recipe";

/** `0.19.1` → [0, 19, 1]. */
function versionParts(version: string): number[] {
  return version.replace(/^v/, "").split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
}

function versionAtLeast(version: string, major: number, minor: number, patch = 0): boolean {
  const [a = 0, b = 0, c = 0] = versionParts(version);
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/**
 * vllm/vllm-openai tags by the CUDA base they are built on; the base image sets
 * `NVIDIA_REQUIRE_CUDA=cuda>=X`, and nvidia-container-cli refuses to start the container on an
 * older driver ("requirement error: unsatisfied condition: cuda>=12.8"). Points checked:
 * ≥ 0.4.3 needs 12.4 (vllm#5635), 0.9.0 needs 12.8 (vllm#18813), 0.14.1 needs 12.9
 * (microsoft/VibeVoice#352), ≥ 0.20 unsuffixed tags are CUDA 13 (core/catalog/engines.ts).
 * The 12.8 → 12.9 step is placed at 0.11 [U]; older than 0.4.3 is 12.1.
 */
function vllmCuda(tag: string): number {
  if (versionAtLeast(tag, 0, 20)) return 13.0;
  if (versionAtLeast(tag, 0, 11)) return 12.9;
  if (versionAtLeast(tag, 0, 9)) return 12.8;
  if (versionAtLeast(tag, 0, 4, 3)) return 12.4;
  return 12.1;
}

/**
 * Minimum `cuda_max_good` a host needs to start `image`, or null when unknown (no filter).
 * - Any tag with `-cuXYZ` / `cudaXY` in it says so itself: `-cu130` → 13.0, `-cu129` → 12.9,
 *   llama.cpp's `server-cuda13-…` → 13.0.
 * - vllm/vllm-openai: by version (vllmCuda).
 * - lmsysorg/sglang unsuffixed tags: CUDA 12.9 (the 0.5.x line; catalog note) [U for older].
 * - llama.cpp `server-cuda-…`: the Dockerfile's CUDA_VERSION was 12.6 (llama.cpp#9665) [U].
 * - TensorRT-LLM 1.x NGC release images: CUDA 13 [U]; NGC images also carry forward-compat libs.
 * - Ollama and TEI: unknown → null. Ollama bundles its own CUDA runtime and only needs a CUDA 12
 *   driver per its docs [U].
 */
export function minCudaForImage(engine: EngineId, image: string): number | null {
  const { repository, tag = "" } = parseImage(image);
  const suffix = /(?:^|[-_])cu(?:da)?(\d{2})\.?(\d)?(?:[-_.]|$)/.exec(tag);
  if (suffix?.[1]) return Number(suffix[1]) + Number(suffix[2] ?? 0) / 10;
  if (engine === "vllm" && repository === "vllm/vllm-openai" && /^v?\d/.test(tag)) return vllmCuda(tag);
  if (engine === "sglang" && repository === "lmsysorg/sglang") return 12.9;
  if (engine === "llamacpp" && tag.startsWith("server-cuda")) return 12.6;
  if (engine === "trtllm" && isNvidiaNgcImage(image)) return 13.0;
  return null;
}

/**
 * Compressed size of a pull, GB [U: Docker Hub / registry listings, rounded up]. vLLM: 12.6 GB
 * compressed in 2025 (discuss.vllm.ai "current vLLM docker image size is 12.64GB"), 28.6 GB
 * unpacked (vllm#22377). The others are of the same kind of estimate and only rank hosts.
 */
const IMAGE_SIZE_GB: Readonly<Record<EngineId, number>> = {
  vllm: 12.6, sglang: 14, trtllm: 20, llamacpp: 2.5, ollama: 2, tei: 1.5,
};

/** Unpacked image size over compressed: vLLM's 28.6 / 12.6 ≈ 2.3. */
export const IMAGE_UNPACK_RATIO = 2.3;

export function imageSizeGb(engine: EngineId): number {
  return IMAGE_SIZE_GB[engine];
}

/**
 * Seconds from "weights are in memory" to "serving", without compile caches on a fresh host [U,
 * judgement from startup logs]: vLLM's torch.compile and CUDA-graph capture take 30–120 s, SGLang's
 * graph capture somewhat less, TensorRT-LLM's PyTorch backend warm-up more; llama.cpp, Ollama and
 * TEI start in seconds.
 */
const ENGINE_START_SECONDS: Readonly<Record<EngineId, number>> = {
  vllm: 90, sglang: 60, trtllm: 120, llamacpp: 5, ollama: 10, tei: 10,
};

export function engineStartSeconds(engine: EngineId): number {
  return ENGINE_START_SECONDS[engine];
}

/**
 * The image's own ENTRYPOINT, which a boot script that replaces it must run itself. Renderers
 * that return an entrypoint already say it; otherwise: vllm/vllm-openai is `vllm serve`, NGC vLLM
 * and TRT-LLM images take the command as the first arguments, llama.cpp server images run
 * `/app/llama-server` [U], TEI images `text-embeddings-router` [U].
 */
export function imageEntrypoint(engine: EngineId, image: string): string[] {
  if (isNvidiaNgcImage(image)) return [];
  switch (engine) {
    case "vllm": return ["vllm", "serve"];
    case "llamacpp": return ["/app/llama-server"];
    case "tei": return ["text-embeddings-router"];
    default: return [];
  }
}

/**
 * How a watchdog sees that an engine serves traffic.
 * - `metrics`: lines of a Prometheus page matching `pattern`; any change between two polls is
 *   activity. Request counters and token counters move with every request; scrapes and health
 *   checks do not move them.
 * - `connections`: established TCP connections to the engine port (for engines without metrics).
 */
export type ActivityProbe =
  | { readonly kind: "metrics"; readonly path: string; readonly pattern: string }
  | { readonly kind: "connections" };

/**
 * Activity metrics per engine. vLLM's names are long-standing (`vllm:num_requests_running`,
 * `vllm:request_success_total`, `vllm:generation_tokens_total`); SGLang's, llama.cpp's (needs
 * `--metrics`, which the renderer passes) and TEI's are from their docs [U]; TensorRT-LLM's
 * Prometheus names are unverified, so any line mentioning requests or tokens counts [U].
 * Ollama has no metrics, so open connections stand in — a client holding a keep-alive connection
 * keeps such a host "busy" until the budget guard stops it.
 */
export function activityProbe(engine: EngineId, metricsPath: string | null): ActivityProbe {
  if (metricsPath === null) return { kind: "connections" };
  const pattern: Readonly<Record<EngineId, string>> = {
    vllm: "^vllm:(num_requests_running|num_requests_waiting|request_success_total|prompt_tokens_total|generation_tokens_total)",
    sglang: "^sglang:(num_running_reqs|num_queue_reqs|prompt_tokens_total|generation_tokens_total)",
    llamacpp: "^llamacpp:(requests_processing|requests_deferred|prompt_tokens_total|tokens_predicted_total)",
    tei: "^te_(request_count|request_success)",
    trtllm: "^[a-z_:]*(request|token)",
    ollama: ".",
  };
  return { kind: "metrics", path: metricsPath, pattern: pattern[engine] };
}
