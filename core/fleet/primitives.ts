import { z } from "zod";
import { ImageRef } from "./grammar";

/** A DNS-label style name: lower case letters, digits and dashes. Used for machines, deployments, routes. */
export const Name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "use lower case letters, digits and '-' (a DNS label), e.g. 'spark-reasoner'")
  .describe("A DNS-label name: lower case letters, digits and '-'.");

/** A TCP port a service listens on. */
export const Port = z.number().int().min(1).max(65535).describe("TCP port, 1-65535.");

/**
 * A reference to a secret held in Pulumi stack config (encrypted), never the secret itself.
 * `{secret: huggingFaceToken}` reads `pulumi config get --secret huggingFaceToken`.
 */
export const SecretRef = z
  .strictObject({
    /** Name of the secret stack config key, e.g. `huggingFaceToken`. */
    secret: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, "a stack config key in camelCase, e.g. 'deepseekApiKey'")
      .describe("Name of the secret stack config key (set with `pulumi config set --secret <key>`)."),
  })
  .describe("Reference to a secret in stack config; the fleet file never holds the secret itself.");
export type SecretRef = z.infer<typeof SecretRef>;

/**
 * Where a secret-bearing field is declared. The schema accepts a plain string so the
 * `no-inline-secrets` check can explain the fix instead of a bare type error.
 */
export const SecretField = z
  .union([SecretRef, z.string()])
  .describe("A secret reference `{secret: <stack config key>}`. Plain strings are rejected by the no-inline-secrets check.");
export type SecretField = z.infer<typeof SecretField>;

/** A container image reference; pin a version tag or a digest. */
export const Image = ImageRef;

/** Duration like `15d`, `12h`, `30m` (Prometheus style). */
export const Duration = z
  .string()
  .regex(/^[0-9]{1,6}(ms|s|m|h|d|w|y)$/, "a duration like '15d', '12h' or '30m'")
  .describe("Duration such as '15d', '12h', '30m'.");

const DURATION_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 };

/** Milliseconds of a `Duration` string (`15s` → 15000). */
export function durationMs(value: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d|w|y)$/.exec(value);
  return match ? Number(match[1]) * (DURATION_MS[match[2] as string] ?? NaN) : NaN;
}

/** A Duration between `min` and `max` (as Duration strings), e.g. a scrape interval Prometheus accepts. */
export function boundedDuration(min: string, max: string) {
  return Duration.refine((v) => durationMs(v) >= durationMs(min) && durationMs(v) <= durationMs(max), `must be between ${min} and ${max}`);
}
