import type { EngineKind, EngineProfile, HardwareProfile } from "./types";

/** The parts of a hardware profile that choose an image. */
type ImageHardware = Pick<HardwareProfile, "family" | "computeCapability" | "cpuArch">;

/** Where engine containers keep weights: the model cache volume is mounted here. */
export const MODEL_CACHE_PATH = "/models";
/** Hugging Face cache inside the model cache, shared by vLLM, SGLang, TRT-LLM, TEI and llama.cpp `-hf`. */
export const HF_HOME_PATH = `${MODEL_CACHE_PATH}/huggingface`;

/**
 * Pinned defaults, checked against upstream in 2026-08:
 * - vLLM 0.26.0: the newest release with reports of Qwen3.6-27B NVFP4 on both GB10 and SM120 cards;
 *   0.27.x has open GB10 startup bugs (vllm#51920, #51921).
 * - SGLang 0.5.18: `v0.5.18` (CUDA 12.9) and `v0.5.18-cu130` both on Docker Hub, multi-arch.
 * - llama.cpp b10902, Ollama 0.32.15, TEI 1.9.3 (the last TEI release tag).
 * - TensorRT-LLM 1.2.1: the newest release (1.3.0 was never released: PyPI lists 1.3.0rc0–rc29,
 *   then 1.4.0rc0); llama-swap v250, its newest release (v255 never existed).
 * Where each tag was seen: image-provenance.ts.
 */
const VERSION = {
  vllm: "0.26.0",
  sglang: "0.5.18",
  llamacpp: "b10902",
  ollama: "0.32.15",
  trtllm: "1.2.1",
  tei: "1.9.3",
  "llama-swap": "v250-b10902",
} as const satisfies Record<EngineKind, string>;

/** DGX Spark (GB10) and other arm64 Blackwell parts need CUDA 13 builds (REFERENCE §1). */
function needsCuda13(hw: ImageHardware): boolean {
  return hw.family === "blackwell" && hw.cpuArch === "arm64";
}

/** `0.19.1` → [0, 19, 1]; anything unparsable sorts as 0. */
function versionParts(version: string): number[] {
  return version.replace(/^v/, "").split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = versionParts(version);
  return a > major || (a === major && b >= minor);
}

/** `b10902` or `10902`; llama.cpp images are tagged by build number, not semver. */
function llamaBuild(version: string, field: string): string {
  const match = /^b?(\d+)$/.exec(version);
  if (!match) throw new Error(`${field} '${version}' is not a llama.cpp build number: use e.g. 'b10902', or pin the image with recipe.image`);
  return `b${match[1]}`;
}

/**
 * vLLM: one multi-arch image everywhere. From v0.20 the unsuffixed tags are CUDA 13, which GB10
 * needs; before that, CUDA 13 builds were the `-cu130` tags. The release wheels are compiled for
 * sm_120 and run on GB10's sm_121 (reported with v0.26.0 serving Qwen3.6-27B NVFP4 on DGX Spark). NGC's `nvcr.io/nvidia/vllm:<YY.MM>-py3` also runs on Spark
 * but its tag does not name the vLLM inside (26.07 ships 0.24.0), so it stays an override.
 */
function vllmImage(hw: ImageHardware, version: string): string {
  const suffix = needsCuda13(hw) && !atLeast(version, 0, 20) ? "-cu130" : "";
  return `vllm/vllm-openai:v${version.replace(/^v/, "")}${suffix}`;
}

/** SGLang: unsuffixed tags are CUDA 12.9, `-cu130` CUDA 13 (the DGX Spark playbook uses the latter). */
function sglangImage(hw: ImageHardware, version: string): string {
  return `lmsysorg/sglang:v${version.replace(/^v/, "")}${needsCuda13(hw) ? "-cu130" : ""}`;
}

/** llama.cpp: `server-<build>` on CPU, `server-cuda13-<build>` on GB10, `server-cuda-<build>` elsewhere. */
function llamacppImage(hw: ImageHardware, version: string): string {
  const variant = hw.family === "cpu" ? "server" : needsCuda13(hw) ? "server-cuda13" : "server-cuda";
  return `ghcr.io/ggml-org/llama.cpp:${variant}-${llamaBuild(version, "llamacpp engineVersion")}`;
}

/**
 * llama-swap tags are `v<release>-<variant>-b<llama.cpp build>` (docker/build-container.sh);
 * the version here is `v<release>-b<build>`. GPU variants are amd64 only, so GB10 gets the
 * `cuda13` tag and the image-arch check reports that it cannot run there.
 */
function llamaSwapImage(hw: ImageHardware, version: string): string {
  const match = /^v?(\d+)-(b?\d+)$/.exec(version);
  if (!match) throw new Error(`llama-swap version '${version}' must look like 'v255-b10902' (release and llama.cpp build)`);
  const variant = hw.family === "cpu" ? "cpu" : needsCuda13(hw) ? "cuda13" : "cuda";
  return `ghcr.io/mostlygeek/llama-swap:v${match[1]}-${variant}-${llamaBuild(match[2] ?? "", "llama-swap version")}`;
}

