import { z } from "zod";
import { Name } from "./primitives";

/**
 * What tells the controller a pool's route needs more hosts. Each becomes a PromQL expression the
 * plan generates (core/burst/autoscale-signal.ts):
 * - `waiting-requests`: requests queued on the route's local engines (vLLM `num_requests_waiting`,
 *   SGLang `num_queue_reqs`, llama.cpp `requests_deferred`), summed, mean over the last 30 s;
 * - `queue-seconds`: mean time a request waited in the route's local engines' queues over the last
 *   minute (vLLM's `request_queue_time_seconds` histogram; engines without one are refused);
 * - `cloud-fallback-rate`: requests per second the gateway sent from the route to a cloud provider.
 */
export const AutoscaleSignal = z.enum(["waiting-requests", "queue-seconds", "cloud-fallback-rate"]);
export type AutoscaleSignal = z.infer<typeof AutoscaleSignal>;

/**
 * On-demand renting for one burst pool, applied by `fabric autoscale --stack <name>`: a new host
 * when the route's signal stays at or above `scaleUpAt` for `holdSeconds`; the newest host given
 * back once the signal is below `scaleDownBelow` and that host served nothing for `idleMinutes`.
 */
export const BurstAutoscale = z
  .strictObject({
    /** Route whose backlog the signal measures (a gateway.routes[].name). */
    route: Name.describe("Route whose backlog the signal measures (a gateway.routes[].name)."),
    /**
     * Hosts kept even when idle.
     * @default 0
     */
    min: z.number().int().nonnegative().max(64).default(0).describe("Hosts kept even when idle."),
    /** Most hosts the controller rents; at most the pool's maxHosts. */
    max: z.number().int().positive().max(64).describe("Most hosts the controller rents; at most the pool's maxHosts."),
    /** The signal watched. */
    signal: AutoscaleSignal.describe("waiting-requests (queued on the route's local engines, mean over 30 s), queue-seconds (mean queue wait there, vLLM only) or cloud-fallback-rate (requests/s the gateway sent to the cloud)."),
    /** Signal value at or above which the pool needs one more host (requests, seconds or requests/s). */
    scaleUpAt: z.number().positive().max(1e6).describe("Signal value at or above which the pool needs one more host (requests, seconds or requests/s)."),
    /**
     * Signal value below which a host may be given back; below `scaleUpAt` so a signal hovering at
     * the threshold cannot rent and release in turn.
     * @default 0.5 × scaleUpAt
     */
    scaleDownBelow: z.number().nonnegative().max(1e6).optional().describe("Signal value below which an idle host may be given back; below scaleUpAt. Default half of scaleUpAt."),
    /**
     * How long the signal must stay at or above `scaleUpAt` before a host is rented.
     * @default 60
     */
    holdSeconds: z.number().int().nonnegative().max(86400).default(60).describe("Seconds the signal must stay at or above scaleUpAt before a host is rented."),
    /**
     * Minutes a host must have had no running request and served none before it is given back.
     * Below `burst.idleMinutes`, so the controller releases a host before its own watchdog does.
     * @default 10
     */
    idleMinutes: z.number().positive().max(10080).default(10).describe("Minutes a host must have had no running request before it is given back; below burst.idleMinutes."),
    /**
     * Seconds after any change of the pool before the next one.
     * @default 300
     */
    cooldownSeconds: z.number().int().nonnegative().max(86400).default(300).describe("Seconds after a change of the pool before the next change."),
  })
  .describe("On-demand renting for this pool, applied by `fabric autoscale`.");
export type BurstAutoscale = z.infer<typeof BurstAutoscale>;

/** The scale-down threshold in force: the declared one, or half the scale-up one. */
export function scaleDownThreshold(policy: Pick<BurstAutoscale, "scaleUpAt" | "scaleDownBelow">): number {
  return policy.scaleDownBelow ?? policy.scaleUpAt / 2;
}
