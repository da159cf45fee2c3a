/**
 * How long a burst host may take to boot before it counts as failed. Kept free of imports: the
 * Vast dynamic provider calls it inside Pulumi's serialized closure, which cannot carry the
 * catalogs' Maps or zod.
 */

/** A boot that takes longer than this many times the expected time-to-useful has failed. */
export const BOOT_TIMEOUT_FACTOR = 3;

/** Floor on the boot timeout, minutes: estimates are rough, a first pull can be slow. */
export const MIN_BOOT_TIMEOUT_MINUTES = 30;

/** Boot timeout in minutes for a host expected to serve after `expectedSeconds`. */
export function bootTimeoutMinutes(expectedSeconds: number): number {
  return Math.max(MIN_BOOT_TIMEOUT_MINUTES, Math.ceil((expectedSeconds * BOOT_TIMEOUT_FACTOR) / 60));
}
