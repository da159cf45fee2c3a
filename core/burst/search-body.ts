import type { BurstRequest, BurstStrategy } from "./request";

/**
 * The seed's network-first floor: only hosts with more than 1 Gb/s down (seed 002 §8:
 * "filter to offers with inet_down > 1000 (1 Gbps+)").
 */
export const NETWORK_FIRST_MIN_INET_DOWN_MBPS = 1000;

/** Offers asked for per search; selection re-ranks them locally, so more than the pool needs. */
export const SEARCH_LIMIT = 100;

/**
 * Server-side order. Vast cannot compute time-to-useful, so that strategy asks for the fastest
 * downloads first, the term that dominates it, and re-ranks locally.
 */
const SEARCH_ORDER: Readonly<Record<BurstStrategy, readonly [string, "asc" | "desc"]>> = {
  cheapest: ["dph_total", "asc"],
  "network-first": ["inet_down", "desc"],
  "time-to-useful": ["inet_down", "desc"],
};

/**
 * The `POST /bundles/` body for a request (REFERENCE §6; vast-cli `search offers`):
 * - operators `eq`, `gte`, `lte`, `in`; `gpu_ram` in MB, `compute_cap` as CC × 100, GPU names
 *   with spaces (the CLI turns `RTX_4090` into `RTX 4090` before sending);
 * - `rentable: true`, `rented: false` and `verified: true` are what the CLI sends by default;
 *   without `verifiedOnly` the `verified` key is left out, as the CLI's `verified=any` does (that
 *   is how the 2024 data set, with unverified hosts, was captured);
 * - `reliability` is the server's name for the score offers report as `reliability2`;
 * - `dph_total.lte` applies the price cap on the server too; `type: "on-demand"` as the CLI sends.
 * Per-GPU floors (an 80 GB A100 next to a 24 GB 4090) cannot be expressed in one query: the body
 * carries the smallest, and selection re-checks each offer against its own GPU.
 */
export function vastSearchBody(request: BurstRequest, limit: number = SEARCH_LIMIT): Record<string, unknown> {
  const inetFloor = request.strategy === "network-first"
    ? Math.max(request.minInetDownMbps, NETWORK_FIRST_MIN_INET_DOWN_MBPS)
    : request.minInetDownMbps;
  const [orderField, orderDirection] = SEARCH_ORDER[request.strategy];
  return {
    gpu_name: { in: [...request.gpuNames] },
    num_gpus: { eq: request.numGpus },
    gpu_ram: { gte: request.minGpuRamMb },
    compute_cap: { gte: request.minComputeCap },
    ...(request.minCudaMaxGood === null ? {} : { cuda_max_good: { gte: request.minCudaMaxGood } }),
    cpu_arch: { eq: request.cpuArch },
    disk_space: { gte: request.minDiskGb },
    direct_port_count: { gte: request.minDirectPorts },
    ...(request.verifiedOnly ? { verified: { eq: true } } : {}),
    reliability: { gte: request.minReliability },
    inet_down: { gte: inetFloor },
    dph_total: { lte: request.maxPricePerHour },
    rentable: { eq: true },
    rented: { eq: false },
    order: [[orderField, orderDirection]],
    type: "on-demand",
    limit,
  };
}
