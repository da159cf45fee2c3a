// The hard caps of burst pools, checked against what is alive at Vast right before each rent and
// again with the price the new host is actually billed: never more than maxHosts hosts in a pool,
// never a host above the pool's price cap, Σ $/h within the pool's budget (maxHosts ×
// maxPricePerHour) and the fleet's (`burst.budgetPerHour`). No library imports: it runs inside the
// Vast dynamic provider's serialized closure.
import type { Fleet } from "../fleet/schema";
import { burstHostMaxHours } from "./budget";
import { isStackHostLabel, poolOfLabel } from "./host-label";

/** An instance alive at Vast, as far as the caps care. */
export interface LiveHost {
  readonly id: number;
  readonly label: string | null;
  /** $/h it bills (dph_total); null when the API did not say. */
  readonly pricePerHour: number | null;
}

/** The caps one pool's rents must respect. */
export interface BurstCaps {
  readonly pool: string;
  readonly maxHosts: number;
  readonly maxPricePerHour: number;
  /** maxHosts × maxPricePerHour. */
  readonly poolBudgetPerHour: number;
  /** `burst.budgetPerHour`: all pools together. */
  readonly fleetBudgetPerHour: number;
  /** Price cap per pool name, to count a listed host whose price the API omitted at its cap. */
  readonly priceCapByPool: Readonly<Record<string, number>>;
}

/** Float slack for sums of prices. */
const EPSILON = 1e-9;

/** The caps of `poolName` from the fleet; throws naming the pool when it is not there. */
export function burstCaps(fleet: Fleet, poolName: string): BurstCaps {
  const burst = fleet.burst;
  const pool = burst?.pools.find((p) => p.name === poolName);
  if (!burst || !pool) throw new Error(`burstCaps: no burst pool named '${poolName}'`);
  return {
    pool: pool.name, maxHosts: pool.maxHosts, maxPricePerHour: pool.maxPricePerHour,
    poolBudgetPerHour: pool.maxHosts * pool.maxPricePerHour, fleetBudgetPerHour: burst.budgetPerHour,
    priceCapByPool: Object.fromEntries(burst.pools.map((p) => [p.name, p.maxPricePerHour])),
  };
}

/**
 * Why a host billed `pricePerHour` may not be added to the pool now, or null when it may. `live`
 * is what Vast lists (the new host not among them); hosts are the stack's by their label prefix.
 */
export function rentRefusal(live: readonly LiveHost[], stackPrefix: string, caps: BurstCaps, pricePerHour: number): string | null {
  const pools = Object.keys(caps.priceCapByPool);
  const stackHosts = live.filter((h) => isStackHostLabel(h.label, stackPrefix, pools));
  const poolHosts = stackHosts.filter((h) => poolOfLabel(h.label ?? "", stackPrefix, pools) === caps.pool);
  const priceOf = (h: LiveHost) => h.pricePerHour ?? caps.priceCapByPool[poolOfLabel(h.label ?? "", stackPrefix, pools) ?? ""] ?? caps.maxPricePerHour;
  const sum = (hosts: readonly LiveHost[]) => hosts.reduce((total, h) => total + priceOf(h), 0);
  const money = (x: number) => `$${x.toFixed(2)}/h`;
  const named = (hosts: readonly LiveHost[]) => hosts.map((h) => `${h.label} (${h.id})`).join(", ");
  if (pricePerHour > caps.maxPricePerHour + EPSILON) {
    return `${money(pricePerHour)} is above pool ${caps.pool}'s price cap ${money(caps.maxPricePerHour)}`;
  }
  if (poolHosts.length + 1 > caps.maxHosts) {
    return `pool ${caps.pool} already has ${poolHosts.length} live host(s) against maxHosts ${caps.maxHosts}: ${named(poolHosts)}`;
  }
  if (sum(poolHosts) + pricePerHour > caps.poolBudgetPerHour + EPSILON) {
    return `pool ${caps.pool} would cost ${money(sum(poolHosts) + pricePerHour)} (live ${money(sum(poolHosts))} + ${money(pricePerHour)}) against its ${money(caps.poolBudgetPerHour)} (maxHosts × maxPricePerHour)`;
  }
  if (sum(stackHosts) + pricePerHour > caps.fleetBudgetPerHour + EPSILON) {
    return `the stack's burst hosts would cost ${money(sum(stackHosts) + pricePerHour)} (live ${money(sum(stackHosts))}: ${named(stackHosts)}; + ${money(pricePerHour)}) against budgetPerHour ${money(caps.fleetBudgetPerHour)}`;
  }
  return null;
}

/** A host just rented: what the API says it bills, what the search showed, the guard it booted with. */
export interface RentedPrice {
  readonly id: number;
  /** dph_total of the instance; null when the API did not say (yet). */
  readonly billed: number | null;
  readonly searched: number;
  /** Hours its budget guard allows (rendered for the searched price). */
  readonly guardHours: number;
}

/**
 * Why a rented host may not stay, from the price it is billed, or null: above the price cap, beyond
 * the pool's or the fleet's budget beside `liveBefore`, or billed more than the price its budget
 * guard was rendered for (the guard would then allow it more hours than its share).
 */
export function billedRefusal(fleet: Fleet, liveBefore: readonly LiveHost[], stackPrefix: string, caps: BurstCaps, rented: RentedPrice): string | null {
  const { billed, searched } = rented;
  if (billed === null || billed === searched) return null;
  const refusal = rentRefusal(liveBefore.filter((h) => h.id !== rented.id), stackPrefix, caps, billed);
  if (refusal !== null) return `is billed $${billed.toFixed(2)}/h, not the $${searched.toFixed(2)}/h the search showed: ${refusal}`;
  const share = burstHostMaxHours(fleet, caps.pool, billed);
  if (share < rented.guardHours) return `is billed $${billed.toFixed(2)}/h, not the $${searched.toFixed(2)}/h its budget guard (${rented.guardHours} h) was rendered for; at that price its share is ${share} h`;
  return null;
}
