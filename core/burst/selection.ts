/**
 * Offer selection for a burst pool: filter by every requirement of the request, rank by the
 * pool's strategy, keep one offer per physical machine. Pure and deterministic: the same offers
 * (in any order) and request give the same list.
 */
import { type VastOffer, offerProblems } from "./offers";
import type { BurstHardwareOption, BurstRequest, BurstStrategy } from "./request";
import { NETWORK_FIRST_MIN_INET_DOWN_MBPS } from "./search-body";
import { describeTimeToUseful, timeToUseful, timeToUsefulStep } from "./time-to-useful";

/** An offer that passed every filter, with its rank data. */
export interface RankedOffer {
  readonly offer: VastOffer;
  /** Hardware catalog id the offer counts as (which image and argv the host runs). */
  readonly hardwareId: string;
  /** Expected seconds until the engine serves (time-to-useful model), whatever the strategy. */
  readonly expectedSecondsToUseful: number;
  /** `dph_total`, $/hour. */
  readonly pricePerHour: number;
  /** Why it qualified and how it ranks, in words. */
  readonly reasons: readonly string[];
}

/** The pool GPU an offer counts as: a matching name with enough memory per GPU. */
export function matchHardware(offer: VastOffer, request: BurstRequest): BurstHardwareOption | undefined {
  return request.hardware.find((h) => h.vastNames.includes(offer.gpu_name) && offer.gpu_ram >= h.minGpuRamMb);
}

/**
 * Why an offer does not qualify, or null when it does. Checks, in order: believable numbers
 * (offerProblems), GPU name and memory, GPU count, compute capability, CUDA, CPU architecture,
 * disk, direct ports, verification, reliability, download speed (above 1 Gb/s for network-first),
 * price cap, and that the offer is still rentable.
 */
export function offerRejection(offer: VastOffer, request: BurstRequest): string | null {
  const problems = offerProblems(offer);
  if (problems.length > 0) return `nonsense data: ${problems.join("; ")}`;
  const named = request.hardware.filter((h) => h.vastNames.includes(offer.gpu_name));
  if (named.length === 0) return `gpu_name '${offer.gpu_name}' is not one of ${request.gpuNames.join(", ")}`;
  const hw = matchHardware(offer, request);
  if (!hw) return `gpu_ram ${offer.gpu_ram} MB is below ${Math.min(...named.map((h) => h.minGpuRamMb))} MB for ${named.map((h) => h.hardwareId).join("/")}`;
  if (offer.num_gpus !== request.numGpus) return `num_gpus ${offer.num_gpus} is not ${request.numGpus}`;
  if (!(offer.compute_cap >= hw.minComputeCap)) return `compute_cap ${offer.compute_cap} is below ${hw.minComputeCap}`;
  if (hw.minCudaMaxGood !== null && !(offer.cuda_max_good >= hw.minCudaMaxGood - 1e-9)) {
    return `cuda_max_good ${offer.cuda_max_good} is below ${hw.minCudaMaxGood}, which ${hw.image} needs`;
  }
  const arch = offer.cpu_arch ?? "amd64";
  if (arch !== request.cpuArch) return `cpu_arch ${arch} is not ${request.cpuArch}`;
  if (!(offer.disk_space >= request.minDiskGb)) return `disk_space ${offer.disk_space} GB is below ${request.minDiskGb} GB`;
  if (!(offer.direct_port_count >= request.minDirectPorts)) return `direct_port_count ${offer.direct_port_count} is below ${request.minDirectPorts}`;
  if (request.verifiedOnly && offer.verification !== "verified") return `verification '${offer.verification}' is not verified`;
  if (!(offer.reliability2 >= request.minReliability)) return `reliability2 ${offer.reliability2} is below ${request.minReliability}`;
  if (!(offer.inet_down >= request.minInetDownMbps)) return `inet_down ${offer.inet_down} Mb/s is below ${request.minInetDownMbps}`;
  if (request.strategy === "network-first" && !(offer.inet_down > NETWORK_FIRST_MIN_INET_DOWN_MBPS)) {
    return `inet_down ${offer.inet_down} Mb/s is not above ${NETWORK_FIRST_MIN_INET_DOWN_MBPS} (network-first)`;
  }
  if (!(offer.dph_total <= request.maxPricePerHour)) return `dph_total $${offer.dph_total.toFixed(3)}/h is above the cap $${request.maxPricePerHour}/h`;
  if (!offer.rentable || offer.rented) return "no longer rentable";
  return null;
}

