import { type ResolvedFleet, type ResolvedInstance, servedModels } from "./resolve";

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
  return routeIndex(fleet).groups;
}

/** Every name a route target may use, for "did you mean". */
export function targetNames(fleet: ResolvedFleet): string[] {
  const gateway = fleet.fleet.gateway;
  return [...new Set([
    ...servedGroups(fleet).keys(),
    ...fleet.fleet.deployments.map((d) => d.name),
    ...(fleet.fleet.burst?.pools.map((p) => p.name) ?? []),
    ...(gateway?.providers.map((p) => p.name) ?? []),
    ...(gateway?.routes.map((r) => r.name) ?? []),
  ])];
}

interface RouteIndex {
  readonly groups: Map<string, number>;
  /** The first instance of each deployment name and instance name. */
  readonly instances: Map<string, ResolvedInstance>;
  /** Burst pool name → the served name its hosts join. */
  readonly pools: Map<string, string>;
  readonly providers: Map<string, GatewayProvider>;
  readonly routes: Map<string, GatewayRoute>;
}
type GatewayProvider = NonNullable<ResolvedFleet["fleet"]["gateway"]>["providers"][number];
type GatewayRoute = NonNullable<ResolvedFleet["fleet"]["gateway"]>["routes"][number];

/** Lookups every route resolution shares, built once per resolved fleet: routes stay linear in fleet size. */
const indexes = new WeakMap<ResolvedFleet, RouteIndex>();
function routeIndex(fleet: ResolvedFleet): RouteIndex {
  const cached = indexes.get(fleet);
  if (cached) return cached;
  const groups = new Map<string, number>();
  const instances = new Map<string, ResolvedInstance>();
  for (const d of fleet.instances) {
    for (const m of servedModels(d)) groups.set(m.group, Math.min(groups.get(m.group) ?? Infinity, m.contextWindow));
    for (const name of [d.spec.name, d.name]) if (!instances.has(name)) instances.set(name, d);
  }
  const pools = new Map<string, string>();
  for (const pool of fleet.fleet.burst?.pools ?? []) {
    const recipe = fleet.recipes.get(pool.recipe);
    if (!recipe) continue; // unknown-reference reports it
    const group = pool.servedName ?? pool.name;
    // A pool sharing a served name with local engines joins their group: its hosts add replicas.
    groups.set(group, Math.min(groups.get(group) ?? Infinity, recipe.recipe.maxModelLen));
    pools.set(pool.name, group);
  }
  const gateway = fleet.fleet.gateway;
  const index: RouteIndex = {
    groups,
    instances,
    pools,
    providers: new Map((gateway?.providers ?? []).map((p) => [p.name, p])),
    routes: new Map((gateway?.routes ?? []).map((r) => [r.name, r])),
  };
  indexes.set(fleet, index);
  return index;
}

/**
 * Flattens a route into its ordered chain of groups and providers: deployment and burst pool names
 * become their served name, nested routes are expanded in place, duplicates keep their first position.
 */
export function resolveRoute(fleet: ResolvedFleet, routeName: string, visiting: readonly string[] = []): RouteResolution {
  const { groups, instances, pools, providers, routes } = routeIndex(fleet);
  const route = routes.get(routeName);
  if (!fleet.fleet.gateway || !route) return { ok: false, problem: "unknown", target: routeName, index: -1 };
  if (visiting.includes(routeName)) return { ok: false, problem: "cycle", cycle: [...visiting, routeName] };
  const chain: RouteTarget[] = [];
  const seen = new Set<string>();
  const add = (t: RouteTarget) => {
    if (!seen.has(t.name)) { seen.add(t.name); chain.push(t); }
  };
  for (const [index, target] of route.targets.entries()) {
    const provider = providers.get(target);
    const deployment = instances.get(target);
    // A deployment whose recipes are unknown serves nothing yet; unknown-reference reports it.
    if (deployment && deployment.recipes.length === 0) continue;
    const served = groups.has(target) ? target : deployment ? servedModels(deployment)[0]?.group : pools.get(target);
    if (served !== undefined && groups.has(served)) add({ kind: "group", name: served, contextWindow: groups.get(served) as number });
    else if (provider) add({ kind: "provider", name: provider.name, contextWindow: provider.contextWindow });
    else if (routes.has(target)) {
      const nested = resolveRoute(fleet, target, [...visiting, routeName]);
      if (!nested.ok) return nested;
      nested.chain.forEach(add);
    } else return { ok: false, problem: "unknown", target, index };
  }
  return { ok: true, chain };
}
