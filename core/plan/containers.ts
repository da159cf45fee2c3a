import type { CpuArch } from "../catalog/types";
import { shellCommand } from "../render/shell";
import type { ResolvedMachine } from "./resolve";
import type { ContainerSpec, HealthCheck, PortMapping } from "./types";

/** Where a service listens inside its network namespace: the bind address with host networking, all interfaces in a bridge. */
export function listenHost(machine: ResolvedMachine): string {
  return machine.spec.docker.network === "host" ? machine.spec.bindAddress : "0.0.0.0";
}

/** Address to probe a service from inside its own container. */
function probeHost(machine: ResolvedMachine): string {
  return machine.spec.docker.network === "host" && machine.spec.bindAddress !== "0.0.0.0" ? machine.spec.bindAddress : "127.0.0.1";
}

/** Published ports: none with host networking (the service binds the address itself), else bound to the machine's bind address. */
export function publishedPorts(machine: ResolvedMachine, ports: readonly number[]): PortMapping[] {
  if (machine.spec.docker.network === "host") return [];
  return ports.map((port) => ({ container: port, host: port, ip: machine.spec.bindAddress }));
}

export function platformOf(arch: CpuArch): `linux/${CpuArch}` {
  return `linux/${arch}`;
}

/**
 * An HTTP health check that works in any image: curl, wget or python, whichever the image has.
 * `startPeriodSeconds` covers model loading, which can take many minutes.
 */
export function httpHealthCheck(machine: ResolvedMachine, port: number, path: string, startPeriodSeconds: number): HealthCheck {
  const url = `http://${probeHost(machine)}:${port}${path}`;
  // The URL reaches python as an argument, never inside its source; every word is quoted once.
  const probe = [
    shellCommand(["curl", "-fsS", "-o", "/dev/null", url]),
    shellCommand(["wget", "-q", "-O", "/dev/null", url]),
    shellCommand(["python3", "-c", "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)", url]),
  ].join(" || ");
  return { test: ["CMD-SHELL", probe], path, port, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds };
}

/** Fields every fabric container shares; callers override what differs. */
export function baseContainer(name: string, image: string, machine: ResolvedMachine): ContainerSpec {
  return {
    name,
    image,
    platform: platformOf(machine.hardware?.cpuArch ?? "amd64"),
    entrypoint: null,
    args: [],
    env: {},
    secretEnv: [],
    network: machine.spec.docker.network,
    ports: [],
    gpus: null,
    ipcHost: false,
    pidHost: false,
    shmSizeMiB: null,
    health: null,
    stopGraceSeconds: null,
    restart: "unless-stopped",
    labels: { "fabric.machine": machine.spec.name },
    volumes: [],
    files: [],
  };
}
