import type { Violation } from "../plan/types";
import type { ResolvedFleet } from "../plan/resolve";
import { type Check, error } from "./check";

export const NODE_EXPORTER_PORT = 9100;
export const DCGM_EXPORTER_PORT = 9400;
/** TEI's own Prometheus exporter (`--prometheus-port`, router/src/main.rs), opened besides /metrics on the API port. */
export const TEI_PROMETHEUS_PORT = 9000;

/**
 * The port TEI's exporter takes on the machine: with host networking its `--prometheus-port` (from
 * the recipe's extraArgs, else 9000); in bridge mode it stays inside the container (null).
 */
export function teiExporterPort(extraArgs: readonly string[], hostNetwork: boolean): number | null {
  if (!hostNetwork) return null;
  const inline = extraArgs.find((a) => a.startsWith("--prometheus-port="));
  const at = extraArgs.indexOf("--prometheus-port");
  const value = inline ? inline.slice("--prometheus-port=".length) : at >= 0 ? extraArgs[at + 1] : undefined;
  const port = value === undefined ? TEI_PROMETHEUS_PORT : Number(value);
  return Number.isInteger(port) ? port : TEI_PROMETHEUS_PORT;
}

interface Claim { readonly port: number; readonly path: string; readonly what: string }

/** Every port a service listens on, per machine name. */
export function portClaims({ fleet, instances, machines }: ResolvedFleet): Map<string, Claim[]> {
  const claims = new Map<string, Claim[]>();
  const claim = (machine: string, port: number, path: string, what: string) => {
    claims.set(machine, [...(claims.get(machine) ?? []), { port, path, what }]);
  };
  // A cluster deployment has its own pod addresses: its ports clash with nothing on a machine.
  const onMachines = instances.filter((d) => d.cluster === undefined && d.spec.machine !== undefined);
  for (const d of onMachines) claim(d.spec.machine as string, d.port, `${d.path}.port`, `deployment ${d.name}`);
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
  if (fleet.burst?.autoscaler) {
    claim(fleet.burst.autoscaler.machine, fleet.burst.autoscaler.port, "burst.autoscaler.port", "the autoscale controller's /metrics");
  }
  // Last, so a clash is reported at the recipe, where it is fixed.
  for (const d of onMachines) {
    for (const r of d.recipes.filter((x) => x.recipe.engine === "tei")) {
      const port = teiExporterPort(r.recipe.extraArgs, d.machine?.spec.docker.network === "host");
      if (port !== null) {
        claim(d.spec.machine as string, port, `recipes.${r.name}.extraArgs`,
          `TEI's Prometheus exporter of deployment ${d.name} (host networking; move it with extraArgs: [--prometheus-port, <free port>])`);
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
