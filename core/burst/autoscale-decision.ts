import type { AutoscalePlan } from "../plan/autoscale";

/** The policy figures a decision needs (an {@link AutoscalePlan} has them all). */
export type AutoscalePolicy = Pick<AutoscalePlan,
  "pool" | "min" | "max" | "maxHosts" | "pricePerHour" | "budgetPerHour" | "scaleUpAt" | "scaleDownBelow" | "holdSeconds" | "idleMinutes" | "cooldownSeconds">;

/** One host slot (1-based) of the pool and its load over the last poll window; null = unknown. */
export interface HostLoad {
  readonly slot: number;
  readonly load: number | null;
}

/** What the controller saw at `now` (ms since the epoch). */
export interface AutoscaleObservation {
  readonly now: number;
  /** The signal's value; null when Prometheus gave no number (no series, NaN, unreachable). */
  readonly signal: number | null;
  /** When that value was sampled (ms); older than `staleAfterSeconds` counts as missing. */
  readonly signalAt: number | null;
  /** Hosts the stack runs now (the count in force): slots 1…current. */
  readonly current: number;
  /** Load of the slots 1…current; a slot missing here has unknown load. */
  readonly hosts: readonly HostLoad[];
  /** $/h other pools may spend now (their hosts × price cap), taken from the shared budget. */
  readonly otherPoolsPerHour: number;
}

/** What the decision remembers between polls. Start from {@link emptyHistory}. */
export interface AutoscaleHistory {
  /** Since when the signal has stayed at or above scaleUpAt (ms), or null. */
  readonly highSince: number | null;
  /** When the count last changed (ms), or null. */
  readonly lastChangeAt: number | null;
  /** Per slot, when it was last seen busy or with unknown load (ms); a new slot starts busy. */
  readonly lastBusyAt: Readonly<Record<number, number>>;
}

export const emptyHistory: AutoscaleHistory = { highSince: null, lastChangeAt: null, lastBusyAt: {} };

export interface AutoscaleDecision {
  /** Hosts the pool should run. */
  readonly desired: number;
  readonly action: "up" | "down" | "hold";
  /** Why, with the figures behind it. */
  readonly reason: string;
  /** The slot to drain before the count is lowered (the newest host), when action is down. */
  readonly drainSlot: number | null;
  /** Most hosts allowed now: min(max, maxHosts, what the budget left pays for). */
  readonly cap: number;
  readonly history: AutoscaleHistory;
}

/** Signal older than this is not trusted (a few missed scrapes). */
export const DEFAULT_STALE_AFTER_SECONDS = 60;

/** Hosts the budget left by other pools pays for at this pool's price cap. */
export function affordableHosts(policy: AutoscalePolicy, otherPoolsPerHour: number): number {
  return Math.max(0, Math.floor((policy.budgetPerHour - otherPoolsPerHour + 1e-9) / policy.pricePerHour));
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * The pool's desired host count, one step at a time. Pure: the same policy, observation and
 * history give the same decision.
 * - never above max, maxHosts or what the budget pays for (lowered at once when above);
 * - up one host when the signal has stayed ≥ scaleUpAt for holdSeconds and no change happened
 *   within cooldownSeconds;
 * - down one host only when the signal is below scaleDownBelow and the newest host (the one a lower
 *   count removes) had no running, waiting or served request for idleMinutes — running requests
 *   count, so a host streaming one long answer is busy; a host of unknown load is busy;
 * - holds, saying so, while the signal is missing or stale.
 */
export function decideAutoscale(policy: AutoscalePolicy, seen: AutoscaleObservation, history: AutoscaleHistory,
  staleAfterSeconds: number = DEFAULT_STALE_AFTER_SECONDS): AutoscaleDecision {
  const { now, current } = seen;
  const budgetHosts = affordableHosts(policy, seen.otherPoolsPerHour);
  const cap = Math.min(policy.max, policy.maxHosts, budgetHosts);
  const floor = Math.min(policy.min, cap);
  const loads = new Map(seen.hosts.map((h) => [h.slot, h.load]));
  const lastBusyAt: Record<number, number> = {};
  for (let slot = 1; slot <= current; slot++) {
    const load = loads.get(slot) ?? null;
    const before = history.lastBusyAt[slot];
    lastBusyAt[slot] = load === null || load > 0 || before === undefined ? now : before;
  }
  const figures = `signal ${seen.signal === null ? "none" : round(seen.signal)}, hosts ${current}, cap ${cap} (max ${policy.max}, maxHosts ${policy.maxHosts}, budget pays ${budgetHosts})`;
  const decide = (desired: number, reason: string, highSince: number | null, drainSlot: number | null = null): AutoscaleDecision => {
    const action = desired > current ? "up" : desired < current ? "down" : "hold";
    return {
      desired, action, reason: `${reason}; ${figures}`, drainSlot: action === "down" ? drainSlot : null, cap,
      history: { highSince, lastChangeAt: action === "hold" ? history.lastChangeAt : now, lastBusyAt },
    };
  };

  if (current > cap) return decide(cap, `above the cap: lowering to ${cap}`, null, current);
  if (current < floor) return decide(floor, `below min ${policy.min}: raising to ${floor}`, null);
  const stale = seen.signal === null || !Number.isFinite(seen.signal) || seen.signalAt === null || now - seen.signalAt > staleAfterSeconds * 1000;
  if (stale) {
    const why = seen.signal === null || !Number.isFinite(seen.signal) ? "signal missing" : `signal stale (sampled ${seconds(now - (seen.signalAt ?? now))} ago)`;
    return decide(current, `${why}: holding at ${current}`, null);
  }
  const signal = seen.signal as number;
  const cooldownLeft = history.lastChangeAt === null ? 0 : history.lastChangeAt + policy.cooldownSeconds * 1000 - now;
  if (signal >= policy.scaleUpAt) {
    const highSince = history.highSince ?? now;
    const heldFor = now - highSince;
    if (heldFor < policy.holdSeconds * 1000) return decide(current, `signal ≥ ${policy.scaleUpAt} for ${seconds(heldFor)} of ${policy.holdSeconds} s: waiting`, highSince);
    if (current >= cap) return decide(current, `signal ≥ ${policy.scaleUpAt} but the pool is at its cap`, highSince);
    if (cooldownLeft > 0) return decide(current, `signal ≥ ${policy.scaleUpAt} but cooling down (${seconds(cooldownLeft)} left)`, highSince);
    return decide(current + 1, `signal ≥ ${policy.scaleUpAt} for ${seconds(heldFor)}: renting host ${current + 1}`, null);
  }
  if (signal >= policy.scaleDownBelow || current <= floor) {
    return decide(current, signal >= policy.scaleDownBelow ? `signal between ${policy.scaleDownBelow} and ${policy.scaleUpAt}: holding` : `at min ${floor}: holding`, null);
  }
  const slot = current;
  const idleMs = now - (lastBusyAt[slot] ?? now);
  const load = loads.get(slot) ?? null;
  if (idleMs < policy.idleMinutes * 60_000) {
    const state = load === null ? "load unknown" : load > 0 ? `busy (load ${round(load)})` : `idle for ${seconds(idleMs)} of ${policy.idleMinutes} min`;
    return decide(current, `signal below ${policy.scaleDownBelow} but host ${slot} is ${state}: keeping it`, null);
  }
  if (cooldownLeft > 0) return decide(current, `host ${slot} idle but cooling down (${seconds(cooldownLeft)} left)`, null);
  return decide(current - 1, `signal below ${policy.scaleDownBelow} and host ${slot} idle for ${seconds(idleMs)}: draining and releasing it`, null, slot);
}

function round(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
