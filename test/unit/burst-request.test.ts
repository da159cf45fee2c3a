import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { burstHostMaxHours } from "../../core/burst/budget";
import { minCudaForImage } from "../../core/burst/engine-facts";
import { burstRequest, vastSearchBody } from "../../core/burst/request";
import { parseFleet } from "../../core/fleet/load";
import { Fleet, type FleetInput } from "../../core/fleet/schema";

function homelab(): Fleet {
  const parsed = parseFleet(readFileSync(path.join(__dirname, "../../stacks/homelab.fleet.yaml"), "utf8"));
  if (!parsed.ok) throw new Error(parsed.violations.map((v) => v.message).join("\n"));
  return parsed.fleet;
}

type PoolInput = NonNullable<FleetInput["burst"]>["pools"] extends (infer P)[] | undefined ? P : never;
type RecipeInput = NonNullable<FleetInput["recipes"]>[string];

/** A fleet with one burst pool `p` running recipe `r`. */
function fleetWith(recipe: RecipeInput, pool: Partial<PoolInput> = {}): Fleet {
  return Fleet.parse({
    machines: [{ name: "ws", hardware: "rtx-4090", address: "127.0.0.1" }],
    recipes: { r: recipe },
    burst: { provider: "vast", apiKey: { secret: "vastApiKey" }, budgetPerHour: 3, pools: [
      { name: "p", recipe: "r", maxHosts: 2, maxPricePerHour: 0.6, gpu: ["rtx-4090"], ...pool }] },
  } satisfies FleetInput);
}

const awq8b: RecipeInput = { engine: "vllm", model: { id: "Qwen/Qwen3-8B-AWQ" }, quantization: "awq", maxModelLen: 16384 };

describe("burstRequest: the homelab pool", () => {
  it("reason-burst: request and search body", (t) => {
    const request = burstRequest(homelab(), "reason-burst");
    t.assert.snapshot(request);
    t.assert.snapshot(vastSearchBody(request));
  });
  it("asks for CUDA 13 hosts, because vLLM 0.26 images are CUDA 13 builds", () => {
    const request = burstRequest(homelab(), "reason-burst");
    assert.equal(request.minCudaMaxGood, 13);
    assert.deepEqual(vastSearchBody(request).cuda_max_good, { gte: 13 });
  });
  it("fetches weights from the hub even though the fleet's own reasoner uses the store", () => {
    assert.equal(burstRequest(homelab(), "reason-burst").modelSource, "hub");
  });
});

describe("vastSearchBody", () => {
  const request = burstRequest(fleetWith(awq8b), "p");
  it("orders by price for cheapest and by download speed otherwise", () => {
    assert.deepEqual(vastSearchBody({ ...request, strategy: "cheapest" }).order, [["dph_total", "asc"]]);
    assert.deepEqual(vastSearchBody({ ...request, strategy: "time-to-useful" }).order, [["inet_down", "desc"]]);
  });
  it("raises the download floor to the seed's 1 Gb/s for network-first", () => {
    assert.deepEqual(vastSearchBody({ ...request, strategy: "network-first" }).inet_down, { gte: 1000 });
    assert.deepEqual(vastSearchBody({ ...request, strategy: "cheapest" }).inet_down, { gte: 500 });
  });
  it("leaves `verified` out when unverified hosts are allowed, and CUDA out when unknown", () => {
    const body = vastSearchBody({ ...request, verifiedOnly: false, minCudaMaxGood: null });
    assert.equal("verified" in body, false);
    assert.equal("cuda_max_good" in body, false);
  });
  it("sends the price cap, rentable and not rented, on-demand", () => {
    const body = vastSearchBody(request, 20);
    assert.deepEqual([body.dph_total, body.rentable, body.rented, body.type, body.limit], [{ lte: 0.6 }, { eq: true }, { eq: false }, "on-demand", 20]);
  });
});

