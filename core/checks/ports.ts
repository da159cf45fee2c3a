import type { Violation } from "../plan/types";
import type { ResolvedFleet } from "../plan/resolve";
import { type Check, error } from "./check";

export const NODE_EXPORTER_PORT = 9100;
export const DCGM_EXPORTER_PORT = 9400;

interface Claim { readonly port: number; readonly path: string; readonly what: string }

/** Every port a service listens on, per machine name. */
export function portClaims({ fleet, instances, machines }: ResolvedFleet): Map<string, Claim[]> {
  const claims = new Map<string, Claim[]>();
  const claim = (machine: string, port: number, path: string, what: string) => {
    claims.set(machine, [...(claims.get(machine) ?? []), { port, path, what }]);
  };
  for (const d of instances) claim(d.spec.machine, d.port, `${d.path}.port`, `deployment ${d.name}`);
  if (fleet.gateway) claim(fleet.gateway.machine, fleet.gateway.port, "gateway.port", "the gateway");
  if (fleet.storage) {
    claim(fleet.storage.machine, fleet.storage.port, "storage.port", "the store API");
    claim(fleet.storage.machine, fleet.storage.consolePort, "storage.consolePort", "the store console");
  }
  if (fleet.monitoring) {
    claim(fleet.monitoring.machine, fleet.monitoring.port, "monitoring.port", "Prometheus");
    if (fleet.monitoring.exporters) {
      for (const m of machines) {
        claim(m.spec.name, NODE_EXPORTER_PORT, "monitoring.exporters", "node exporter");
        if (m.hardware && m.hardware.family !== "cpu") claim(m.spec.name, DCGM_EXPORTER_PORT, "monitoring.exporters", "DCGM exporter");
      }
    }
  }
  return claims;
}

/** No two services on one machine listen on the same port. */
export const portCollision: Check = {
  name: "port-collision",
  description: "No two services on one machine listen on the same port (engines, replicas, gateway, store, Prometheus, exporters).",
  run(fleet) {
    const out: Violation[] = [];
    for (const [machine, claims] of portClaims(fleet)) {
      const first = new Map<number, Claim>();
      for (const c of claims) {
        const holder = first.get(c.port);
        if (holder) {
          out.push(error("port-collision", c.path,
            `port ${c.port} on ${machine} is used by ${holder.what} (${holder.path}) and ${c.what}: pick a free port`));
        } else first.set(c.port, c);
      }
    }
    return out;
  },
};
