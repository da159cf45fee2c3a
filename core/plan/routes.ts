import { type ResolvedFleet, servedModels } from "./resolve";

/** Something a route can send requests to. */
export type RouteTarget =
  | { readonly kind: "group"; readonly name: string; readonly contextWindow: number }
  | { readonly kind: "provider"; readonly name: string; readonly contextWindow: number };

export type RouteResolution =
  | { readonly ok: true; readonly chain: readonly RouteTarget[] }
  | { readonly ok: false; readonly problem: "unknown"; readonly target: string; readonly index: number }
  | { readonly ok: false; readonly problem: "cycle"; readonly cycle: readonly string[] };

/** Served-name groups: the model names engines are reachable under, with their smallest context window. */
export function servedGroups(fleet: ResolvedFleet): Map<string, number> {
  const groups = new Map<string, number>();
  for (const m of fleet.instances.flatMap(servedModels)) {
    groups.set(m.group, Math.min(groups.get(m.group) ?? Infinity, m.contextWindow));
  }
  return groups;
}

/** Every name a route target may use, for "did you mean". */
export function targetNames(fleet: ResolvedFleet): string[] {
  const gateway = fleet.fleet.gateway;
  return [...new Set([
    ...servedGroups(fleet).keys(),
    ...fleet.fleet.deployments.map((d) => d.name),
    ...(gateway?.providers.map((p) => p.name) ?? []),
    ...(gateway?.routes.map((r) => r.name) ?? []),
  ])];
}

/**
 * Flattens a route into its ordered chain of groups and providers: deployment names become their
 * served name, nested routes are expanded in place, duplicates keep their first position.
 */
export function resolveRoute(fleet: ResolvedFleet, routeName: string, visiting: readonly string[] = []): RouteResolution {
  const gateway = fleet.fleet.gateway;
  const route = gateway?.routes.find((r) => r.name === routeName);
  if (!gateway || !route) return { ok: false, problem: "unknown", target: routeName, index: -1 };
  if (visiting.includes(routeName)) return { ok: false, problem: "cycle", cycle: [...visiting, routeName] };
  const groups = servedGroups(fleet);
  const chain: RouteTarget[] = [];
  const add = (t: RouteTarget) => {
    if (!chain.some((c) => c.name === t.name)) chain.push(t);
  };
  for (const [index, target] of route.targets.entries()) {
    const provider = gateway.providers.find((p) => p.name === target);
    const deployment = fleet.instances.find((d) => d.spec.name === target || d.name === target);
    // A deployment whose recipes are unknown serves nothing yet; unknown-reference reports it.
    if (deployment && deployment.recipes.length === 0) continue;
    const served = groups.has(target) ? target : deployment ? servedModels(deployment)[0]?.group : undefined;
    if (served !== undefined && groups.has(served)) add({ kind: "group", name: served, contextWindow: groups.get(served) as number });
    else if (provider) add({ kind: "provider", name: provider.name, contextWindow: provider.contextWindow });
    else if (gateway.routes.some((r) => r.name === target)) {
      const nested = resolveRoute(fleet, target, [...visiting, routeName]);
      if (!nested.ok) return nested;
      nested.chain.forEach(add);
    } else return { ok: false, problem: "unknown", target, index };
  }
  return { ok: true, chain };
}