describe("burstRequest: derived numbers", () => {
  it("per-GPU memory floors from the catalog, in MB", () => {
    const request = burstRequest(fleetWith(awq8b, { gpu: ["rtx-4090", "rtx-3090"] }), "p");
    assert.deepEqual(request.hardware.map((h) => [h.hardwareId, h.minGpuRamMb, h.minComputeCap]), [["rtx-4090", 24115, 890], ["rtx-3090", 24135, 860]]);
    assert.deepEqual(request.gpuNames, ["RTX 4090", "RTX 3090"]);
    assert.equal(request.minGpuRamMb, 24115);
    assert.equal(request.minComputeCap, 860);
  });
  it("model size from the weight estimate, GB", () => {
    const request = burstRequest(fleetWith(awq8b), "p");
    assert.ok(request.modelSizeGb > 5 && request.modelSizeGb < 7, `${request.modelSizeGb}`);
  });
  it("drops a listed GPU the recipe does not fit, keeps the others", () => {
    const big: RecipeInput = { engine: "vllm", model: { id: "Qwen/Qwen3-32B-AWQ" }, quantization: "awq", maxModelLen: 32768 };
    const request = burstRequest(fleetWith(big, { gpu: ["rtx-4090", "l40s"], diskGb: 150 }), "p");
    assert.deepEqual(request.hardware.map((h) => h.hardwareId), ["l40s"]);
  });
});

describe("burstRequest: errors name the field and the numbers", () => {
  it("no GPU fits", () => {
    const huge: RecipeInput = { engine: "vllm", model: { id: "meta-llama/Llama-3.1-70B-Instruct" }, quantization: "bf16" };
    assert.throws(() => burstRequest(fleetWith(huge, { diskGb: 400 }), "p"), /^Error: burst\.pools\[0\]\.gpu: no listed GPU can run recipe r: rtx-4090: .*GiB/);
  });
  it("a GPU that is never on Vast", () => {
    assert.throws(() => burstRequest(fleetWith(awq8b, { gpu: ["dgx-spark"] }), "p"), /dgx-spark is not rented on Vast\.ai/);
  });
  it("fewer GPUs than tensor parallelism", () => {
    assert.throws(() => burstRequest(fleetWith({ ...awq8b, tensorParallel: 2 }), "p"), /burst\.pools\[0\]\.numGpus: recipe r runs tensor parallel 2 but the pool rents 1 GPU/);
  });
  it("too little disk for the image and the model", () => {
    assert.throws(() => burstRequest(fleetWith(awq8b, { diskGb: 20 }), "p"), /burst\.pools\[0\]\.diskGb: 20 GB of disk cannot hold the unpacked image \(29\.0 GB\) and the model \(\d\.\d GB\)/);
  });
  it("an unknown pool", () => {
    assert.throws(() => burstRequest(homelab(), "nope"), /no burst pool named 'nope' \(pools: reason-burst\)/);
  });
});

describe("minCudaForImage", () => {
  const table: ReadonlyArray<readonly [Parameters<typeof minCudaForImage>[0], string, number | null]> = [
    ["vllm", "vllm/vllm-openai:v0.26.0", 13],
    ["vllm", "vllm/vllm-openai:v0.14.1", 12.9],
    ["vllm", "vllm/vllm-openai:v0.9.0", 12.8],
    ["vllm", "vllm/vllm-openai:v0.8.5", 12.4],
    ["vllm", "vllm/vllm-openai:v0.4.2", 12.1],
    ["vllm", "vllm/vllm-openai:v0.10.1-cu130", 13],
    ["sglang", "lmsysorg/sglang:v0.5.18-cu130", 13],
    ["sglang", "lmsysorg/sglang:v0.5.18", 12.9],
    ["llamacpp", "ghcr.io/ggml-org/llama.cpp:server-cuda13-b10902", 13],
    ["llamacpp", "ghcr.io/ggml-org/llama.cpp:server-cuda-b10902", 12.6],
    ["vllm", "pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime", 12.4],
    ["ollama", "ollama/ollama:0.32.15", null],
    ["vllm", "registry.example.com/my/vllm:prod", null],
  ];
  for (const [engine, image, cuda] of table) it(`${image} → ${cuda}`, () => assert.equal(minCudaForImage(engine, image), cuda));
});

describe("burstHostMaxHours", () => {
  it("a day of the host's budget share at its price", () => {
    // homelab: budget $3/h, one pool of 2 hosts → $1.5/h per host; at $0.5/h that is 72 h.
    assert.equal(burstHostMaxHours(homelab(), "reason-burst", 0.5), 72);
    assert.equal(burstHostMaxHours(homelab(), "reason-burst", 0.8), 45);
  });
  it("refuses a non-price", () => assert.throws(() => burstHostMaxHours(homelab(), "reason-burst", 0), /price 0 \$\/h is not a price/));
});
