import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type VastOffer, offerProblems, parseVastOffers } from "../../core/burst/offers";
import { type BurstRequest, burstRequest } from "../../core/burst/request";
import { offerRejection, selectBurstOffers } from "../../core/burst/selection";
import { timeToUseful } from "../../core/burst/time-to-useful";
import { Fleet, type FleetInput } from "../../core/fleet/schema";

const DATA = path.join(__dirname, "../../../shared/data/vast-offers-2024-11.json");

/** A believable verified RTX 4090 offer that passes `request()`. */
function offer(overrides: Partial<VastOffer> = {}): VastOffer {
  return {
    id: 1000, machine_id: 1, host_id: 1, gpu_name: "RTX 4090", num_gpus: 1, gpu_ram: 24564, gpu_mem_bw: 900,
    compute_cap: 890, cuda_max_good: 12.4, driver_version: "550.54.14", cpu_arch: "amd64", cpu_cores_effective: 16,
    cpu_ram: 64000, disk_space: 500, disk_bw: 2000, pcie_bw: 12, inet_down: 800, inet_up: 800, dph_total: 0.4,
    reliability2: 0.995, verification: "verified", direct_port_count: 20, geolocation: "US", rentable: true,
    rented: false, static_ip: true, dlperf: 100,
    ...overrides,
  };
}

/** A request for one RTX 4090 running a CUDA 12.4 vLLM image, $0.6/h cap. */
function request(overrides: Partial<BurstRequest> = {}): BurstRequest {
  return {
    pool: "p", strategy: "time-to-useful",
    hardware: [{ hardwareId: "rtx-4090", vastNames: ["RTX 4090"], minGpuRamMb: 24115, minComputeCap: 890,
      image: "vllm/vllm-openai:v0.8.5", minCudaMaxGood: 12.4, imageSizeGb: 12.6 }],
    gpuNames: ["RTX 4090"], numGpus: 1, minGpuRamMb: 24115, minComputeCap: 890, minCudaMaxGood: 12.4, cpuArch: "amd64",
    minDiskGb: 100, minDirectPorts: 1, verifiedOnly: true, minReliability: 0.98, minInetDownMbps: 500,
    maxPricePerHour: 0.6, imageSizeGb: 12.6, modelSizeGb: 6, modelSource: "hub", loadSeconds: 90,
    ...overrides,
  };
}

describe("offerRejection: one requirement at a time", () => {
  it("a good offer passes", () => assert.equal(offerRejection(offer(), request()), null));
  const table: ReadonlyArray<readonly [string, Partial<VastOffer>, Partial<BurstRequest>, RegExp]> = [
    ["GPU name", { gpu_name: "RTX 3090" }, {}, /gpu_name 'RTX 3090' is not one of RTX 4090/],
    ["GPU memory (cut-down listing)", { gpu_ram: 23028 }, {}, /gpu_ram 23028 MB is below 24115 MB for rtx-4090/],
    ["GPU count", { num_gpus: 2, dph_total: 0.5 }, {}, /num_gpus 2 is not 1/],
    ["compute capability", { compute_cap: 860 }, {}, /compute_cap 860 is below 890/],
    ["CUDA for the image", { cuda_max_good: 12.2 }, {}, /cuda_max_good 12.2 is below 12.4, which vllm\/vllm-openai:v0.8.5 needs/],
    ["CPU architecture", { cpu_arch: "arm64" }, {}, /cpu_arch arm64 is not amd64/],
    ["disk", { disk_space: 80 }, {}, /disk_space 80 GB is below 100 GB/],
    ["direct ports", { direct_port_count: 0 }, {}, /direct_port_count 0 is below 1/],
    ["verification", { verification: "deverified" }, {}, /verification 'deverified' is not verified/],
    ["reliability", { reliability2: 0.95 }, {}, /reliability2 0.95 is below 0.98/],
    ["download speed", { inet_down: 300 }, {}, /inet_down 300 Mb\/s is below 500/],
    ["network-first floor", { inet_down: 1000 }, { strategy: "network-first" }, /not above 1000 \(network-first\)/],
    ["price cap", { dph_total: 0.61 }, {}, /dph_total \$0.610\/h is above the cap \$0.6\/h/],
    ["rented", { rented: true }, {}, /no longer rentable/],
    ["negative upload (dirty data)", { inet_up: -1788679061267.4 }, {}, /nonsense data: inet_up/],
    ["$20/h for one 4090 (dirty data)", { dph_total: 20.0017 }, { maxPricePerHour: 50 }, /nonsense data: \$20.00 per GPU-hour/],
    ["missing price", { dph_total: Number.NaN }, {}, /nonsense data: dph_total NaN is not a price/],
  ];
  for (const [name, o, r, message] of table) {
    it(`rejects on ${name}`, () => assert.match(offerRejection(offer(o), request(r)) ?? "accepted", message));
  }
  it("accepts unverified hosts when verifiedOnly is off, and a missing cpu_arch as amd64", () => {
    assert.equal(offerRejection(offer({ verification: "unverified", cpu_arch: undefined }), request({ verifiedOnly: false })), null);
  });
  it("separates the 40 GB and 80 GB A100, which share a name", () => {
    const r = request({ hardware: [{ hardwareId: "a100-80gb", vastNames: ["A100 SXM4"], minGpuRamMb: 81049, minComputeCap: 800,
      image: "x", minCudaMaxGood: null, imageSizeGb: 12.6 }], gpuNames: ["A100 SXM4"] });
    assert.match(offerRejection(offer({ gpu_name: "A100 SXM4", gpu_ram: 40960, compute_cap: 800, dph_total: 0.5 }), r) ?? "", /below 81049 MB/);
    assert.equal(offerRejection(offer({ gpu_name: "A100 SXM4", gpu_ram: 81920, compute_cap: 800, dph_total: 0.5 }), r), null);
  });
});

