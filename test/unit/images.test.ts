import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { defaultEngineImage, engineCatalog, engineProfile } from "../../core/catalog/engines";
import { imagePlatforms, isNvidiaNgcImage, isPinned, parseImage } from "../../core/catalog/images";
import { imageProvenance } from "../../core/catalog/image-provenance";
import { serviceImages } from "../../core/catalog/services";
import type { EngineKind, HardwareProfile } from "../../core/catalog/types";

function hardware(id: string, computeCapability: number | null, family: HardwareProfile["family"], cpuArch: HardwareProfile["cpuArch"] = "amd64"): HardwareProfile {
  return { id, name: id, computeCapability, family, cpuArch, memoryGiB: 24, marketingGB: 24, bandwidthGBps: 1000, unifiedMemory: false, vastNames: [] };
}

const rtx3090 = hardware("rtx-3090", 8.6, "ampere");
const a100 = hardware("a100-80gb", 8.0, "ampere");
const rtx4090 = hardware("rtx-4090", 8.9, "ada");
const h100 = hardware("h100-80gb", 9.0, "hopper");
const rtx5090 = hardware("rtx-5090", 12.0, "blackwell");
const spark = hardware("dgx-spark", 12.1, "blackwell", "arm64");
const cpu = hardware("cpu", null, "cpu");
const allHardware = [rtx3090, a100, rtx4090, h100, rtx5090, spark, cpu];
const kinds = Object.keys(engineCatalog) as EngineKind[];

describe("parseImage", () => {
  const cases: readonly [string, ReturnType<typeof parseImage>][] = [
    ["vllm/vllm-openai:v0.26.0", { repository: "vllm/vllm-openai", tag: "v0.26.0" }],
    ["docker.io/library/ubuntu:24.04", { repository: "ubuntu", tag: "24.04" }],
    ["docker.io/vllm/vllm-openai", { repository: "vllm/vllm-openai" }],
    ["localhost:5000/team/engine", { repository: "localhost:5000/team/engine" }],
    ["localhost:5000/team/engine:1.0@sha256:abc", { repository: "localhost:5000/team/engine", tag: "1.0", digest: "sha256:abc" }],
    ["ghcr.io/ggml-org/llama.cpp@sha256:def", { repository: "ghcr.io/ggml-org/llama.cpp", digest: "sha256:def" }],
  ];
  for (const [image, expected] of cases) it(image, () => assert.deepEqual(parseImage(image), expected));
});

describe("isPinned", () => {
  const cases: readonly [string, boolean][] = [
    ["vllm/vllm-openai:v0.26.0", true],
    ["ghcr.io/berriai/litellm:v1.109.1-stable", true],
    ["ghcr.io/ggml-org/llama.cpp:server-cuda-b10902", true],
    ["busybox@sha256:0123", true],
    ["vllm/vllm-openai:latest", false],
    ["vllm/vllm-openai", false],
    ["lmsysorg/sglang:latest-cu130", false],
    ["ghcr.io/berriai/litellm:main-stable", false],
    ["ghcr.io/ggml-org/llama.cpp:server-cuda", false],
    ["vllm/vllm-openai:nightly", false],
  ];
  for (const [image, pinned] of cases) it(`${image} → ${pinned}`, () => assert.equal(isPinned(image), pinned));
});

describe("imagePlatforms", () => {
  const cases: readonly [string, readonly string[] | undefined][] = [
    ["vllm/vllm-openai:v0.26.0", ["amd64", "arm64"]],
    ["docker.io/vllm/vllm-openai:v0.26.0", ["amd64", "arm64"]],
    ["nvcr.io/nvidia/vllm:26.07-py3", ["amd64", "arm64"]],
    ["ghcr.io/ggml-org/llama.cpp:server-cuda13-b10902", ["amd64", "arm64"]],
    ["ghcr.io/ggml-org/llama.cpp:server-rocm-b10902", ["amd64"]],
    ["ghcr.io/huggingface/text-embeddings-inference:89-1.9.3", ["amd64"]],
    ["ghcr.io/huggingface/text-embeddings-inference:121-1.9", ["arm64"]],
    ["ghcr.io/huggingface/text-embeddings-inference:cpu-arm64-1.9", ["arm64"]],
    ["ghcr.io/mostlygeek/llama-swap:v255-cuda-b10902", ["amd64"]],
    ["ghcr.io/mostlygeek/llama-swap:v255-cpu-b10902", ["amd64", "arm64"]],
    ["lmsysorg/sglang:v0.5.18-cu130", ["amd64", "arm64"]],
    ["ghcr.io/berriai/litellm:v1.109.1-stable", ["amd64", "arm64"]],
    ["example.org/team/private:1.0", undefined],
  ];
  for (const [image, platforms] of cases) it(image, () => assert.deepEqual(imagePlatforms(image), platforms));

  it("knows every default service image", () => {
    for (const image of Object.values(serviceImages)) assert.ok(imagePlatforms(image)?.includes("arm64"), image);
  });
  it("recognises NGC images", () => {
    assert.equal(isNvidiaNgcImage("nvcr.io/nvidia/vllm:26.07-py3"), true);
    assert.equal(isNvidiaNgcImage("vllm/vllm-openai:v0.26.0"), false);
    assert.equal(isNvidiaNgcImage(undefined), false);
  });
});

