// What the tailnet tier reads from the plan: the fleet, the policy `fabric plan --out` writes, the
// nodes (one per machine, plus an admin's laptop and a burst host) and which (source, destination,
// port) the plan's grants allow — the oracle every probe is judged against.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type TailnetDevice, grantAllows, splitTarget } from "../../../core/checks/mesh-policy-tests";
import { parseFleet } from "../../../core/fleet/load";
import type { Fleet } from "../../../core/fleet/schema";
import { plan } from "../../../core/plan/plan";
import type { MeshPlan } from "../../../core/plan/types";
import type { TailscalePolicy } from "../../../core/render/tailscale-policy";
import { repoRoot } from "../../support/stacks";

export const TIER_FLEET = join(repoRoot, "test", "fixtures", "mesh.fleet.yaml");
/** The fleet the tier runs: the tier's own, or an operator's (`FABRIC_MESH_FLEET=path`) to try its policy. */
export const MESH_FLEET = process.env.FABRIC_MESH_FLEET ? resolve(process.env.FABRIC_MESH_FLEET) : TIER_FLEET;
/** The headscale user `autogroup:admin` becomes, and the name of that user's laptop on the tailnet. */
export const ADMIN_USER = "admin";
export const ADMIN_NODE = "laptop";

export function loadFleet(text = readFileSync(MESH_FLEET, "utf8")): Fleet {
  const parsed = parseFleet(text);
  if (!parsed.ok) throw new Error(`mesh fleet: ${JSON.stringify(parsed.violations)}`);
  return parsed.fleet;
}

export function meshPlan(fleet: Fleet): MeshPlan {
  const planned = plan(fleet);
  const errors = planned.violations.filter((v) => v.severity === "error");
  if (errors.length > 0 || !planned.mesh) throw new Error(`mesh fleet does not plan: ${JSON.stringify(errors)}`);
  return planned.mesh;
}

/** A node of the tier as grants see it. */
export interface TierNode extends TailnetDevice {
  /** Tags its pre-auth key carries; empty for the admin's laptop (a user's device). */
  readonly tags: readonly string[];
  readonly ephemeral: boolean;
}

/** The burst host the tier runs: the first host of the fleet's first pool (`<pool>-1`); null without pools. */
export function burstHostName(fleet: Fleet): string | null {
  const pool = fleet.burst?.pools[0];
  return pool ? `${pool.name}-1` : null;
}

/** The machines with their key tags, the burst host, and an admin's laptop (a member of the tailnet). */
export function tierNodes(mesh: MeshPlan, burstHost: string | null): TierNode[] {
  const tagged = mesh.keys.filter((k) => !k.ephemeral || burstHost !== null).map((k) => ({ name: k.ephemeral ? (burstHost ?? k.role) : k.role, tags: [...k.tags], selectors: [...k.tags], ephemeral: k.ephemeral }));
  const laptop = { name: ADMIN_NODE, tags: [], selectors: ["autogroup:member", "autogroup:admin", `${ADMIN_USER}@`], ephemeral: false };
  return [...tagged, laptop];
}

/** Every TCP port the policy names, in grants or tests. */
export function policyPorts(policy: TailscalePolicy): number[] {
  const fromGrants = policy.grants.flatMap((g) => g.ip.map((p) => Number(p.replace(/^tcp:/, ""))));
  const fromTests = (policy.tests ?? []).flatMap((t) => [...(t.accept ?? []), ...(t.deny ?? [])]).map((t) => splitTarget(t)?.port ?? 0);
  return [...new Set([...fromGrants, ...fromTests])].filter((p) => p > 0).sort((a, b) => a - b);
}

export interface ProbeCase { readonly from: string; readonly to: string; readonly port: number; readonly allowed: boolean }

/** Every (source, destination, port) among `nodes` (no node to itself), with what the grants say. */
export function probeCases(policy: TailscalePolicy, nodes: readonly TierNode[], ports: readonly number[], only?: (from: TierNode, to: TierNode) => boolean): ProbeCase[] {
  return nodes.flatMap((from) => nodes.filter((to) => to !== from && (!only || only(from, to))).flatMap((to) =>
    ports.map((port) => ({ from: from.name, to: to.name, port, allowed: grantAllows(policy.grants, from, to, port) }))));
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
