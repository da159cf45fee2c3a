/**
 * Vast.ai marketplace offers as the search API returns them (`POST /bundles/` → `{offers: [...]}`),
 * reduced to the fields offer selection reads. Units are Vast's own (REFERENCE §6,
 * ../shared/data/README.md): MB, Mb/s, $/h, compute capability × 100.
 */

/** Vast's machine verification states. */
export type VastVerification = "verified" | "unverified" | "deverified";

/**
 * One rentable offer. A number Vast did not report parses as `NaN`: every `≥` comparison with NaN
 * is false, so a missing field fails each filter that reads it instead of passing by accident.
 */
export interface VastOffer {
  /** Ask id: what `PUT /asks/{id}/` rents. Changes when the machine is re-listed. */
  readonly id: number;
  /** Physical machine; several offers (1, 2, 4 … GPUs) can share one. */
  readonly machine_id: number;
  readonly host_id: number;
  /** Marketplace GPU name with spaces, e.g. `RTX 4090`. */
  readonly gpu_name: string;
  readonly num_gpus: number;
  /** Memory per GPU, MB (what nvidia-smi reports in MiB, e.g. 24564 for an RTX 4090). */
  readonly gpu_ram: number;
  /** GPU memory bandwidth, GB/s. */
  readonly gpu_mem_bw: number;
  /** Compute capability × 100 (890 = 8.9). */
  readonly compute_cap: number;
  /** Newest CUDA version the host driver runs, e.g. 12.4. */
  readonly cuda_max_good: number;
  readonly driver_version: string | undefined;
  /** `amd64` or `arm64`; Vast assumes amd64 when absent. */
  readonly cpu_arch: string | undefined;
  readonly cpu_cores_effective: number;
  /** Host RAM, MB. */
  readonly cpu_ram: number;
  /** Disk available to the instance, GB. */
  readonly disk_space: number;
  /** Disk bandwidth, MB/s. */
  readonly disk_bw: number;
  /** Host-to-GPU PCIe bandwidth, GB/s (null in a few rows, hence NaN). */
  readonly pcie_bw: number;
  /** Download bandwidth, Mb/s (measured by Vast's speed test). */
  readonly inet_down: number;
  /** Upload bandwidth, Mb/s. */
  readonly inet_up: number;
  /** Price of the whole offer, $/hour, storage included. */
  readonly dph_total: number;
  /** Vast's reliability score, 0..1. */
  readonly reliability2: number;
  readonly verification: VastVerification | string;
  /** Ports the instance can open directly on the host's public address. */
  readonly direct_port_count: number;
  /** Country code (two letters) in the scrubbed data; `City, CC` in the live API. */
  readonly geolocation: string | undefined;
  readonly rentable: boolean;
  readonly rented: boolean;
  readonly static_ip: boolean;
  readonly dlperf: number;
}

/** A number, or a numeric string; anything else is NaN (not reported). */
function numberField(row: Record<string, unknown>, key: string): number {
  const value = row[key];
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isNaN(parsed) ? Number.NaN : parsed;
  }
  return Number.NaN;
}

function stringField(row: Record<string, unknown>, key: string): string | undefined {
  const value = row[key];
  return typeof value === "string" ? value : undefined;
}

function booleanField(row: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = row[key];
  return typeof value === "boolean" ? value : fallback;
}

/** One row, or null when it lacks what identifies and prices a rentable host. */
function parseOfferRow(row: unknown): VastOffer | null {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return null;
  const r = row as Record<string, unknown>;
  const id = numberField(r, "id");
  const machineId = numberField(r, "machine_id");
  const gpuName = stringField(r, "gpu_name");
  if (!Number.isInteger(id) || !Number.isInteger(machineId) || !gpuName) return null;
  return {
    id,
    machine_id: machineId,
    host_id: numberField(r, "host_id"),
    gpu_name: gpuName,
    num_gpus: numberField(r, "num_gpus"),
    gpu_ram: numberField(r, "gpu_ram"),
    gpu_mem_bw: numberField(r, "gpu_mem_bw"),
    compute_cap: numberField(r, "compute_cap"),
    cuda_max_good: numberField(r, "cuda_max_good"),
    driver_version: stringField(r, "driver_version"),
    cpu_arch: stringField(r, "cpu_arch"),
    cpu_cores_effective: numberField(r, "cpu_cores_effective"),
    cpu_ram: numberField(r, "cpu_ram"),
    disk_space: numberField(r, "disk_space"),
    disk_bw: numberField(r, "disk_bw"),
    pcie_bw: numberField(r, "pcie_bw"),
    inet_down: numberField(r, "inet_down"),
    inet_up: numberField(r, "inet_up"),
    dph_total: numberField(r, "dph_total"),
    reliability2: numberField(r, "reliability2"),
    verification: stringField(r, "verification") ?? "unverified",
    direct_port_count: numberField(r, "direct_port_count"),
    geolocation: stringField(r, "geolocation"),
    rentable: booleanField(r, "rentable", true),
    rented: booleanField(r, "rented", false),
    static_ip: booleanField(r, "static_ip", false),
    dlperf: numberField(r, "dlperf"),
  };
}

