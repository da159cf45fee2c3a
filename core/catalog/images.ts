import type { CpuArch } from "./types";

/** A container image reference split into its parts. `repository` has no `docker.io/` or `library/` prefix. */
export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry[:port]/path[:tag][@digest]`. A colon counts as a tag separator only after the last `/`. */
export function parseImage(image: string): ImageRef {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(":");
  const hasTag = colon > name.lastIndexOf("/");
  const repository = normaliseRepository(hasTag ? name.slice(0, colon) : name);
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Docker Hub is implicit: `docker.io/vllm/vllm-openai` and `vllm/vllm-openai` are one repository. */
function normaliseRepository(repository: string): string {
  const withoutHub = repository.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "");
  return withoutHub.replace(/^library\//, "");
}

/**
 * Tags that move under the user: `latest`, `nightly`, `*-latest`, `main`, `main-stable`, or a bare
 * variant such as llama.cpp's `server-cuda`. A release tag (`v0.26.0`, `server-cuda-b10902`) does not.
 */
const MOVING_TAG = /(^|[-_.])(latest|nightly|dev|edge)([-_.]|$)|^(main|main-stable|stable|cuda|cuda13|cpu|server|server-cuda|server-cuda13)$/;

/** Whether the image names one build: a digest, or a tag that is not a moving one like `latest`. */
export function isPinned(image: string): boolean {
  const ref = parseImage(image);
  if (ref.digest) return true;
  return ref.tag !== undefined && !MOVING_TAG.test(ref.tag);
}

const BOTH: readonly CpuArch[] = ["amd64", "arm64"];
const AMD64: readonly CpuArch[] = ["amd64"];
const ARM64: readonly CpuArch[] = ["arm64"];

/** Platforms a repository publishes; `byTag` refines it for tag families that differ. */
interface PlatformRule {
  readonly platforms: readonly CpuArch[];
  readonly byTag?: readonly { readonly tag: RegExp; readonly platforms: readonly CpuArch[] }[];
}

/**
 * What each known repository publishes, from its own build files. Why each entry says what it says:
 * - vllm/vllm-openai: release tags are multi-arch manifests (REFERENCE §2; v0.21.0-cu129 and
 *   v0.26.0 arm64 manifests seen in use on DGX Spark).
 * - nvcr.io/nvidia/vllm, tensorrt-llm/release, dcgm-exporter: NGC publishes x86_64 and SBSA (arm64)
 *   builds; the vLLM one documents DGX Spark.
 * - ghcr.io/ggml-org/llama.cpp: docs/docker.md lists server, server-cuda, server-cuda13 and
 *   server-vulkan for amd64 and arm64; rocm, musa, intel and openvino for amd64 only.
 * - text-embeddings-inference: .github/workflows/matrix.json builds every variant for amd64 except
 *   `121-` (GB10) and `cpu-arm64-`, which are arm64 only.
 * - lmsysorg/sglang: _docker-build-and-publish.yml joins amd64 and arm64 digests for cu129 and cu130.
 * - mostlygeek/llama-swap: docker/build-container.sh builds only `cpu` multi-arch; every GPU
 *   variant is amd64 only, so there is no llama-swap image for DGX Spark.
 * - ghcr.io/berriai/litellm: multi-arch since 1.19 (BerriAI/litellm#1607); note #29382, where the
 *   arm64 entry of v1.83.14-stable held amd64 binaries.
 * - prom/*, quay.io/minio/*, ollama/ollama, tailscale/tailscale: multi-arch manifests.
 */
const platformRules: Readonly<Record<string, PlatformRule>> = {
  "vllm/vllm-openai": { platforms: BOTH },
  "nvcr.io/nvidia/vllm": { platforms: BOTH },
  "nvcr.io/nvidia/tensorrt-llm/release": { platforms: BOTH },
  "nvcr.io/nvidia/k8s/dcgm-exporter": { platforms: BOTH },
  "ghcr.io/ggml-org/llama.cpp": {
    platforms: BOTH,
    byTag: [{ tag: /^(full|light|server)-(rocm|musa|intel|openvino)(-|$)/, platforms: AMD64 }],
  },
  "ghcr.io/huggingface/text-embeddings-inference": {
    platforms: AMD64,
    byTag: [{ tag: /^(121-|cpu-arm64-)/, platforms: ARM64 }],
  },
  "lmsysorg/sglang": { platforms: BOTH, byTag: [{ tag: /-(rocm|npu|xpu)/, platforms: AMD64 }] },
  "ghcr.io/mostlygeek/llama-swap": { platforms: AMD64, byTag: [{ tag: /(^|-)cpu(-|$)/, platforms: BOTH }] },
  "ghcr.io/berriai/litellm": { platforms: BOTH },
  "ghcr.io/berriai/litellm-database": { platforms: BOTH },
  "prom/prometheus": { platforms: BOTH },
  "prom/node-exporter": { platforms: BOTH },
  "quay.io/minio/minio": { platforms: BOTH },
  "quay.io/minio/mc": { platforms: BOTH },
  "ollama/ollama": { platforms: BOTH },
  "tailscale/tailscale": { platforms: BOTH },
};

/** CPU architectures a known image is published for; undefined when the repository is not known here. */
export function imagePlatforms(image: string): readonly CpuArch[] | undefined {
  const ref = parseImage(image);
  const rule = platformRules[ref.repository];
  if (!rule) return undefined;
  const tag = ref.tag ?? "";
  return rule.byTag?.find((r) => r.tag.test(tag))?.platforms ?? rule.platforms;
}

/** NGC images start through NVIDIA's entrypoint script, which runs the command it is given. */
export function isNvidiaNgcImage(image: string | undefined): boolean {
  return image !== undefined && parseImage(image).repository.startsWith("nvcr.io/nvidia/");
}
