// Gateway: every route resolves to something that exists, and no fallback chain loops.
import type { StackValidationPolicy } from "@pulumi/policy";
import { isIP } from "node:net";
import YAML from "yaml";
import { gatewayRoutesResolve as gatewayCheck } from "../../core/checks/gateway";
import { type ContainerView, describeContainer, isEngine, LABEL, stackContainers } from "../container-props";
import { hostPorts } from "../listen";
import { checkMode, type FleetConfig, fleetFileProperty, runCheck } from "../fleet-context";

/** The parts of a LiteLLM proxy config the rule reads. */
interface LiteLLMConfig {
  readonly model_list?: readonly {
    readonly model_name?: string;
    readonly litellm_params?: { readonly api_base?: string };
    /** `burst_pool` marks a burst host slot, whose host is rented on demand and is no container of the stack. */
    readonly model_info?: { readonly burst_pool?: string };
  }[];
  readonly router_settings?: Readonly<Record<string, unknown>>;
  readonly litellm_settings?: Readonly<Record<string, unknown>>;
}

/** The LiteLLM configs a container uploads, recognised by content (a model_list, YAML or JSON), whatever the file is called. */
function liteLLMConfigs(c: ContainerView): { file: string; config?: LiteLLMConfig; error?: string }[] {
  return c.uploads.filter((u) => /["']?model_list["']?\s*:/.test(u.content)).flatMap((u): { file: string; config?: LiteLLMConfig; error?: string }[] => {
    try {
      const config = YAML.parse(u.content) as unknown;
      return typeof config === "object" && config !== null && "model_list" in config ? [{ file: u.file, config: config as LiteLLMConfig }] : [];
    } catch (e) {
      return [{ file: u.file, error: (e as Error).message.split("\n")[0] ?? "" }];
    }
  });
}

/** Names of machines of this fleet: Tailscale MagicDNS, and local or private DNS zones. */
const PRIVATE_ZONE = /\.(ts\.net|local|lan|internal|home\.arpa)$/;

/**
 * An api_base this stack should serve: loopback, an IP address, a container of the stack, a
 * single-label or private-zone name (a tailnet machine); a cloud API's public name is not.
 */
function inStack(hostname: string, containerNames: ReadonlySet<string>): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || isIP(host) !== 0 || containerNames.has(host) || !host.includes(".") || PRIVATE_ZONE.test(host);
}

/** `[{group: [targets]}]` lists of fallbacks, from router_settings and litellm_settings. */
function fallbackLists(config: LiteLLMConfig, key: string): [string, string[]][] {
  const lists = [config.router_settings?.[key], config.litellm_settings?.[key]].filter(Array.isArray) as Record<string, unknown>[][];
  return lists.flat().flatMap((entry) => Object.entries(entry ?? {}).map(([group, targets]) => [group, Array.isArray(targets) ? targets.map(String) : []] as [string, string[]]));
}

/** A fallback cycle through `start`, e.g. [a, b, a]; undefined when there is none. */
function cycleFrom(start: string, edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const walk = (node: string, path: string[]): string[] | undefined => {
    for (const next of edges.get(node) ?? []) {
      if (next === start) return [...path, next];
      if (!path.includes(next)) {
        const found = walk(next, [...path, next]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(start, [start]);
}

/** What is wrong with one gateway config, given the ports engine containers listen on. */
function configFindings(config: LiteLLMConfig, enginePorts: ReadonlySet<number> | undefined, containerNames: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const models = [...new Set((config.model_list ?? []).map((m) => m.model_name ?? ""))];
  const known = new Set(models);
  const edges = new Map<string, string[]>();
  for (const key of ["fallbacks", "context_window_fallbacks"]) {
    for (const [group, targets] of fallbackLists(config, key)) {
      if (!known.has(group)) out.push(`${key} are set for '${group}', which is not a model in model_list`);
      for (const t of targets) {
        if (!known.has(t)) out.push(`route '${group}' falls back to '${t}', which is not a model in model_list; known: ${models.join(", ")}`);
      }
      if (key === "fallbacks") edges.set(group, [...(edges.get(group) ?? []), ...targets]);
    }
  }
  const reported = new Set<string>();
  for (const group of edges.keys()) {
    const cycle = cycleFrom(group, edges);
    if (cycle && !cycle.some((n) => reported.has(n))) {
      out.push(`fallback cycle ${cycle.join(" → ")}: a route cannot fall back to itself; remove one of the targets`);
      cycle.forEach((n) => reported.add(n));
    }
  }
  if (enginePorts) {
    for (const m of config.model_list ?? []) {
      const base = m.litellm_params?.api_base;
      if (base === undefined || typeof m.model_info?.burst_pool === "string") continue;
      let url: URL;
      try {
        url = new URL(base);
      } catch {
        out.push(`model '${m.model_name}' has api_base '${base}', which is not a URL`);
        continue;
      }
      if (!inStack(url.hostname, containerNames)) continue; // a cloud provider's API (the renderer writes api_base for providers with apiBase)
      const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
      if (!enginePorts.has(port)) out.push(`model '${m.model_name}' sends requests to ${base}, but no engine container listens on port ${port}`);
    }
  }
  return out;
}

export const gatewayRoutesResolve: StackValidationPolicy = {
  name: gatewayCheck.name,
  description: `${gatewayCheck.description} With fleetFile, the fabric check answer (context windows included); without it, every LiteLLM config a container uploads (found by content, YAML or JSON): fallback targets are models, chains are acyclic, and every api_base on loopback, an IP address, a stack container or a tailnet/private name has an engine container on its port (cloud APIs and burst host slots, marked model_info.burst_pool, are not checked).`,
  enforcementLevel: "mandatory",
  configSchema: { properties: { fleetFile: fleetFileProperty } },
  validateStack: (args, report) => {
    const containers = stackContainers(args.resources);
    const engines = containers.filter(isEngine);
    const gateways = containers.filter((c) => c.labels[LABEL.role] === "gateway" || liteLLMConfigs(c).length > 0);
    const mode = checkMode(args.getConfig<FleetConfig>(), engines);
    if (mode.kind === "fleet") {
      for (const f of runCheck(mode.fleet, gatewayCheck)) report(f.message, gateways[0]?.urn);
      return;
    }
    if (mode.problem) report(mode.problem);
    // Burst hosts and stacks without engines have backends this stack does not hold.
    const enginePorts = engines.length > 0 ? new Set(engines.flatMap(hostPorts)) : undefined;
    for (const g of gateways) {
      for (const { file, config, error } of liteLLMConfigs(g)) {
        const where = `gateway ${describeContainer(g)} ${file}`;
        if (error !== undefined) report(`${where}: cannot parse the LiteLLM config: ${error}`, g.urn);
        if (config) configFindings(config, enginePorts, new Set(containers.map((x) => x.name))).forEach((m) => report(`${where}: ${m}`, g.urn));
      }
    }
  },
};