/**
 * TEI compiles one image per compute capability (.github/workflows/matrix.json at v1.9.3):
 * `turing-` (7.5), none (8.0), `86-`, `89-`, `hopper-` (9.0), `100-`, `120-`, `cuda-` (all), `cpu-`,
 * every one for linux/amd64 only (build.yaml). `121-` (GB10) and `cpu-arm64-` came after the tag
 * (#840, #852) and version tags are made only on tag pushes, so they are not offered: GB10 gets
 * `120-` and arm64 CPUs `cpu-`, both amd64-only, which the image-arch check reports.
 */
function teiImage(hw: ImageHardware, version: string): string {
  const v = version.replace(/^v/, "");
  const repo = "ghcr.io/huggingface/text-embeddings-inference";
  const cc = hw.computeCapability;
  if (cc === null) return `${repo}:cpu-${v}`;
  if (cc >= 12.0 && cc < 13) return `${repo}:120-${v}`;
  const prefixes: readonly (readonly [number, string])[] = [
    [12.0, "120-"], [10.0, "100-"], [9.0, "hopper-"], [8.9, "89-"], [8.6, "86-"], [8.0, ""], [7.5, "turing-"],
  ];
  const exact = prefixes.find(([c]) => Math.abs(c - cc) < 1e-6);
  return `${repo}:${exact ? exact[1] : "cuda-"}${v}`;
}

function ollamaImage(_hw: ImageHardware, version: string): string {
  return `ollama/ollama:${version.replace(/^v/, "")}`;
}

/** TRT-LLM release images are multi-arch; the same tag runs on x86 hosts and GB10. */
function trtllmImage(_hw: ImageHardware, version: string): string {
  return `nvcr.io/nvidia/tensorrt-llm/release:${version}`;
}

const imageBuilders: Readonly<Record<EngineKind, (hw: ImageHardware, version: string) => string>> = {
  vllm: vllmImage,
  sglang: sglangImage,
  llamacpp: llamacppImage,
  ollama: ollamaImage,
  trtllm: trtllmImage,
  tei: teiImage,
  "llama-swap": llamaSwapImage,
};

/** Representative hardware for the per-arch image columns of the catalog. */
const REFERENCE_HW: Readonly<Record<"amd64" | "arm64" | "cpu" | "blackwellArm64", ImageHardware>> = {
  amd64: { family: "ada", computeCapability: 8.9, cpuArch: "amd64" },
  arm64: { family: "hopper", computeCapability: 9.0, cpuArch: "arm64" },
  cpu: { family: "cpu", computeCapability: null, cpuArch: "amd64" },
  blackwellArm64: { family: "blackwell", computeCapability: 12.1, cpuArch: "arm64" },
};

function catalogImages(kind: EngineKind): EngineProfile["images"] {
  const build = (key: keyof typeof REFERENCE_HW) => imageBuilders[kind](REFERENCE_HW[key], VERSION[kind]);
  const gpuOnly = kind === "vllm" || kind === "sglang" || kind === "trtllm";
  return {
    amd64: build("amd64"),
    arm64: build("arm64"),
    ...(gpuOnly ? {} : { cpu: build("cpu") }),
    blackwellArm64: build("blackwellArm64"),
  };
}

function profile(id: EngineKind, defaultPort: number, healthPath: string, metricsPath: string | null, metricsJob: string): EngineProfile {
  return { id, defaultVersion: VERSION[id], images: catalogImages(id), defaultPort, healthPath, metricsPath, metricsJob };
}

/**
 * Every engine's defaults. Ports are the engines' own defaults; `healthPath` is liveness (the
 * renderers may return a stricter readiness path, e.g. Ollama's `/v1/models/<name>`).
 * TRT-LLM's `/metrics` is JSON iteration stats, its Prometheus text is `/prometheus/metrics`.
 * Ollama has no Prometheus endpoint.
 */
export const engineCatalog: Readonly<Record<EngineKind, EngineProfile>> = {
  vllm: profile("vllm", 8000, "/health", "/metrics", "vllm"),
  sglang: profile("sglang", 30000, "/health", "/metrics", "sglang"),
  llamacpp: profile("llamacpp", 8080, "/health", "/metrics", "llamacpp"),
  ollama: profile("ollama", 11434, "/api/version", null, "ollama"),
  trtllm: profile("trtllm", 8000, "/health", "/prometheus/metrics", "trtllm"),
  tei: profile("tei", 80, "/health", "/metrics", "tei"),
  "llama-swap": profile("llama-swap", 8080, "/health", "/metrics", "llama-swap"),
};

/** The catalog entry of an engine. */
export function engineProfile(kind: EngineKind): EngineProfile {
  return engineCatalog[kind];
}

/**
 * The pinned default image of an engine for a machine's hardware, at `version` (default: the
 * catalog's). GPU-only engines (vLLM, SGLang, TRT-LLM) get their GPU image even on `cpu` hardware;
 * the quantization-supported check reports that combination.
 */
export function defaultEngineImage(kind: EngineKind, hardware: HardwareProfile, version?: string): string {
  return imageBuilders[kind](hardware, version ?? VERSION[kind]);
}
