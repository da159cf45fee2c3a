import { runChecks } from "../checks";
import type { Fleet } from "../fleet/schema";
import { planAutoscale } from "./autoscale";
import { planAutoscaler } from "./autoscaler";
import { planBurst } from "./burst";
import { planClusters } from "./cluster-plan";
import { planEngine } from "./engines";
import { planGateway } from "./gateway";
import { planMachine } from "./machines";
import { planMesh } from "./mesh";
import { planMonitoring } from "./monitoring";
import { resolveFleet } from "./resolve";
import { planStore } from "./store";
import type { EnginePlan, Plan, Violation } from "./types";
import { HEALTH_PROBE_TIMEOUT_SECONDS } from "../render/litellm-entries";
import { rolloutWaves, waveSettleSeconds } from "./waves";

/**
 * The whole fleet as plain data. Pure and deterministic: the same fleet gives the same plan, byte
 * for byte. Never throws for a bad fleet: problems are violations, and parts that cannot be
 * rendered are left out of the plan.
 */
export function plan(fleet: Fleet): Plan {
  const resolved = resolveFleet(fleet);
  const violations: Violation[] = runChecks(resolved);
  const engines: EnginePlan[] = [];
  for (const d of resolved.instances) {
    if (!d.machine?.hardware || d.recipes.length === 0) continue;
    try {
      engines.push(planEngine(fleet, d));
    } catch (e) {
      violations.push({ rule: "engine-render", severity: "error", path: d.path, message: `${d.name}: ${(e as Error).message}` });
    }
  }
  /** A renderer that rejects a broken fleet becomes a violation, never an exception. */
  const guarded = <T>(path: string, build: () => T | null): T | null => {
    try {
      return build();
    } catch (e) {
      violations.push({ rule: "render", severity: "error", path, message: `${(e as Error).message}; fix the violations above first` });
      return null;
    }
  };
  const burst = guarded("burst", () => planBurst(fleet));
  return {
    machines: resolved.machines.map((m) => planMachine(fleet, m)),
    engines,
    gateway: guarded("gateway", () => planGateway(fleet, resolved)),
    monitoring: guarded("monitoring", () => planMonitoring(fleet, resolved, engines, burst)),
    store: guarded("storage", () => planStore(fleet, resolved)),
    mesh: guarded("mesh", () => planMesh(fleet, resolved)),
    burst,
    clusters: planClusters(fleet, resolved, engines),
    autoscale: planAutoscale(fleet, resolved),
    autoscaler: guarded("burst.autoscaler", () => planAutoscaler(fleet, resolved)),
    waves: rolloutWaves(resolved),
    waveSettleSeconds: waveSettleSeconds(fleet.gateway, HEALTH_PROBE_TIMEOUT_SECONDS),
    violations,
  };
}
