import type { Plan } from "../plan/types";
import type { LiteLLMModelEntry } from "./litellm-entries";

/** One target of a gateway route, in fallback order. */
export interface RouteTarget {
  readonly name: string;
  readonly kind: "group" | "provider";
  /** Deployments behind a group (the `<name>@<deployment>` ids); empty for a provider. */
  readonly deployments: readonly string[];
  /** The provider's LiteLLM model string, e.g. `deepseek/deepseek-chat`. */
  readonly model?: string;
}

/** A model name clients call with its chain: first the primary, then the fallbacks. */
export interface RouteChain {
  readonly name: string;
  readonly targets: readonly RouteTarget[];
}

/**
 * Reads the route chains back from the rendered LiteLLM config, so the diagram shows what the
 * gateway will do. A route's entries are copies of its primary's (same params, same backend after
 * the `@`) and come after every group and provider entry; its fallbacks are in
 * `router_settings.fallbacks`.
 */
export function gatewayRouteChains(config: unknown): RouteChain[] {
  const cfg = config as { model_list?: LiteLLMModelEntry[]; router_settings?: { fallbacks?: Record<string, string[]>[] } } | null;
  const entries = Array.isArray(cfg?.model_list) ? cfg.model_list : [];
  const byName = new Map<string, LiteLLMModelEntry[]>();
  for (const e of entries) byName.set(e.model_name, [...(byName.get(e.model_name) ?? []), e]);
  const fallbacks = new Map<string, string[]>();
  for (const f of cfg?.router_settings?.fallbacks ?? []) for (const [route, rest] of Object.entries(f)) fallbacks.set(route, rest);

  const backendOf = (id: string) => id.slice(id.indexOf("@") + 1);
  const signature = (list: readonly LiteLLMModelEntry[]) => JSON.stringify(list.map((e) => [e.litellm_params, backendOf(e.model_info.id)]));
  const target = (name: string): RouteTarget => {
    const list = byName.get(name) ?? [];
    const provider = list.length > 0 && list.every((e) => !e.model_info.id.includes("@"));
    return provider
      ? { name, kind: "provider", deployments: [], model: list[0]?.litellm_params.model ?? name }
      : { name, kind: "group", deployments: list.map((e) => backendOf(e.model_info.id)) };
  };

  const names = [...byName.keys()];
  const chains: RouteChain[] = [];
  for (const [index, name] of names.entries()) {
    const own = signature(byName.get(name) ?? []);
    const primary = names.slice(0, index).find((earlier) => signature(byName.get(earlier) ?? []) === own);
    if (primary === undefined && !fallbacks.has(name)) continue;
    const chain = [...(primary === undefined ? [] : [primary]), ...(fallbacks.get(name) ?? [])];
    chains.push({ name, targets: chain.map(target) });
  }
  return chains;
}

/** Mermaid node ids: letters, digits and `_` only, prefixed by kind (so `end` can never be an id), unique. */
function idAllocator(): (kind: string, name: string) => string {
  const taken = new Map<string, string>();
  return (kind, name) => {
    const key = `${kind}\u0000${name}`;
    const known = taken.get(key);
    if (known) return known;
    const base = `${kind}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
    const used = new Set(taken.values());
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    taken.set(key, id);
    return id;
  };
}

/** Text inside a quoted Mermaid label: quotes and angle brackets as entity codes. */
const label = (text: string) => text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");

/**
 * A Mermaid `flowchart LR`: one subgraph per machine with its engines, one per burst pool with its
 * host slots, the gateway's routes with
 * edges to their targets labelled `primary`, `fallback 1`, …, and cloud providers as nodes.
 */
export function renderFleetMermaid(p: Plan): string {
  const id = idAllocator();
  const lines = ["flowchart LR"];
  const engineIds = new Map<string, string>();
  for (const m of p.machines) {
    const engines = p.engines.filter((e) => e.machine === m.name);
    lines.push(`  subgraph ${id("m", m.name)}["${label(`${m.name} · ${m.hardware}`)}"]`);
    if (engines.length === 0) lines.push(`    ${id("m_idle", m.name)}["${label("no engines")}"]`);
    for (const e of engines) {
      engineIds.set(e.deployment, id("e", e.deployment));
      lines.push(`    ${id("e", e.deployment)}["${label(e.deployment)}<br/>${label(`${e.engine} :${e.port}`)}"]`);
    }
    lines.push("  end");
  }

  for (const pool of p.burst?.pools ?? []) {
    lines.push(`  subgraph ${id("b", pool.name)}["${label(`burst pool ${pool.name} · ${pool.desired}/${pool.maxHosts} hosts`)}"]`);
    for (const slot of pool.slots) {
      engineIds.set(slot.hostName, id("e", slot.hostName));
      lines.push(`    ${id("e", slot.hostName)}(["${label(slot.hostName)}<br/>${label(`host slot :${slot.port}`)}"])`);
    }
    lines.push("  end");
  }

  const routes = p.gateway ? gatewayRouteChains(p.gateway.config) : [];
  const providers = [...new Map(routes.flatMap((r) => r.targets).filter((t) => t.kind === "provider").map((t) => [t.name, t])).values()];
  if (providers.length > 0) {
    lines.push(`  subgraph cloud["${label("cloud providers")}"]`);
    for (const t of providers) lines.push(`    ${id("p", t.name)}(["${label(t.name)}<br/>${label(t.model ?? "")}"])`);
    lines.push("  end");
  }
  if (p.gateway) {
    lines.push(`  subgraph gateway["${label(`gateway on ${p.gateway.machine}`)}"]`);
    if (routes.length === 0) lines.push(`    ${id("r_none", "gateway")}["${label("no routes")}"]`);
    for (const r of routes) lines.push(`    ${id("r", r.name)}{{"${label(r.name)}"}}`);
    lines.push("  end");
  }
  for (const r of routes) {
    for (const [i, t] of r.targets.entries()) {
      const role = i === 0 ? "primary" : `fallback ${i}`;
      if (t.kind === "provider") {
        lines.push(`  ${id("r", r.name)} -->|"${role}"| ${id("p", t.name)}`);
        continue;
      }
      for (const d of t.deployments) {
        // A group named after its deployment needs no second name; a llama-swap member does.
        const text = t.name === d ? role : `${role}: ${t.name}`;
        lines.push(`  ${id("r", r.name)} -->|"${label(text)}"| ${engineIds.get(d) ?? id("e", d)}`);
      }
    }
  }
  return lines.join("\n");
}
