import type { EngineKind } from "./types";

/** Where a pinned engine image tag was seen, so a reviewer can check it and a bump re-checks it. */
export interface ImageProvenance {
  /** The release the pin names, as published (tag, PyPI version or Go module version). */
  readonly release: string;
  /** Where that release was seen. */
  readonly seenIn: string;
  /** The workflow (or script) that builds and tags the images, and the tag pattern it makes. */
  readonly buildWorkflow: string;
  /** Commit of the release (or of the build files read), when known; null = not resolvable from here. */
  readonly commit: string | null;
  /** What could not be confirmed without the registry. */
  readonly unverified?: string;
}

/**
 * One row per engine pin in engines.ts (checked by a unit test). Image registries are out of reach
 * here, so a row says which source the tag's existence rests on.
 */
export const imageProvenance: Readonly<Record<EngineKind, ImageProvenance>> = {
  vllm: {
    release: "v0.26.0", seenIn: "PyPI vllm 0.26.0 (wheel; its parser is run by test/conformance)",
    buildWorkflow: "the release pipeline pushes vllm/vllm-openai:v<version> multi-arch, CUDA 13 unsuffixed from v0.20 (pipeline not read here)", commit: null,
    unverified: "the image digest; the tag follows the release",
  },
  sglang: {
    release: "v0.5.18", seenIn: "PyPI sglang 0.5.18 (wheel; its parser is run by test/conformance)",
    buildWorkflow: "_docker-build-and-publish.yml: lmsysorg/sglang:v<version> (cu129) and v<version>-cu130, amd64+arm64", commit: null,
  },
  llamacpp: {
    release: "b10902", seenIn: "llama.cpp build tags (pinned with the real llama-server by the llama.cpp conformance tier)",
    buildWorkflow: ".github/workflows/docker.yml: ghcr.io/ggml-org/llama.cpp:server[-cuda|-cuda13]-b<build>", commit: null,
    unverified: "docker.yml runs on a schedule, so not every build number has images",
  },
  ollama: {
    release: "v0.32.15", seenIn: "Go module proxy github.com/ollama/ollama@v0.32.15 (Origin refs/tags/v0.32.15)",
    buildWorkflow: "the release workflow on tag push: ollama/ollama:<version> multi-arch (workflow not read here)", commit: "b7871fc0d1d82fe109536efa3e0e8e411c766c75",
  },
  trtllm: {
    release: "1.2.1", seenIn: "PyPI tensorrt-llm 1.2.1 (1.3.0 was never released: 1.3.0rc0–rc29, then 1.4.0rc0)",
    buildWorkflow: "NGC nvcr.io/nvidia/tensorrt-llm/release:<version> per release, x86_64 + SBSA", commit: null,
    unverified: "NGC's tag list",
  },
  tei: {
    release: "v1.9.3", seenIn: "huggingface/text-embeddings-inference tag v1.9.3",
    buildWorkflow: ".github/workflows/build.yaml + matrix.json at v1.9.3: <prefix><version> and <prefix><major.minor> on tag push, linux/amd64 only; prefixes turing-, (none), 86-, 89-, hopper-, 100-, 120-, cuda-, cpu- (no 121-, no cpu-arm64-)",
    commit: "06670157fb6c1523482219bdb2d1660277d38088",
  },
  "llama-swap": {
    release: "v250", seenIn: "mostlygeek/llama-swap tag v250 (its newest release; v255 never existed)",
    buildWorkflow: ".github/workflows/containers.yml + docker/build-container.sh: a cron pairs the latest release with the latest llama.cpp server-<arch>-b<build> as v<release>-<arch>-b<build>; GPU variants amd64 only",
    commit: "60226b63776efac11e15828abe0bb302ec259699",
    unverified: "that the cron paired v250 with llama.cpp b10902: the pair depends on the day it ran",
  },
};
