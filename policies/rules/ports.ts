// Ports: no two services on one machine take the same port.
import type { StackValidationPolicy } from "@pulumi/policy";
import { portCollision as portCollisionCheck } from "../../core/checks/ports";
import { describeContainer, isEngine, LABEL, stackContainers } from "../container-props";
import { hostPorts } from "../listen";
import { checkMode, type FleetConfig, fleetFileProperty, instanceOf, runCheck } from "../fleet-context";

export const portCollision: StackValidationPolicy = {
  name: portCollisionCheck.name,
  description: `${portCollisionCheck.description} With fleetFile, the fabric check answer; without it, the ports each machine's containers publish (or listen on, with host networking).`,
  enforcementLevel: "mandatory",
  configSchema: { properties: { fleetFile: fleetFileProperty } },
  validateStack: (args, report) => {
    const containers = stackContainers(args.resources).filter((c) => !c.oneShot);
    const engines = containers.filter(isEngine);
    const mode = checkMode(args.getConfig<FleetConfig>(), engines);
    if (mode.kind === "fleet") {
      for (const f of runCheck(mode.fleet, portCollisionCheck)) {
        const on = engines.find((c) => `${instanceOf(mode.fleet, c)?.path}.port` === f.path);
        report(f.message, on?.urn);
      }
      return;
    }
    if (mode.problem) report(mode.problem);
    const holders = new Map<string, (typeof containers)[number]>();
    for (const c of containers) {
      const machine = c.labels[LABEL.machine];
      if (machine === undefined) continue;
      for (const port of hostPorts(c)) {
        const holder = holders.get(`${machine}:${port}`);
        if (holder) report(`port ${port} on ${machine} is used by ${describeContainer(holder)} and ${describeContainer(c)}: pick a free port`, c.urn);
        else holders.set(`${machine}:${port}`, c);
      }
    }
  },
};

