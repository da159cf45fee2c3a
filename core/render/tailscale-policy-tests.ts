import type { MeshMachine, MeshRole, PolicyGrant, PolicyTest, TailscalePolicyInput } from "./tailscale-policy";

interface Case { readonly src: string; readonly dst: string; readonly port: number; readonly accept: boolean }
interface Node { readonly tags: ReadonlySet<string> }

/** Whether a device carrying `src` tags may open `port` on a device carrying `dst` tags. */
function reaches(grants: readonly PolicyGrant[], src: Node, dst: Node, port: number): boolean {
  return grants.some((g) => g.src.some((s) => src.tags.has(s)) && g.dst.some((d) => dst.tags.has(d)) && g.ip.includes(`tcp:${port}`));
}

/** The reachability cases the policy promises, machine by machine. */
function candidateCases(input: TailscalePolicyInput): Case[] {
  const dstOf = (m: MeshMachine, role: MeshRole) => (input.machineTags ? `tag:machine-${m.name}` : `tag:${role}`);
  const cases: Case[] = [];
  const add = (src: string, dst: string, ports: readonly (number | null | undefined)[], accept: boolean) => {
    for (const port of ports) if (typeof port === "number") cases.push({ src, dst, port, accept });
  };
  for (const m of input.machines) {
    const first = <T>(list: readonly T[]) => list.slice(0, 1);
    if (m.roles.includes("engine")) {
      const dst = dstOf(m, "engine");
      add("tag:gateway", dst, m.enginePorts, true);
      add("tag:gateway", dst, [22], false);
      add("tag:monitoring", dst, first(m.metricsPorts), true);
      if (input.burst) add("tag:burst", dst, first(m.enginePorts), false);
    }
    if (m.roles.includes("gateway")) {
      const dst = dstOf(m, "gateway");
      add("tag:monitoring", dst, [input.gatewayPort], true);
      add("tag:engine", dst, [input.gatewayPort], false);
      if (input.burst) add("tag:burst", dst, [input.gatewayPort], false);
    }
    if (m.roles.includes("autoscaler")) {
      const dst = dstOf(m, "autoscaler");
      add("tag:monitoring", dst, [input.autoscalerPort], true);
      add("tag:gateway", dst, [input.autoscalerPort], false);
      if (input.burst) add("tag:burst", dst, [input.autoscalerPort], false);
    }
    if (m.roles.includes("gateway") && input.machines.some((x) => x.roles.includes("autoscaler"))) {
      add("tag:autoscaler", dstOf(m, "gateway"), [input.gatewayPort], true);
    }
    if (m.roles.includes("monitoring") && input.machines.some((x) => x.roles.includes("autoscaler"))) {
      add("tag:autoscaler", dstOf(m, "monitoring"), [input.monitoringPort], true);
    }
    if (m.roles.includes("store")) {
      const dst = dstOf(m, "store");
      add("tag:engine", dst, input.storePorts, true);
      if (input.burst) add("tag:burst", dst, input.storePorts, true);
      add("tag:monitoring", dst, input.storePorts, false);
      add("tag:gateway", dst, input.storePorts, false);
    }
  }
  if (input.burst) add("tag:gateway", "tag:burst", [input.burst.enginePort], true);
  return cases;
}

/**
 * The policy's `tests` section. A test names a tag, so it must hold for a device carrying only that
 * tag and for every fleet machine carrying it (which may carry other roles too). Accept cases that
 * fail are a bug here and throw; deny cases that a machine's other roles legitimately open (one box
 * running engines and the store) are left out rather than written as tests Tailscale would reject.
 */
export function policyTests(input: TailscalePolicyInput, grants: readonly PolicyGrant[], tagsOf: (m: MeshMachine) => string[]): PolicyTest[] {
  const nodes: Node[] = input.machines.map((m) => ({ tags: new Set(tagsOf(m)) }));
  if (input.burst) nodes.push({ tags: new Set(["tag:burst"]) });
  const holds = (c: Case) => {
    const sources = [{ tags: new Set([c.src]) }, ...nodes.filter((n) => n.tags.has(c.src))];
    const destinations = nodes.filter((n) => n.tags.has(c.dst));
    return destinations.length > 0 && sources.every((s) => destinations.every((d) => reaches(grants, s, d, c.port) === c.accept));
  };
  const bySrc = new Map<string, { accept: Set<string>; deny: Set<string> }>();
  for (const c of candidateCases(input)) {
    if (!holds(c)) {
      if (c.accept) throw new Error(`tailnet policy: ${c.src} should reach ${c.dst}:${c.port} but no grant allows it`);
      continue;
    }
    const entry = bySrc.get(c.src) ?? { accept: new Set<string>(), deny: new Set<string>() };
    (c.accept ? entry.accept : entry.deny).add(`${c.dst}:${c.port}`);
    bySrc.set(c.src, entry);
  }
  return [...bySrc.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([src, { accept, deny }]) => ({
    src,
    // Grants open TCP only; naming the protocol keeps the test from depending on the default set.
    proto: "tcp",
    ...(accept.size > 0 ? { accept: [...accept].sort() } : {}),
    ...(deny.size > 0 ? { deny: [...deny].sort() } : {}),
  }));
}
