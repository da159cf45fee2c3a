/**
 * Expected seconds from "rent this offer" to "the engine answers requests", from what an offer
 * reports. The model:
 *
 *   T = provision + image + model + load
 *   image = max(compressed × 8 / min(inet_down, IMAGE_PULL_CEILING), unpacked / disk_bw)
 *   model = max(size × 8 / min(inet_down, source ceiling), size / disk_bw)       (download ∥ write)
 *   load  = size / disk_bw + size / pcie_bw + engine start                         (read, copy, warm up)
 *   expected = T / p_success,  p_success = reliability2 × VERIFICATION_SUCCESS[verification]
 *
 * Dividing by p_success is the mean of a geometric number of attempts when a failed start costs
 * about one T before it is noticed and another host is rented. Constants are judgement where
 * marked; they order hosts, they promise no stopwatch time.
 */
import type { BurstRequest } from "./request";
import { IMAGE_UNPACK_RATIO } from "./engine-facts";
import type { VastOffer } from "./offers";

/** Instance creation until the container's command runs, besides the image pull [judgement]. */
export const PROVISION_SECONDS = 30;

/**
 * Effective ceiling of a `docker pull`, Mb/s [judgement]: Docker fetches three layers at a time and
 * unpacks each gzip layer on one core (~150–300 MB/s), so 10 Gb/s links do not pull 10 Gb/s.
 */
export const IMAGE_PULL_CEILING_MBPS = 2000;

/** Effective ceiling of a Hugging Face download with parallel ranged requests (hf_transfer/Xet), Mb/s [judgement]. */
export const HUB_DOWNLOAD_CEILING_MBPS = 8000;

/** A fleet's own store behind a home uplink, Mb/s [judgement]; why external hosts use the hub. */
export const STORE_UPLINK_MBPS = 200;

/** Used when an offer does not report disk bandwidth, MB/s: a slow SATA SSD [judgement]. */
export const FALLBACK_DISK_MBPS = 300;

/** Used when an offer does not report PCIe bandwidth, GB/s: PCIe 3.0 ×4 [judgement]. */
export const FALLBACK_PCIE_GBPS = 3;

/**
 * Chance a start succeeds beyond what reliability2 says, by verification [judgement]. Verified
 * hosts passed Vast's own GPU, disk and network checks; unverified ones were never checked;
 * deverified ones were verified and then failed a check or drew reports. reliability2 alone barely
 * separates hosts (77 % of 2024 offers are ≥ 0.98), so this factor carries the host history.
 */
export const VERIFICATION_SUCCESS: Readonly<Record<string, number>> = {
  verified: 1.0,
  unverified: 0.9,
  deverified: 0.7,
};

/** Floor on p_success, so a near-zero score ranks last instead of dividing by ~0. */
export const MIN_SUCCESS_PROBABILITY = 0.05;

/** The terms of one estimate, seconds, with the probability it was divided by. */
export interface TimeToUseful {
  readonly provisionSeconds: number;
  readonly imageSeconds: number;
  readonly modelSeconds: number;
  readonly loadSeconds: number;
  readonly successProbability: number;
  /** (provision + image + model + load) / successProbability. */
  readonly expectedSeconds: number;
}

function positiveOr(value: number, fallback: number): number {
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The image this offer would pull: its GPU's option, else the request's largest. */
function imageGbFor(offer: VastOffer, request: BurstRequest): number {
  const option = request.hardware.find((h) => h.vastNames.includes(offer.gpu_name) && offer.gpu_ram >= h.minGpuRamMb);
  return option?.imageSizeGb ?? request.imageSizeGb;
}

/** Expected seconds until the engine on `offer` serves; see the module comment for the model. */
export function timeToUseful(offer: VastOffer, request: BurstRequest): TimeToUseful {
  const inetMbps = positiveOr(offer.inet_down, 1);
  const diskMBps = positiveOr(offer.disk_bw, FALLBACK_DISK_MBPS);
  const pcieGBps = positiveOr(offer.pcie_bw, FALLBACK_PCIE_GBPS);
  const imageGb = imageGbFor(offer, request);
  const imageSeconds = Math.max(
    (imageGb * 8000) / Math.min(inetMbps, IMAGE_PULL_CEILING_MBPS),
    (imageGb * IMAGE_UNPACK_RATIO * 1000) / diskMBps,
  );
  const sourceCeiling = request.modelSource === "hub" ? HUB_DOWNLOAD_CEILING_MBPS : STORE_UPLINK_MBPS;
  const modelGb = request.modelSizeGb;
  const modelSeconds = Math.max((modelGb * 8000) / Math.min(inetMbps, sourceCeiling), (modelGb * 1000) / diskMBps);
  const loadSeconds = (modelGb * 1000) / diskMBps + modelGb / pcieGBps + request.loadSeconds;
  const reliability = Number.isFinite(offer.reliability2) ? Math.min(1, Math.max(0, offer.reliability2)) : 0;
  const verification = VERIFICATION_SUCCESS[offer.verification] ?? VERIFICATION_SUCCESS.deverified ?? 0.7;
  const successProbability = Math.max(MIN_SUCCESS_PROBABILITY, reliability * verification);
  const total = PROVISION_SECONDS + imageSeconds + modelSeconds + loadSeconds;
  return {
    provisionSeconds: PROVISION_SECONDS,
    imageSeconds,
    modelSeconds,
    loadSeconds,
    successProbability,
    expectedSeconds: total / successProbability,
  };
}

/**
 * Ratio between two expected times the ranking tells apart. The inputs (a speed test, an image
 * size estimate, a verification factor) are not better than a few percent, so paying 2.5× the
 * price for a host predicted to be ready 1 s sooner would be chasing noise.
 */
export const TIME_TO_USEFUL_STEP = 1.05;

/** Expected seconds on a log grid of TIME_TO_USEFUL_STEP; equal steps rank as ties (then price). */
export function timeToUsefulStep(expectedSeconds: number): number {
  return Math.round(Math.log(Math.max(1, expectedSeconds)) / Math.log(TIME_TO_USEFUL_STEP));
}

/** The estimate in words, for a ranked offer's reasons. */
export function describeTimeToUseful(t: TimeToUseful): string {
  const s = (x: number) => `${Math.round(x)} s`;
  return `expected ${s(t.expectedSeconds)} to useful = (provision ${s(t.provisionSeconds)} + image ${s(t.imageSeconds)} + model ${s(t.modelSeconds)} + load ${s(t.loadSeconds)}) / p(start) ${t.successProbability.toFixed(3)}`;
}
