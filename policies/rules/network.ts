// Network: engines are reachable over the mesh or loopback only, never on a public interface.
import { BlockList, isIP } from "node:net";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CONTAINER, containerView, describeContainer, isEngine, LABEL } from "../container-props";
import { listenAddresses } from "../listen";
import { fleetContext, type FleetConfig, fleetFileProperty } from "../fleet-context";

/** Tailscale's address ranges (CGNAT 100.64/10 and its IPv6 ULA) and loopback. */
export const MESH_AND_LOOPBACK: readonly string[] = ["100.64.0.0/10", "fd7a:115c:a1e0::/48", "127.0.0.0/8", "::1/128"];

export interface EngineNotPublicConfig extends FleetConfig {
  /** CIDRs an engine may be bound to. @default MESH_AND_LOOPBACK */
  readonly allowedCidrs?: readonly string[];
  /** Service roles (`fabric.role`) held to the same rule besides engines, e.g. `["store", "monitoring"]`. @default [] */
  readonly roles?: readonly string[];
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", prefix = ""] = cidr.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    list.addSubnet(address, Number(prefix || (family === "ipv6" ? 128 : 32)), family);
  }
  return list;
}

const EVERY_INTERFACE = new Set(["", "0.0.0.0", "::", "[::]", "*"]);

/** Why binding to `host` is not allowed, or undefined when it is. */
function exposure(host: string | undefined, allowed: BlockList, cidrs: readonly string[]): string | undefined {
  if (host === undefined || EVERY_INTERFACE.has(host)) return "every interface of the machine";
  if (host === "localhost") return undefined;
  const family = isIP(host);
  if (family === 0) return `'${host}', which is not an address (the service would listen wherever the name resolves)`;
  return allowed.check(host, family === 6 ? "ipv6" : "ipv4") ? undefined : `${host}, outside the mesh and loopback (${cidrs.join(", ")})`;
}

export const engineNotPublic: ResourceValidationPolicy = {
  name: "engine-not-public",
  description: "The resource-level counterpart of fabric check's engine-not-public. Engines (fabric-labelled, or any container running a catalog engine image) publish ports only on the mesh (Tailscale) or loopback address; with host networking the engine's own listen address (--host, --hostname, --listen, OLLAMA_HOST, LLAMA_ARG_HOST, TEI's HOSTNAME; argv before env) must be one of those, never 0.0.0.0. With fleetFile, machines that set allowPublicBind are exempt, as in fabric check.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedCidrs: { type: "array", items: { type: "string" }, default: [...MESH_AND_LOOPBACK], description: "CIDRs engines may bind to." },
      roles: { type: "array", items: { type: "string" }, default: [], description: "Service roles (fabric.role) held to the same rule, e.g. store, monitoring." },
      fleetFile: fleetFileProperty,
    },
  },
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const config = args.getConfig<EngineNotPublicConfig>();
    const c = containerView(args.name, args.props);
    const role = c.labels[LABEL.role];
    if (!isEngine(c) && !(role !== undefined && (config.roles ?? []).includes(role))) return;
    const ctx = fleetContext(config);
    if (ctx.status === "invalid") report(ctx.message);
    if (ctx.status === "loaded" && ctx.fleet.machines.some((m) => m.name === c.labels[LABEL.machine] && m.allowPublicBind)) return; // fabric check accepted it
    const cidrs = config.allowedCidrs ?? MESH_AND_LOOPBACK;
    const allowed = blockList(cidrs);
    const who = describeContainer(c);
    if (c.networkMode === "host") {
      const addresses = listenAddresses(c).filter((a) => a.host !== undefined || a.source !== "--port");
      if (addresses.length === 0) {
        report(`${who}: uses host networking but its args name no listen address (--host, --hostname, --listen, OLLAMA_HOST), and engines default to every interface: bind it to the machine's bindAddress`);
      }
      for (const a of addresses) {
        const why = exposure(a.host, allowed, cidrs);
        if (why) report(`${who}: listens on ${why} (${a.source} ${a.host ?? ""}) with host networking: bind it to the machine's tailnet address or 127.0.0.1 (bindAddress)`);
      }
      return;
    }
    for (const p of c.ports) {
      const why = exposure(p.ip, allowed, cidrs);
      if (why) report(`${who}: port ${p.external ?? p.internal} is published on ${why}: publish it on the machine's tailnet address or 127.0.0.1 (bindAddress)`);
    }
  },
};
