import type { Fleet } from "../fleet/schema";

/**
 * The stack config key `fabric autoscale` writes: a JSON object of host counts per pool, e.g.
 * `{"reason-burst": 1}`. It overrides the fleet's `desired`; the fleet file is never edited.
 */
export const DESIRED_OVERRIDE_KEY = "burstDesired";

/**
 * Hosts each pool runs: the override when it names the pool, else the fleet's `desired`. Throws
 * with the key, the pool and the fix when the override is not an object of whole numbers within
 * each pool's maxHosts (and its autoscale max).
 */
export function effectiveDesired(fleet: Fleet, override: string | undefined): Record<string, number> {
  const pools = fleet.burst?.pools ?? [];
  const counts: Record<string, number> = Object.fromEntries(pools.map((p) => [p.name, p.desired]));
  if (override === undefined || override.trim() === "") return counts;
  const where = `stack config fabric:${DESIRED_OVERRIDE_KEY}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(override);
  } catch {
    throw new Error(`${where} is not JSON; it holds host counts per pool, e.g. {"${pools[0]?.name ?? "pool"}": 1} (fabric autoscale writes it; \`pulumi config rm ${DESIRED_OVERRIDE_KEY}\` returns to the fleet's desired)`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${where} must be an object of host counts per pool, e.g. {"${pools[0]?.name ?? "pool"}": 1}`);
  for (const [name, value] of Object.entries(parsed)) {
    const pool = pools.find((p) => p.name === name);
    if (!pool) throw new Error(`${where} names pool '${name}', which the fleet does not have (pools: ${pools.map((p) => p.name).join(", ") || "none"}); remove it with \`pulumi config rm ${DESIRED_OVERRIDE_KEY}\``);
    const cap = Math.min(pool.maxHosts, pool.autoscale?.max ?? pool.maxHosts);
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > cap) {
      throw new Error(`${where}: pool ${name} wants ${JSON.stringify(value)} hosts but may run 0…${cap} (maxHosts ${pool.maxHosts}${pool.autoscale ? `, autoscale.max ${pool.autoscale.max}` : ""})`);
    }
    counts[name] = value;
  }
  return counts;
}
