/**
 * Burst offer selection on real data: 1,396 Vast.ai offers captured 2024-11-05
 * (../shared/data/vast-offers-2024-11.json). For three realistic pools, each strategy picks the
 * pool's hosts; the table shows their expected time-to-useful and price, as ratios against the
 * seed's network-first choice. Run: `node --import tsx bench/burst-selection.ts`.
 *
 * Expected seconds come from the same time-to-useful model that ranks `time-to-useful`, so that
 * strategy wins its own metric by construction; the useful reading is how much time the other
 * rankings leave on the table, and what each costs per hour.
 * The 2024 hosts predate CUDA 13 drivers (cuda_max_good ≤ 12.7), so the pools pin vLLM 0.8.5, a
 * CUDA 12.4 image of that time; with the default vLLM 0.26 (CUDA 13) no 2024 host qualifies.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseVastOffers } from "../core/burst/offers";
import { type BurstStrategy, burstRequest } from "../core/burst/request";
import { type RankedOffer, selectBurstOffers } from "../core/burst/selection";
import { Fleet, type FleetInput } from "../core/fleet/schema";

type PoolInput = NonNullable<FleetInput["burst"]>["pools"] extends (infer P)[] | undefined ? P : never;
type RecipeInput = NonNullable<FleetInput["recipes"]>[string];

interface BenchPool { readonly title: string; readonly recipe: RecipeInput; readonly pool: Omit<PoolInput, "name" | "recipe"> }

const POOLS: readonly BenchPool[] = [
  {
    title: "24 GB card, 8B AWQ (Qwen3-8B-AWQ, 16K context)",
    recipe: { engine: "vllm", engineVersion: "0.8.5", model: { id: "Qwen/Qwen3-8B-AWQ" }, quantization: "awq", maxModelLen: 16384 },
    pool: { gpu: ["rtx-4090", "rtx-3090"], maxHosts: 3, maxPricePerHour: 0.6 },
  },
  {
    title: "80 GB card, 70B FP8 (Llama-3.1-70B FP8, 8K context)",
    recipe: { engine: "vllm", engineVersion: "0.8.5", model: { id: "RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8", config: "llama-3.1-70b" },
      quantization: "fp8", maxModelLen: 8192, gpuMemoryUtilization: 0.95 },
    pool: { gpu: ["h100-80gb", "a100-80gb"], maxHosts: 3, maxPricePerHour: 3.0, diskGb: 200 },
  },
  {
    title: "48 GB card, 32B AWQ (Qwen3-32B-AWQ, 32K context)",
    recipe: { engine: "vllm", engineVersion: "0.8.5", model: { id: "Qwen/Qwen3-32B-AWQ" }, quantization: "awq", maxModelLen: 32768 },
    pool: { gpu: ["l40s"], maxHosts: 2, maxPricePerHour: 1.5, diskGb: 150 },
  },
];

const STRATEGIES: readonly BurstStrategy[] = ["network-first", "cheapest", "time-to-useful"];

function fleetFor(bench: BenchPool): Fleet {
  return Fleet.parse({
    machines: [{ name: "home", hardware: "rtx-5090", address: "127.0.0.1" }],
    recipes: { bench: bench.recipe },
    burst: { provider: "vast", apiKey: { secret: "vastApiKey" }, budgetPerHour: 20, pools: [{ name: "bench", recipe: "bench", ...bench.pool }] },
  } satisfies FleetInput);
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

interface Row { readonly strategy: BurstStrategy; readonly qualifying: number; readonly hosts: readonly RankedOffer[] }

function describeRows(rows: readonly Row[]): string[] {
  const base = rows.find((r) => r.strategy === "network-first");
  const baseTtu = base ? mean(base.hosts.map((h) => h.expectedSecondsToUseful)) : Number.NaN;
  const basePrice = base ? mean(base.hosts.map((h) => h.pricePerHour)) : Number.NaN;
  const lines = ["  strategy         hosts  qualifying  mean TTU s  mean $/h  TTU ×NF  $/h ×NF  chosen (id: TTU s, $/h, Mb/s)"];
  for (const row of rows) {
    const ttu = mean(row.hosts.map((h) => h.expectedSecondsToUseful));
    const price = mean(row.hosts.map((h) => h.pricePerHour));
    const chosen = row.hosts.map((h) => `${h.offer.id}: ${Math.round(h.expectedSecondsToUseful)}, ${h.pricePerHour.toFixed(2)}, ${Math.round(h.offer.inet_down)}`).join("; ");
    const ratio = (x: number, b: number) => (row.hosts.length && Number.isFinite(b) ? (x / b).toFixed(2) : "—");
    lines.push(`  ${row.strategy.padEnd(15)}  ${String(row.hosts.length).padStart(5)}  ${String(row.qualifying).padStart(10)}  ${row.hosts.length ? ttu.toFixed(0).padStart(10) : "—".padStart(10)}  ${row.hosts.length ? price.toFixed(3).padStart(8) : "—".padStart(8)}  ${ratio(ttu, baseTtu).padStart(7)}  ${ratio(price, basePrice).padStart(7)}  ${chosen}`);
  }
  return lines;
}

function main(): void {
  const offers = parseVastOffers(JSON.parse(readFileSync(path.join(__dirname, "../../shared/data/vast-offers-2024-11.json"), "utf8")));
  console.log(`Vast.ai offers 2024-11-05: ${offers.length}. NF = network-first (seed: inet_down > 1000, fastest first). TTU = expected seconds to useful.`);
  for (const bench of POOLS) {
    const fleet = fleetFor(bench);
    const request = burstRequest(fleet, "bench");
    const maxHosts = bench.pool.maxHosts;
    console.log(`\n${bench.title}: ${request.hardware.map((h) => h.hardwareId).join(", ")}, cap $${request.maxPricePerHour}/h, ${maxHosts} hosts, image ${request.imageSizeGb} GB, model ${request.modelSizeGb} GB`);
    const rows = STRATEGIES.map((strategy): Row => {
      const ranked = selectBurstOffers(offers, { ...request, strategy });
      return { strategy, qualifying: ranked.length, hosts: ranked.slice(0, maxHosts) };
    });
    for (const line of describeRows(rows)) console.log(line);
  }
}

main();