describe("defaultEngineImage", () => {
  const cases: readonly [EngineKind, HardwareProfile, string | undefined, string][] = [
    ["vllm", rtx5090, undefined, "vllm/vllm-openai:v0.26.0"],
    ["vllm", spark, undefined, "vllm/vllm-openai:v0.26.0"],
    ["vllm", spark, "0.19.1", "vllm/vllm-openai:v0.19.1-cu130"],
    ["vllm", rtx4090, "0.19.1", "vllm/vllm-openai:v0.19.1"],
    ["sglang", rtx5090, undefined, "lmsysorg/sglang:v0.5.18"],
    ["sglang", spark, undefined, "lmsysorg/sglang:v0.5.18-cu130"],
    ["llamacpp", rtx5090, undefined, "ghcr.io/ggml-org/llama.cpp:server-cuda-b10902"],
    ["llamacpp", spark, undefined, "ghcr.io/ggml-org/llama.cpp:server-cuda13-b10902"],
    ["llamacpp", cpu, undefined, "ghcr.io/ggml-org/llama.cpp:server-b10902"],
    ["llamacpp", cpu, "b9000", "ghcr.io/ggml-org/llama.cpp:server-b9000"],
    ["ollama", spark, undefined, "ollama/ollama:0.32.15"],
    ["trtllm", h100, undefined, "nvcr.io/nvidia/tensorrt-llm/release:1.2.1"],
    ["tei", a100, undefined, "ghcr.io/huggingface/text-embeddings-inference:1.9.3"],
    ["tei", rtx3090, undefined, "ghcr.io/huggingface/text-embeddings-inference:86-1.9.3"],
    ["tei", rtx4090, undefined, "ghcr.io/huggingface/text-embeddings-inference:89-1.9.3"],
    ["tei", h100, undefined, "ghcr.io/huggingface/text-embeddings-inference:hopper-1.9.3"],
    ["tei", rtx5090, undefined, "ghcr.io/huggingface/text-embeddings-inference:120-1.9.3"],
    // TEI 1.9.3 built no arm64 image (matrix.json, build.yaml at v1.9.3): GB10 gets the amd64-only 120- tag.
    ["tei", spark, undefined, "ghcr.io/huggingface/text-embeddings-inference:120-1.9.3"],
    ["tei", cpu, undefined, "ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3"],
    ["llama-swap", rtx5090, undefined, "ghcr.io/mostlygeek/llama-swap:v250-cuda-b10902"],
    ["llama-swap", cpu, undefined, "ghcr.io/mostlygeek/llama-swap:v250-cpu-b10902"],
  ];
  for (const [kind, hw, version, image] of cases) it(`${kind} on ${hw.id}${version ? ` at ${version}` : ""}`, () => assert.equal(defaultEngineImage(kind, hw, version), image));

  it("names the field when a llama.cpp version is not a build number", () => {
    assert.throws(() => defaultEngineImage("llamacpp", rtx5090, "1.2"), /llamacpp engineVersion '1\.2' is not a llama\.cpp build number: use e\.g\. 'b10902'/);
  });
  it("is always pinned and published for the machine's architecture, except llama-swap and TEI on GB10", () => {
    fc.assert(fc.property(fc.constantFrom(...kinds), fc.constantFrom(...allHardware), (kind, hw) => {
      const image = defaultEngineImage(kind, hw);
      assert.ok(isPinned(image), image);
      const platforms = imagePlatforms(image);
      assert.ok(platforms, `${image} is in the platform table`);
      const expected = !((kind === "llama-swap" || kind === "tei") && hw.cpuArch === "arm64");
      assert.equal(platforms.includes(hw.cpuArch), expected, `${image} on ${hw.id}`);
    }));
  });
});

describe("engineCatalog", () => {
  it("describes every engine kind", () => {
    for (const kind of kinds) {
      const p = engineProfile(kind);
      assert.equal(p.id, kind);
      assert.ok(p.healthPath.startsWith("/"));
      assert.ok(p.images.amd64 && isPinned(p.images.amd64), kind);
    }
    assert.equal(engineProfile("ollama").metricsPath, null);
    assert.equal(engineProfile("trtllm").metricsPath, "/prometheus/metrics");
    assert.equal(engineProfile("vllm").images.blackwellArm64, "vllm/vllm-openai:v0.26.0");
    assert.equal(engineProfile("vllm").images.cpu, undefined);
    assert.equal(engineProfile("llamacpp").images.cpu, "ghcr.io/ggml-org/llama.cpp:server-b10902");
  });
});

describe("imageProvenance", () => {
  it("names, for every engine pin, the release it was seen in and the workflow that tags its images", () => {
    for (const kind of kinds) {
      const row = imageProvenance[kind];
      const pin = engineProfile(kind).defaultVersion.replace(/^v/, "");
      assert.ok(pin.startsWith(row.release.replace(/^v/, "")), `${kind}: pin ${pin} vs provenance ${row.release}`);
      assert.ok(row.seenIn.length > 0 && row.buildWorkflow.length > 0, kind);
      assert.ok(row.commit === null || /^[0-9a-f]{40}$/.test(row.commit), `${kind}: ${row.commit}`);
    }
  });
  it("offers no TEI variant the v1.9.3 build matrix did not have", () => {
    for (const hw of allHardware) assert.doesNotMatch(defaultEngineImage("tei", hw), /:(121-|cpu-arm64-)/, hw.id);
  });
});
