import { didYouMean } from "../catalog/did-you-mean";
import type { Violation } from "../plan/types";
import { resolveRoute, servedGroups, targetNames } from "../plan/routes";
import { type Check, error } from "./check";

/** Every route resolves: targets exist, no cycles, fallbacks hold at least the route's context. */
export const gatewayRoutesResolve: Check = {
  name: "gateway-routes-resolve",
  description: "Every gateway route target exists, routes have no cycles, and each fallback's context window is at least the route's.",
  run(fleet) {
    const gateway = fleet.fleet.gateway;
    if (!gateway) return [];
    const out: Violation[] = [];
    const groups = servedGroups(fleet);
    const names = targetNames(fleet);
    gateway.routes.forEach((route, i) => {
      const path = `gateway.routes[${i}]`;
      if (groups.has(route.name)) {
        out.push(error("gateway-routes-resolve", `${path}.name`, `route '${route.name}' has the same name as a served model; clients could not tell them apart: rename the route`));
      }
      const resolved = resolveRoute(fleet, route.name);
      if (!resolved.ok) {
        if (resolved.problem === "cycle") {
          out.push(error("gateway-routes-resolve", `${path}.targets`, `fallback cycle ${resolved.cycle.join(" → ")}: a route cannot fall back to itself; remove one of the route targets`));
        } else {
          const guess = didYouMean(resolved.target, names);
          const where = resolved.index >= 0 ? `${path}.targets[${resolved.index}]` : `${path}.targets`;
          out.push(error("gateway-routes-resolve", where,
            `route target '${resolved.target}' is not a deployment, served model, burst pool, cloud provider or route${guess ? `: did you mean '${guess}'?` : `; known: ${names.join(", ")}`}`));
        }
        return;
      }
      const [primary, ...fallbacks] = resolved.chain;
      if (!primary) return;
      const promised = route.contextWindow ?? primary.contextWindow;
      const source = route.contextWindow === undefined ? `from '${primary.name}'` : "its contextWindow";
      if (primary.contextWindow < promised) {
        out.push(error("gateway-routes-resolve", `${path}.contextWindow`,
          `route '${route.name}' promises ${promised} tokens but its primary '${primary.name}' serves ${primary.contextWindow}: lower contextWindow or raise the primary's maxModelLen`));
      }
      for (const f of fallbacks) {
        if (f.contextWindow < promised) {
          out.push(error("gateway-routes-resolve", `${path}.targets`,
            `fallback '${f.name}' serves ${f.contextWindow} tokens but route '${route.name}' promises ${promised} (${source}): long requests would fail over to a model that rejects them; raise the fallback's window, set the route's contextWindow to at most ${f.contextWindow}, or drop it from the chain`));
        }
      }
    });
    return out;
  },
};
