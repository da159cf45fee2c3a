import type { Fleet } from "../fleet/schema";
import { baseContainer, listenHost } from "./containers";
import type { ResolvedFleet } from "./resolve";
import type { AutoscalerPlan, HealthCheck } from "./types";

/** The env var pulumi reads the stack's passphrase from. */
export const AUTOSCALER_PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE";
const UNIX_DOCKER_SOCKET = "/var/run/docker.sock";
/**
 * Seconds between SIGTERM and SIGKILL: the controller finishes the poll it is in, which may be a
 * drain (`drainTimeoutSeconds`) and a targeted `pulumi up`; never cut an update half-way.
 */
const UPDATE_GRACE_SECONDS = 600;

/** The image has node but no curl: the health probe is a fetch of its own /metrics. */
function metricsProbe(url: string): HealthCheck {
  return {
    test: ["CMD", "node", "-e", "fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))", url],
    path: "/metrics", port: Number(new URL(url).port), intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 60,
  };
}

/**
 * `fabric autoscale` as a container of the stack (burst.autoscaler): host networking (it reaches the
 * gateway, Prometheus and the Vast API like the machine does), the host's pid namespace (its
 * one-controller-per-stack lock records a pid the host can check), the project checkout and a
 * file:// state directory mounted at their own paths, and the Docker socket when the machine's
 * Docker is local. The stack name is added by the component (`--stack`), which knows it.
 */
export function planAutoscaler(fleet: Fleet, resolved: ResolvedFleet): AutoscalerPlan | null {
  const spec = fleet.burst?.autoscaler;
  const image = fleet.images.autoscaler;
  const machine = resolved.machines.find((m) => m.spec.name === spec?.machine);
  if (!spec || !machine || !image) return null;
  const bind = listenHost(machine);
  const metricsHost = bind === "0.0.0.0" ? "127.0.0.1" : bind;
  const url = `http://${machine.spec.address}:${spec.port}/metrics`;
  const stateDir = spec.backendUrl.startsWith("file://") ? spec.backendUrl.slice("file://".length).replace(/\/+$/, "") : null;
  const dockerSocket = machine.spec.docker.host === `unix://${UNIX_DOCKER_SOCKET}` ? UNIX_DOCKER_SOCKET : null;
  return {
    machine: machine.spec.name,
    metricsUrl: url,
    projectDir: spec.projectDir,
    container: {
      ...baseContainer("fabric-autoscale", image, machine),
      network: "host",
      pidHost: true,
      args: ["--cwd", spec.projectDir, "--interval", String(spec.intervalSeconds), "--metrics-listen", `${bind}:${spec.port}`, "--drain-timeout", String(spec.drainTimeoutSeconds)],
      env: { PULUMI_BACKEND_URL: spec.backendUrl, PULUMI_SKIP_UPDATE_CHECK: "true" },
      secretEnv: [
        ...(spec.passphrase ? [{ name: AUTOSCALER_PASSPHRASE_ENV, secret: spec.passphrase.secret }] : []),
        ...Object.entries(spec.secretEnv).sort(([a], [b]) => a.localeCompare(b)).map(([name, ref]) => ({ name, secret: ref.secret })),
      ],
      health: metricsProbe(`http://${metricsHost}:${spec.port}/metrics`),
      stopGraceSeconds: UPDATE_GRACE_SECONDS,
      labels: { "fabric.machine": machine.spec.name, "fabric.role": "autoscaler" },
      volumes: [
        { volume: spec.projectDir, containerPath: spec.projectDir },
        ...(stateDir ? [{ volume: stateDir, containerPath: stateDir }] : []),
        ...(dockerSocket ? [{ volume: dockerSocket, containerPath: dockerSocket }] : []),
      ],
    },
  };
}