/**
 * Offers from a search response: the `{offers: [...]}` body of `POST /bundles/` or a bare array
 * (`vastai search offers --raw`). Tolerant of dirty rows, because real data is dirty:
 * - a row that is not an object, or lacks an integer `id`, an integer `machine_id` or a
 *   `gpu_name`, is dropped — nothing could rent or identify it;
 * - every other row is kept as reported, nonsense included (a negative `inet_up`, $20/h for one
 *   RTX 4090): `offerProblems` names what is wrong and `selectBurstOffers` never picks such a row.
 * Throws only when the body has no offer list at all.
 */
export function parseVastOffers(json: unknown): VastOffer[] {
  const rows = Array.isArray(json)
    ? json
    : typeof json === "object" && json !== null && Array.isArray((json as { offers?: unknown }).offers)
      ? (json as { offers: unknown[] }).offers
      : undefined;
  if (!rows) {
    const shape = json === null ? "null" : Array.isArray(json) ? "array" : typeof json === "object" ? `an object with keys [${Object.keys(json).join(", ")}]` : typeof json;
    throw new Error(`parseVastOffers: expected an array of offers or {offers: [...]}, got ${shape}`);
  }
  return rows.flatMap((row) => {
    const offer = parseOfferRow(row);
    return offer ? [offer] : [];
  });
}

/**
 * The highest believable on-demand price for one GPU, $/hour. Datacenter H100/H200 GPUs list at
 * $2–4 per GPU-hour on Vast (the 2024 data's 8× H100 offers are $2.3–3.5 per GPU); $20/h for one
 * RTX 4090 is a listing error, not a premium host.
 */
export const MAX_BELIEVABLE_PRICE_PER_GPU_HOUR = 15;

/** No host NIC on the marketplace exceeds 100 Gb/s; the 2024 data tops out near 32 Gb/s. */
export const MAX_BELIEVABLE_INET_MBPS = 100_000;

/**
 * What makes an offer nonsense, in words; empty when it is believable. Such offers stay in the
 * parsed list (the data is what Vast said) but are never selected: a price or speed test that is
 * plainly wrong says nothing reliable about the host's other numbers either.
 */
export function offerProblems(offer: VastOffer): string[] {
  const problems: string[] = [];
  if (!(offer.num_gpus >= 1) || !Number.isInteger(offer.num_gpus)) problems.push(`num_gpus ${offer.num_gpus} is not a GPU count`);
  if (!(offer.dph_total > 0) || !Number.isFinite(offer.dph_total)) problems.push(`dph_total ${offer.dph_total} is not a price`);
  else if (offer.num_gpus >= 1 && offer.dph_total / offer.num_gpus > MAX_BELIEVABLE_PRICE_PER_GPU_HOUR) {
    problems.push(`$${(offer.dph_total / offer.num_gpus).toFixed(2)} per GPU-hour is above the believable $${MAX_BELIEVABLE_PRICE_PER_GPU_HOUR}`);
  }
  if (!(offer.inet_down >= 0 && offer.inet_down <= MAX_BELIEVABLE_INET_MBPS)) problems.push(`inet_down ${offer.inet_down} Mb/s is not a speed`);
  if (!(offer.inet_up >= 0 && offer.inet_up <= MAX_BELIEVABLE_INET_MBPS)) problems.push(`inet_up ${offer.inet_up} Mb/s is not a speed`);
  if (!(offer.reliability2 >= 0 && offer.reliability2 <= 1)) problems.push(`reliability2 ${offer.reliability2} is outside 0..1`);
  if (!(offer.gpu_ram > 0)) problems.push(`gpu_ram ${offer.gpu_ram} MB is not a memory size`);
  return problems;
}
