import { serviceImage } from "../catalog/services";
import { DCGM_EXPORTER_PORT, NODE_EXPORTER_PORT } from "../checks/ports";
import type { Fleet } from "../fleet/schema";
import { baseContainer, httpHealthCheck, listenHost, publishedPorts } from "./containers";
import type { ResolvedMachine } from "./resolve";
import type { ContainerSpec, MachinePlan } from "./types";

/** Per machine: where its Docker engine is, and the exporters Prometheus scrapes there. */
export function planMachine(fleet: Fleet, machine: ResolvedMachine): MachinePlan {
  const arch = machine.hardware?.cpuArch ?? "amd64";
  return {
    name: machine.spec.name,
    hardware: machine.spec.hardware,
    cpuArch: arch,
    platform: `linux/${arch}`,
    dockerHost: machine.spec.docker.host,
    address: machine.spec.address,
    gpus: machine.spec.gpus,
    exporters: fleet.monitoring?.exporters ? exporters(fleet, machine) : [],
  };
}

function exporters(fleet: Fleet, machine: ResolvedMachine): ContainerSpec[] {
  const listen = listenHost(machine);
  const node: ContainerSpec = {
    ...baseContainer(`node-exporter`, serviceImage("nodeExporter", fleet.images), machine),
    args: [`--web.listen-address=${listen}:${NODE_EXPORTER_PORT}`, "--path.rootfs=/host"],
    ports: publishedPorts(machine, [NODE_EXPORTER_PORT]),
    volumes: [{ volume: "/", containerPath: "/host", readOnly: true }],
    health: httpHealthCheck(machine, NODE_EXPORTER_PORT, "/metrics", 10),
    labels: { "fabric.machine": machine.spec.name, "fabric.role": "node-exporter" },
  };
  if (!machine.hardware || machine.hardware.family === "cpu") return [node];
  const dcgm: ContainerSpec = {
    ...baseContainer(`dcgm-exporter`, serviceImage("dcgmExporter", fleet.images), machine),
    args: ["-a", `${listen}:${DCGM_EXPORTER_PORT}`],
    ports: publishedPorts(machine, [DCGM_EXPORTER_PORT]),
    gpus: Array.from({ length: machine.spec.gpus }, (_, i) => i),
    health: httpHealthCheck(machine, DCGM_EXPORTER_PORT, "/metrics", 30),
    labels: { "fabric.machine": machine.spec.name, "fabric.role": "dcgm-exporter" },
  };
  return [node, dcgm];
}
