import type { Fleet } from "../fleet/schema";

/**
 * The window a host's hard stop is measured against, hours. The fleet's budget is a rate
 * (`budgetPerHour`); a lifetime cap needs a period, and a day is the one operators reason in.
 */
export const BUDGET_WINDOW_HOURS = 24;

/** A host never gets less than this, so a slow first download cannot trip the guard. */
export const MIN_HOST_HOURS = 1;

/**
 * Hours a burst host may run before its budget guard destroys it, busy or not: its share of one
 * day's budget at the price it was rented for.
 *
 *   pool share  = budgetPerHour × (maxHosts × maxPricePerHour) / Σ over pools of the same
 *   per host    = pool share / maxHosts
 *   max hours   = per host × BUDGET_WINDOW_HOURS / pricePerHour   (at least MIN_HOST_HOURS)
 *
 * When the burst-budget check passes (Σ maxHosts × maxPricePerHour ≤ budgetPerHour) this is at least
 * a day at the pool's price cap; it exists to bound what a host that never goes idle, or a leaked
 * one, can cost. Rounded down to a quarter hour.
 */
export function burstHostMaxHours(fleet: Fleet, poolName: string, pricePerHour: number): number {
  const burst = fleet.burst;
  const pool = burst?.pools.find((p) => p.name === poolName);
  if (!burst || !pool) throw new Error(`burstHostMaxHours: no burst pool named '${poolName}'`);
  if (!(pricePerHour > 0) || !Number.isFinite(pricePerHour)) {
    throw new Error(`burstHostMaxHours: pool ${poolName}: price ${pricePerHour} $/h is not a price`);
  }
  const cap = (p: { maxHosts: number; maxPricePerHour: number }) => p.maxHosts * p.maxPricePerHour;
  const totalCap = burst.pools.reduce((sum, p) => sum + cap(p), 0);
  const poolShare = (burst.budgetPerHour * cap(pool)) / totalCap;
  const perHost = poolShare / pool.maxHosts;
  const hours = (perHost * BUDGET_WINDOW_HOURS) / pricePerHour;
  return Math.max(MIN_HOST_HOURS, Math.floor(hours * 4) / 4);
}
