import { ENGINE_LOAD_METRICS, enginesWithSignal, signalQuery } from "../burst/autoscale-signal";
import { scaleDownThreshold } from "../fleet/autoscale";
import { routeLocalEngines } from "../plan/autoscale";
import type { Violation } from "../plan/types";
import { type Check, error } from "./check";

/**
 * A pool's `autoscale` can be applied: its bounds fit the pool and the budget, its thresholds leave
 * room for hysteresis, it releases hosts before their own idle watchdog, and its signal can be
 * measured on the route it names.
 */
export const burstAutoscale: Check = {
  name: "burst-autoscale",
  description: "Each burst pool's autoscale policy: min ≤ max ≤ maxHosts, scaleDownBelow < scaleUpAt, idleMinutes < burst.idleMinutes, a route that exists with an engine that exports the signal.",
  run(resolved) {
    const burst = resolved.fleet.burst;
    if (!burst) return [];
    const out: Violation[] = [];
    burst.pools.forEach((pool, i) => {
      const a = pool.autoscale;
      if (!a) return;
      const path = `burst.pools[${i}].autoscale`;
      const fail = (field: string, message: string) => out.push(error("burst-autoscale", `${path}.${field}`, `pool ${pool.name}: ${message}`));
      if (a.max > pool.maxHosts) fail("max", `autoscale.max is ${a.max} but maxHosts is ${pool.maxHosts}: lower max or raise maxHosts`);
      if (a.min > a.max) fail("min", `autoscale.min is ${a.min} but max is ${a.max}: lower min or raise max`);
      const affordable = Math.floor((burst.budgetPerHour + 1e-9) / pool.maxPricePerHour);
      if (a.min > affordable) fail("min", `autoscale.min keeps ${a.min} hosts at up to $${pool.maxPricePerHour}/h each but budgetPerHour $${burst.budgetPerHour}/h pays for ${affordable}: lower min or raise the budget`);
      const down = scaleDownThreshold(a);
      if (down >= a.scaleUpAt) fail("scaleDownBelow", `scaleDownBelow (${down}) must be below scaleUpAt (${a.scaleUpAt}), or a signal at the threshold would rent and release in turn`);
      if (a.idleMinutes >= burst.idleMinutes) fail("idleMinutes", `autoscale.idleMinutes (${a.idleMinutes}) must be below burst.idleMinutes (${burst.idleMinutes}), or hosts destroy themselves before the controller drains them`);
      const engine = resolved.fleet.recipes[pool.recipe]?.engine;
      if (engine && !ENGINE_LOAD_METRICS[engine]) fail("signal", `recipe ${pool.recipe} runs ${engine}, which exports no running-requests metric, so an idle host cannot be told from a busy one: autoscale pools need ${Object.keys(ENGINE_LOAD_METRICS).join(", ")}`);
      const route = resolved.fleet.gateway?.routes.find((r) => r.name === a.route);
      if (!route) {
        const known = resolved.fleet.gateway?.routes.map((r) => r.name).join(", ") || "none";
        fail("route", `autoscale.route '${a.route}' is not a gateway route (routes: ${known})`);
        return;
      }
      const engines = routeLocalEngines(resolved, a.route);
      if (a.signal !== "cloud-fallback-rate" && engines.length === 0) {
        fail("signal", `signal ${a.signal} is measured on the route's local engines but route ${a.route} has none: target a local deployment or use cloud-fallback-rate`);
        return;
      }
      try {
        signalQuery({ signal: a.signal, route: a.route, engines, cloudModels: (resolved.fleet.gateway?.providers ?? []).map((p) => p.name) });
      } catch (e) {
        const usable = enginesWithSignal(a.signal);
        fail("signal", `${(e as Error).message}${usable.length > 0 ? ` (engines with it: ${usable.join(", ")})` : ""}; choose another signal`);
      }
    });
    out.push(...autoscalerContainer(resolved));
    return out;
  },
};

/** burst.autoscaler can start: an image (none is published), a pool to scale, and Prometheus to ask. */
function autoscalerContainer(resolved: Parameters<Check["run"]>[0]): Violation[] {
  const { fleet } = resolved;
  const spec = fleet.burst?.autoscaler;
  if (!spec) return [];
  const out: Violation[] = [];
  const fail = (path: string, message: string) => out.push(error("burst-autoscale", path, message));
  if (!fleet.images.autoscaler) {
    fail("images.autoscaler", "burst.autoscaler runs `fabric autoscale` in a container but no image is published for it: build tools/images/autoscaler (node 24 + the pulumi CLI; scripts/build-test-images.sh autoscaler) and name it in images.autoscaler");
  }
  if (!(fleet.burst?.pools ?? []).some((p) => p.autoscale)) {
    fail("burst.autoscaler", "no burst pool declares autoscale, so the controller would have nothing to do and exit: add autoscale to a pool or drop burst.autoscaler");
  }
  if (!fleet.monitoring) fail("burst.autoscaler", "the controller reads its signals from Prometheus: add a monitoring section");
  return out;
}
