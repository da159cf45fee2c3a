// Ports: no two services on one machine take the same port.
import type { StackValidationPolicy } from "@pulumi/policy";
import { placedContainers } from "../../components/plan-containers";
import { portCollision as portCollisionCheck } from "../../core/checks/ports";
import { describeContainer, isLabelledEngine, type StackContainer, stackContainers } from "../container-props";
import { hostPorts } from "../listen";
import { checkMode, type FleetConfig, fleetFileProperty, instanceOf, runCheck } from "../fleet-context";

/**
 * Containers that take one port on one Docker host (published ports, or with host networking the
 * port the service listens on, from its argv, its engine's env, or its engine's default). `only`:
 * report a pair only when one side is in it.
 */
function collisions(containers: readonly StackContainer[], only: ReadonlySet<StackContainer> | undefined, report: (m: string, urn?: string) => void): void {
  const holders = new Map<string, StackContainer>();
  for (const c of containers) {
    for (const port of hostPorts(c)) {
      const key = `${c.host}\u0000${port}`;
      const holder = holders.get(key);
      if (!holder) {
        holders.set(key, c);
        continue;
      }
      if (only && !only.has(holder) && !only.has(c)) continue;
      const on = only && !only.has(c) ? holder : c; // the hand-added one, when the other is the fleet's
      report(`port ${port} on ${c.hostName} is used by ${describeContainer(holder)} and ${describeContainer(c)}: pick a free port`, on.urn);
    }
  }
}

export const portCollision: StackValidationPolicy = {
  name: portCollisionCheck.name,
  description: `${portCollisionCheck.description} With fleetFile, the fabric check answer plus any container the fleet does not plan (added by hand) against every other; without it, the ports each Docker host's containers publish, or listen on with host networking (argv, engine env, engine default), labelled or not.`,
  enforcementLevel: "mandatory",
  configSchema: { properties: { fleetFile: fleetFileProperty } },
  validateStack: (args, report) => {
    const containers = stackContainers(args.resources).filter((c) => !c.oneShot);
    const engines = containers.filter(isLabelledEngine);
    const mode = checkMode(args.getConfig<FleetConfig>(), engines);
    if (mode.kind === "fleet") {
      for (const f of runCheck(mode.fleet, portCollisionCheck)) {
        const on = engines.find((c) => `${instanceOf(mode.fleet, c)?.path}.port` === f.path);
        report(f.message, on?.urn);
      }
      const planned = new Set(placedContainers(mode.fleet.plan).map((p) => p.spec.name));
      collisions(containers, new Set(containers.filter((c) => !planned.has(c.name))), report);
      return;
    }
    if (mode.problem) report(mode.problem);
    collisions(containers, undefined, report);
  },
};