type Candidate = RankedOffer & { readonly inetDown: number };

/** Last resort: the offer id, then the whole row (dirty data can repeat an id), so input order never matters. */
function tieBreak(a: Candidate, b: Candidate): number {
  if (a.offer.id !== b.offer.id) return a.offer.id - b.offer.id;
  const [x, y] = [JSON.stringify(a.offer), JSON.stringify(b.offer)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Strategy order, then price, then tieBreak. */
const COMPARE: Readonly<Record<BurstStrategy, (a: Candidate, b: Candidate) => number>> = {
  cheapest: (a, b) => a.pricePerHour - b.pricePerHour || a.expectedSecondsToUseful - b.expectedSecondsToUseful || tieBreak(a, b),
  "network-first": (a, b) => b.inetDown - a.inetDown || a.pricePerHour - b.pricePerHour || tieBreak(a, b),
  "time-to-useful": (a, b) => timeToUsefulStep(a.expectedSecondsToUseful) - timeToUsefulStep(b.expectedSecondsToUseful)
    || a.pricePerHour - b.pricePerHour || a.expectedSecondsToUseful - b.expectedSecondsToUseful || tieBreak(a, b),
};

const RANKED_BY: Readonly<Record<BurstStrategy, string>> = {
  cheapest: "ranked by dph_total ascending",
  "network-first": "ranked by inet_down descending (seed: fastest network first)",
  "time-to-useful": "ranked by expected seconds to useful ascending (5 % steps; within a step, cheaper first)",
};

/**
 * The offers a pool may rent, best first.
 * - Filters: every requirement of the request (offerRejection); the price cap is `dph_total ≤
 *   maxPricePerHour`, and offers with nonsense numbers never qualify.
 * - Ranking: `cheapest` by price; `network-first` as the seed does it — only inet_down above
 *   1 Gb/s, fastest first, inside the price cap; `time-to-useful` by expected seconds until the
 *   engine serves (time-to-useful.ts), compared in 5 % steps. Ties fall to price, then offer id.
 * - One offer per physical machine (`machine_id`): the best by the strategy's order. Two hosts on
 *   one machine share its uplink and fail together.
 */
export function selectBurstOffers(offers: readonly VastOffer[], request: BurstRequest): RankedOffer[] {
  const candidates: Candidate[] = [];
  for (const offer of offers) {
    if (offerRejection(offer, request) !== null) continue;
    const hw = matchHardware(offer, request) as BurstHardwareOption;
    const estimate = timeToUseful(offer, request);
    candidates.push({
      offer,
      hardwareId: hw.hardwareId,
      expectedSecondsToUseful: estimate.expectedSeconds,
      pricePerHour: offer.dph_total,
      inetDown: offer.inet_down,
      reasons: [
        `${offer.gpu_name} ×${offer.num_gpus} (${hw.hardwareId}) on machine ${offer.machine_id}, ${offer.verification}, reliability ${offer.reliability2.toFixed(4)}`,
        `$${offer.dph_total.toFixed(3)}/h within the $${request.maxPricePerHour}/h cap; inet_down ${Math.round(offer.inet_down)} Mb/s`,
        describeTimeToUseful(estimate),
        RANKED_BY[request.strategy],
      ],
    });
  }
  candidates.sort(COMPARE[request.strategy]);
  const seenMachines = new Set<number>();
  const ranked: RankedOffer[] = [];
  for (const { inetDown: _inetDown, ...candidate } of candidates) {
    if (seenMachines.has(candidate.offer.machine_id)) continue;
    seenMachines.add(candidate.offer.machine_id);
    ranked.push(candidate);
  }
  return ranked;
}
