import type { ResolvedFleet } from "./resolve";
import { servedModels } from "./resolve";
import { resolveRoute } from "./routes";

/**
 * Added to the gateway's cooldown between waves: the gateway skips a backend for `cooldownSeconds`
 * after its last failure (a refused connection while it restarted), and the next wave must not stop
 * the other replicas before the gateway routes to the restarted ones again.
 */
export const WAVE_SETTLE_MARGIN_SECONDS = 2;

/**
 * Seconds between two rollout waves: the gateway must route to the restarted engines again before
 * the next wave stops the others. It skips a backend for `cooldownSeconds` after a failure, and
 * one its health probe found down until a probe passes (a probe round every `healthCheckSeconds`,
 * each probe up to `probeTimeoutSeconds`).
 */
export function waveSettleSeconds(gateway: { readonly cooldownSeconds: number; readonly healthCheckSeconds: number } | undefined, probeTimeoutSeconds: number): number {
  if (!gateway) return 0;
  return Math.max(gateway.cooldownSeconds, gateway.healthCheckSeconds + probeTimeoutSeconds) + WAVE_SETTLE_MARGIN_SECONDS;
}

/**
 * Rollout waves: engines that can stand in for each other (replicas of one served name, and every
 * served name on one gateway route) are spread over consecutive waves, at most `maxUnavailable` of
 * them per wave, so `pulumi up` never takes a whole route down at once. Independent engines share waves.
 */
export function rolloutWaves(fleet: ResolvedFleet): string[][] {
  const { maxUnavailable } = fleet.fleet.rollout;
  const bundleOf = new Map<string, string>(); // served name → bundle representative
  const find = (name: string): string => {
    const parent = bundleOf.get(name) ?? name;
    if (parent === name) return name;
    const root = find(parent);
    bundleOf.set(name, root);
    return root;
  };
  const join = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) bundleOf.set(rb < ra ? ra : rb, rb < ra ? rb : ra);
  };
  for (const route of fleet.fleet.gateway?.routes ?? []) {
    const resolved = resolveRoute(fleet, route.name);
    if (!resolved.ok) continue;
    const groups = resolved.chain.filter((t) => t.kind === "group").map((t) => t.name);
    groups.slice(1).forEach((g) => join(groups[0] as string, g));
  }
  const bundles = new Map<string, string[]>();
  for (const d of fleet.instances) {
    // A swap slot serves several groups; bundling all of them keeps its routes' backends apart.
    const groups = servedModels(d).map((m) => m.group);
    groups.slice(1).forEach((g) => join(groups[0] as string, g));
  }
  for (const d of fleet.instances) {
    const key = find(servedModels(d)[0]?.group ?? d.name);
    const members = bundles.get(key) ?? [];
    members.push(d.name);
    bundles.set(key, members);
  }
  const waves: string[][] = [];
  for (const members of bundles.values()) {
    for (let i = 0; i < members.length; i += maxUnavailable) {
      const wave = Math.floor(i / maxUnavailable);
      (waves[wave] ??= []).push(...members.slice(i, i + maxUnavailable));
    }
  }
  return waves.map((w) => [...w].sort());
}