describe("selectBurstOffers: strategies", () => {
  // cheap: slow network; fast: 5 Gb/s but pricier; medium: in between; slowdisk: fast net, 20 MB/s disk.
  const cheap = offer({ id: 1, machine_id: 1, dph_total: 0.25, inet_down: 600 });
  const fast = offer({ id: 2, machine_id: 2, dph_total: 0.55, inet_down: 5000 });
  const medium = offer({ id: 3, machine_id: 3, dph_total: 0.4, inet_down: 1800 });
  const slowDisk = offer({ id: 4, machine_id: 4, dph_total: 0.3, inet_down: 9000, disk_bw: 20 });
  const all = [cheap, fast, medium, slowDisk];
  const ids = (strategy: BurstRequest["strategy"]) => selectBurstOffers(all, request({ strategy })).map((r) => r.offer.id);

  it("cheapest: by dph_total", () => assert.deepEqual(ids("cheapest"), [1, 4, 3, 2]));
  it("network-first: only above 1 Gb/s, fastest first (the seed's rule, slow disk or not)", () => assert.deepEqual(ids("network-first"), [4, 2, 3]));
  it("time-to-useful: the fast host first, the slow disk last", () => assert.deepEqual(ids("time-to-useful"), [2, 3, 1, 4]));
  it("every ranked offer carries its estimate, price and reasons", () => {
    const [best] = selectBurstOffers(all, request());
    assert.ok(best);
    assert.equal(best.pricePerHour, 0.55);
    assert.equal(best.hardwareId, "rtx-4090");
    assert.equal(best.expectedSecondsToUseful, timeToUseful(fast, request()).expectedSeconds);
    assert.match(best.reasons.join("\n"), /expected \d+ s to useful = \(provision 30 s \+ image \d+ s/);
  });
  it("time-to-useful weighs start-up risk: a deverified twin ranks below a verified one", () => {
    const r = request({ verifiedOnly: false });
    const ranked = selectBurstOffers([offer({ id: 7, machine_id: 7, verification: "deverified" }), offer({ id: 8, machine_id: 8 })], r);
    assert.deepEqual(ranked.map((x) => x.offer.id), [8, 7]);
  });
  it("time-to-useful treats estimates within 5 % as equal and takes the cheaper host", () => {
    const near = [offer({ id: 21, machine_id: 21, inet_down: 7100, dph_total: 0.5 }), offer({ id: 22, machine_id: 22, inet_down: 6900, dph_total: 0.2 })];
    const [a, b] = near.map((o) => timeToUseful(o, request()).expectedSeconds);
    assert.ok(a !== undefined && b !== undefined && Math.abs(a - b) / a < 0.05);
    assert.deepEqual(selectBurstOffers(near, request()).map((x) => x.offer.id), [22, 21]);
  });
  it("ties fall to price, then offer id", () => {
    const twins = [offer({ id: 9, machine_id: 9 }), offer({ id: 5, machine_id: 5 }), offer({ id: 6, machine_id: 6, dph_total: 0.3 })];
    assert.deepEqual(selectBurstOffers(twins, request()).map((x) => x.offer.id), [6, 5, 9]);
  });
});

describe("selectBurstOffers: one host per physical machine", () => {
  const sameMachine = [
    offer({ id: 11, machine_id: 42, dph_total: 0.5, inet_down: 3000 }),
    offer({ id: 12, machine_id: 42, dph_total: 0.3, inet_down: 3000 }),
    offer({ id: 13, machine_id: 43, dph_total: 0.45, inet_down: 2000 }),
  ];
  it("keeps the cheaper listing of machine 42 for cheapest", () => {
    assert.deepEqual(selectBurstOffers(sameMachine, request({ strategy: "cheapest" })).map((x) => x.offer.id), [12, 13]);
  });
  it("keeps one listing of machine 42 for network-first (the cheaper of two equal links)", () => {
    assert.deepEqual(selectBurstOffers(sameMachine, request({ strategy: "network-first" })).map((x) => x.offer.id), [12, 13]);
  });
});

/** Offers drawn around the request's thresholds, dirty values included. */
const arbitraryOffer = fc.record({
  id: fc.integer({ min: 1, max: 500 }),
  machine_id: fc.integer({ min: 1, max: 40 }),
  dph_total: fc.oneof(fc.double({ min: 0.01, max: 2, noNaN: true }), fc.constantFrom(20, -1, Number.NaN, 0)),
  inet_down: fc.oneof(fc.double({ min: 0, max: 12000, noNaN: true }), fc.constant(-5)),
  inet_up: fc.oneof(fc.double({ min: 0, max: 5000, noNaN: true }), fc.constant(-1788679061267.4)),
  disk_bw: fc.double({ min: 10, max: 20000, noNaN: true }),
  reliability2: fc.double({ min: 0.9, max: 1, noNaN: true }),
  verification: fc.constantFrom("verified", "unverified", "deverified"),
  gpu_ram: fc.constantFrom(23028, 24564),
}).map((o) => offer(o));

describe("selectBurstOffers: properties", () => {
  const strategies = fc.constantFrom<BurstRequest["strategy"]>("cheapest", "network-first", "time-to-useful");
  it("never exceeds the price cap, never picks nonsense, never two hosts on one machine", () => {
    fc.assert(fc.property(fc.array(arbitraryOffer, { maxLength: 60 }), strategies, fc.double({ min: 0.05, max: 1.5, noNaN: true }), (offers, strategy, cap) => {
      const ranked = selectBurstOffers(offers, request({ strategy, maxPricePerHour: cap, verifiedOnly: false, minReliability: 0 }));
      for (const r of ranked) {
        assert.ok(r.pricePerHour <= cap, `${r.pricePerHour} > cap ${cap}`);
        assert.deepEqual(offerProblems(r.offer), []);
        assert.ok(offers.includes(r.offer));
      }
      assert.equal(new Set(ranked.map((r) => r.offer.machine_id)).size, ranked.length);
    }));
  });
  it("is deterministic: any order of the same offers gives the same ranking", () => {
    const offersAndPermutation = fc.array(arbitraryOffer, { maxLength: 40 }).chain((offers) =>
      fc.tuple(fc.constant(offers), fc.shuffledSubarray(offers, { minLength: offers.length, maxLength: offers.length })));
    fc.assert(fc.property(offersAndPermutation, strategies, ([offers, shuffled], strategy) => {
      const r = request({ strategy, verifiedOnly: false, minReliability: 0 });
      assert.deepEqual(selectBurstOffers(shuffled, r), selectBurstOffers(offers, r));
    }));
  });
});

describe("the 2024-11 snapshot (1,396 real offers)", () => {
  const offers = parseVastOffers(JSON.parse(readFileSync(DATA, "utf8")));

  it("parses every row", () => assert.equal(offers.length, 1396));
  it("keeps the dirty rows but flags them: a negative inet_up and a $20/h RTX 4090", () => {
    const dirty = offers.filter((o) => offerProblems(o).length > 0);
    assert.ok(dirty.some((o) => o.inet_up < 0));
    assert.ok(dirty.some((o) => o.gpu_name === "RTX 4090" && o.num_gpus === 1 && o.dph_total > 19));
  });
  it("parses {offers: [...]}, drops rows without identity, and refuses a body without a list", () => {
    assert.equal(parseVastOffers({ offers: [{ id: 1, machine_id: 2, gpu_name: "RTX 4090" }, { id: "x" }, 7] }).length, 1);
    assert.throws(() => parseVastOffers({ error: "rate limited" }), /expected an array of offers or \{offers: \[\.\.\.\]\}, got an object with keys \[error\]/);
  });

  it("finds sensible RTX 4090 hosts for an 8B AWQ pool", () => {
    const fleet = Fleet.parse({
      machines: [{ name: "ws", hardware: "rtx-4090", address: "127.0.0.1" }],
      recipes: { r: { engine: "vllm", engineVersion: "0.8.5", model: { id: "Qwen/Qwen3-8B-AWQ" }, quantization: "awq", maxModelLen: 16384 } },
      burst: { provider: "vast", apiKey: { secret: "vastApiKey" }, budgetPerHour: 2, pools: [
        { name: "p", recipe: "r", maxHosts: 3, maxPricePerHour: 0.6, gpu: ["rtx-4090"] }] },
    } satisfies FleetInput);
    const r = burstRequest(fleet, "p");
    for (const strategy of ["cheapest", "network-first", "time-to-useful"] as const) {
      const ranked = selectBurstOffers(offers, { ...r, strategy });
      assert.ok(ranked.length >= 3, `${strategy}: ${ranked.length} hosts`);
      for (const x of ranked) {
        assert.equal(x.offer.gpu_name, "RTX 4090");
        assert.ok(x.offer.gpu_ram >= 24115 && x.offer.cuda_max_good >= 12.4 && x.offer.verification === "verified");
        assert.ok(x.pricePerHour <= 0.6 && x.expectedSecondsToUseful > 0 && Number.isFinite(x.expectedSecondsToUseful));
      }
    }
    const [first] = selectBurstOffers(offers, r);
    assert.ok(first && first.expectedSecondsToUseful < 1200, `best 4090 host is ready in ${first?.expectedSecondsToUseful} s`);
  });
});
