// What one rented host runs, once the offer is known: the image and boot script for the offer's
// GPU, completed with the offer's price (budget guard) and time-to-useful (boot timeout).
//
// Runs inside the dynamic provider, i.e. under Pulumi's function serialization, which cannot carry
// a Map or Set (a captured one arrives as a plain object: "Method Map.prototype.get called on
// incompatible receiver"). Core functions that reach module-level Maps (findHardware, the vLLM
// renderer) therefore run in the component: it passes `boot`, the boot-script input per hardware
// option, and `request`. Only closure-safe core runs here: burstHostMaxHours, renderBurstBootScript.
import { bootTimeoutMinutes } from "../../core/burst/boot-timeout";
import { burstHostMaxHours } from "../../core/burst/budget";
import type { BurstRequest } from "../../core/burst/request";
import type { RankedOffer } from "../../core/burst/selection";
import type { Fleet } from "../../core/fleet/schema";
import { type BurstBootScriptInput, renderBurstBootScript } from "../../core/render/burst-boot-script";
import type { VastCreateBody, VastRetryPolicy } from "./vast-client";

/** How long and how often; tests shrink these. */
export interface VastTiming {
  /** Pause between status polls while a host loads, ms. @default 10000 */
  readonly pollIntervalMs: number;
  /** A host not `running` within this is destroyed and the next offer tried, ms. @default 1200000 (an engine image is large) */
  readonly readyTimeoutMs: number;
  /** Offers tried per create, best first. @default 5 */
  readonly maxOffersTried: number;
  /**
   * After a rent whose answer was lost (timeout, 5xx, connection reset), this many consecutive
   * instance lists must show nothing with the host's label before it counts as not made and the next
   * offer may be rented (the list is eventually consistent: a new instance can be missing for a while).
   * @default 4
   */
  readonly lostRentLooks: number;
  /** Pause between those lists, ms. @default 5000 */
  readonly lostRentLookIntervalMs: number;
  /** Client retry and timeout settings. @default DEFAULT_RETRY_POLICY */
  readonly retry?: Partial<VastRetryPolicy>;
}

export const DEFAULT_TIMING: VastTiming = { pollIntervalMs: 10_000, readyTimeoutMs: 1_200_000, maxOffersTried: 5, lostRentLooks: 4, lostRentLookIntervalMs: 5_000 };

/** The resource's inputs as the provider sees them (plain values; the engine keeps secrets secret). */
export interface VastInstanceInputs {
  readonly apiKey: string;
  readonly baseUrl: string;
  /** Shown in the Vast console: `fabric-<stack>-<pool>-<n>`. */
  readonly label: string;
  readonly pool: string;
  /** 1-based host number in the pool; the host joins the tailnet as `<pool>-<hostIndex>`. */
  readonly hostIndex: number;
  /** The pool recipe's hash; a new hash means a new host. */
  readonly recipeHash: string;
  /** What to search and how to rank (core `burstRequest`). */
  readonly request: BurstRequest;
  /** Boot-script input per hardware option (core `burstBootScriptInput`), by hardware id. */
  readonly boot: Readonly<Record<string, BurstBootScriptInput>>;
  /** The fleet, for the budget guard (core `burstHostMaxHours`). */
  readonly fleet: Fleet;
  /** Instance environment: TS_AUTHKEY and the engine's secrets (HF_TOKEN). Secret. */
  readonly instanceEnv: Readonly<Record<string, string>>;
  readonly timing: VastTiming;
}

/** What was launched on a host, recorded so later diffs can tell whether it is still current. */
export interface Launch {
  readonly hardwareId: string;
  readonly image: string;
  readonly bootScript: string;
  /** Budget guard the host booted with, hours. */
  readonly maxHours: number;
  readonly bootTimeoutMinutes: number;
  readonly expectedSecondsToUseful: number;
  /** The host's tailnet name: `<pool>-<hostIndex>`. */
  readonly meshHostName: string;
  /** The engine port on the tailnet. */
  readonly enginePort: number;
}

function renderFor(inputs: VastInstanceInputs, base: BurstBootScriptInput, maxHours: number, timeout: number): string {
  return renderBurstBootScript({ ...base, maxHours, bootTimeoutMinutes: timeout, vastApiUrl: inputs.baseUrl });
}

/** The launch for a ranked offer; throws when the component passed no boot input for its GPU. */
export function launchFor(inputs: VastInstanceInputs, candidate: RankedOffer): Launch {
  const option = inputs.request.hardware.find((h) => h.hardwareId === candidate.hardwareId);
  const base = inputs.boot[candidate.hardwareId];
  if (!option || !base) throw new Error(`${inputs.label}: offer ${candidate.offer.id} counts as ${candidate.hardwareId}, which the pool's boot inputs do not cover (${Object.keys(inputs.boot).join(", ")})`);
  const maxHours = burstHostMaxHours(inputs.fleet, inputs.pool, candidate.pricePerHour);
  const timeout = bootTimeoutMinutes(candidate.expectedSecondsToUseful);
  return {
    hardwareId: candidate.hardwareId, image: option.image, bootScript: renderFor(inputs, base, maxHours, timeout),
    maxHours, bootTimeoutMinutes: timeout, expectedSecondsToUseful: candidate.expectedSecondsToUseful,
    meshHostName: `${base.pool}-${base.hostIndex}`, enginePort: base.port,
  };
}

/**
 * What the running host would boot with under new inputs, on the same GPU and with the guard and
 * timeout it booted with (a budget change applies to hosts rented afterwards). Null when the new
 * inputs no longer cover its GPU.
 */
export function relaunch(news: VastInstanceInputs, running: Launch): Pick<Launch, "image" | "bootScript"> | null {
  const option = news.request.hardware.find((h) => h.hardwareId === running.hardwareId);
  const base = news.boot[running.hardwareId];
  if (!option || !base) return null;
  return { image: option.image, bootScript: renderFor(news, base, running.maxHours, running.bootTimeoutMinutes) };
}

/**
 * `PUT /asks/{id}/` body. The boot script runs as the container's command (runtype `args`,
 * entrypoint `sh -c`), as renderBurstBootScript prescribes; a busy machine must refuse rather
 * than create a stopped instance that bills for disk (`cancel_unavail`).
 */
export function createBody(inputs: VastInstanceInputs, launch: Launch): VastCreateBody {
  return {
    client_id: "me", image: launch.image, disk: inputs.request.minDiskGb, label: inputs.label,
    runtype: "args", onstart: "sh", args: ["-c", launch.bootScript], env: inputs.instanceEnv, cancel_unavail: true,
  };
}
