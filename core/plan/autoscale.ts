import { ENGINE_LOAD_METRICS, type RouteEngine, hostInFlightQuery, hostLoadQuery, signalQuery } from "../burst/autoscale-signal";
import { type AutoscaleSignal, scaleDownThreshold } from "../fleet/autoscale";
import { durationMs } from "../fleet/primitives";
import type { Fleet } from "../fleet/schema";
import { type ResolvedFleet, servedModels } from "./resolve";

/** One pool's autoscale policy as the controller applies it, with its generated PromQL. */
export interface AutoscalePlan {
  readonly pool: string;
  readonly route: string;
  readonly min: number;
  readonly max: number;
  readonly maxHosts: number;
  /** The pool's price cap per host, $/h: what one more host can cost. */
  readonly pricePerHour: number;
  /** The fleet's burst budget, $/h, shared by every pool. */
  readonly budgetPerHour: number;
  readonly signal: AutoscaleSignal;
  readonly scaleUpAt: number;
  readonly scaleDownBelow: number;
  readonly holdSeconds: number;
  readonly idleMinutes: number;
  readonly cooldownSeconds: number;
  /** The route's local engines the signal is measured on (`deployment` labels). */
  readonly localEngines: readonly string[];
  /** PromQL: the signal, one number (empty when there is no data). */
  readonly signalQuery: string;
  /** PromQL: per host slot (label `deployment` = `<pool>-<n>`), the users' traffic over the last poll window; 0 = idle. */
  readonly hostLoadQuery: string;
  /** PromQL: per host slot, requests running or waiting now (a drain waits for 0). */
  readonly hostInFlightQuery: string;
}

/** Poll window the host-load query looks back over; the controller polls at most this often. */
export const HOST_LOAD_WINDOW_SECONDS = 30;

/**
 * The local engines a route reaches: deployments named by its targets (by deployment or served
 * name), following nested routes. Burst pools and cloud providers are not local.
 */
export function routeLocalEngines(fleet: ResolvedFleet, route: string, seen: ReadonlySet<string> = new Set()): RouteEngine[] {
  const spec = fleet.fleet.gateway?.routes.find((r) => r.name === route);
  if (!spec || seen.has(route)) return [];
  const visiting = new Set([...seen, route]);
  return spec.targets.flatMap((target) => {
    // A swap slot answers for each member recipe, and its metrics are llama-swap's own.
    const local = fleet.instances.filter((i) => i.spec.name === target || servedModels(i).some((m) => m.group === target))
      .flatMap((i) => i.recipes.slice(0, 1).map((r) => ({ deployment: i.name, engine: i.spec.swap ? "llama-swap" : r.recipe.engine })));
    return local.length > 0 ? local : routeLocalEngines(fleet, target, visiting);
  });
}

/**
 * Every pool's autoscale policy. A pool whose signal cannot be measured is left out here; the
 * `burst-autoscale` check says why.
 */
export function planAutoscale(fleet: Fleet, resolved: ResolvedFleet): AutoscalePlan[] {
  const burst = fleet.burst;
  if (!burst) return [];
  return burst.pools.flatMap((pool) => {
    const policy = pool.autoscale;
    const engine = fleet.recipes[pool.recipe]?.engine;
    if (!policy || !engine || !ENGINE_LOAD_METRICS[engine]) return [];
    const engines = routeLocalEngines(resolved, policy.route);
    const cloudModels = (fleet.gateway?.providers ?? []).map((p) => p.name);
    try {
      return [{
        pool: pool.name,
        route: policy.route,
        min: policy.min,
        max: policy.max,
        maxHosts: pool.maxHosts,
        pricePerHour: pool.maxPricePerHour,
        budgetPerHour: burst.budgetPerHour,
        signal: policy.signal,
        scaleUpAt: policy.scaleUpAt,
        scaleDownBelow: scaleDownThreshold(policy),
        holdSeconds: policy.holdSeconds,
        idleMinutes: policy.idleMinutes,
        cooldownSeconds: policy.cooldownSeconds,
        localEngines: engines.map((e) => e.deployment),
        signalQuery: signalQuery({ signal: policy.signal, route: policy.route, engines, cloudModels }),
        hostLoadQuery: hostLoadQuery({ pool: pool.name, engine, windowSeconds: HOST_LOAD_WINDOW_SECONDS, scrapeSeconds: durationMs(fleet.monitoring?.scrapeInterval ?? "15s") / 1000 }),
        hostInFlightQuery: hostInFlightQuery(pool.name, engine),
      }];
    } catch {
      return [];
    }
  });
}

/** One line per policy for `fabric plan`: what is watched, the thresholds and the timings. */
export function describeAutoscale(a: AutoscalePlan): string {
  const unit = a.signal === "waiting-requests" ? " waiting" : a.signal === "queue-seconds" ? " s queued" : " req/s to cloud";
  return `${a.pool}: ${a.min}–${a.max} hosts on ${a.signal} of route ${a.route}`
    + ` (up at ≥ ${a.scaleUpAt}${unit} held ${a.holdSeconds} s, down below ${a.scaleDownBelow}${unit} after ${a.idleMinutes} min idle, cooldown ${a.cooldownSeconds} s)`
    + `, at most $${(a.max * a.pricePerHour).toFixed(2)}/h`;
}
