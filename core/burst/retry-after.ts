// The Retry-After header (RFC 9110 §10.2.3). Free of imports: the Vast client runs it inside
// Pulumi's serialized closure.

/**
 * A Retry-After header as milliseconds: delay-seconds or an HTTP date; null when absent or unreadable.
 * Used for 429 and 503, where the API (or a proxy in front of it) may send one.
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
