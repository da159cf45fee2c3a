import type { GatewayRoutePlan, GatewayRouteTargetPlan } from "../plan/types";

/** `reason-burst (65536 tokens; pool reason-burst, 2 host slots)`: one chain step as reviewers read it. */
export function describeRouteTarget(t: GatewayRouteTargetPlan): string {
  const behind = t.kind === "provider"
    ? ["cloud"]
    : [
      ...(t.deployments.length > 0 ? [t.deployments.join(", ")] : []),
      ...t.pools.map((p) => `pool ${p.name}, ${p.slots} host slot${p.slots === 1 ? "" : "s"}`),
    ];
  return `${t.name} (${t.contextWindow} tokens; ${behind.join("; ")})`;
}

/** `reason [32768 tokens]: reasoner (…) → reason-burst (…) → cloud-deepseek (…)`. */
export function describeRoute(r: GatewayRoutePlan): string {
  return `${r.name} [${r.contextWindow} tokens]: ${r.targets.map(describeRouteTarget).join(" → ")}`;
}
