import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerSpec, HealthCheck, VolumeMount } from "../../core/plan/types";
import { type SecretValues, secretValue } from "../secrets";

/** What a container needs besides its spec: values that come from other resources or from stack config. */
export interface ContainerWiring {
  /** The image to run: the pulled image's id, so a re-pulled image replaces the container. */
  readonly image: pulumi.Input<string>;
  /** Values of the spec's `secretEnv`, by stack config key. */
  readonly secrets: SecretValues;
  /**
   * Secret env vars that are not stack config keys of the spec (the store's read-only key).
   * @default {}
   */
  readonly extraSecretEnv?: Readonly<Record<string, pulumi.Output<string>>>;
  /** The Docker volume name of a named plan volume (absolute paths are bind mounts and never asked). */
  readonly volumeName: (volume: string) => pulumi.Input<string>;
}

/**
 * The one mapping from the plan's container shape to the Docker provider's: argv, env (secret env as
 * secret Outputs, never plain strings), ports, GPUs, IPC and shm, health check, restart policy,
 * labels, volumes (absolute paths bind-mounted) and uploaded files. A container with a health check
 * is waited for until healthy, so `pulumi up` is health-gated. A stop grace makes delete a `docker
 * stop -t N` (SIGTERM, in-flight requests drain) before the removal; without one it is killed at once.
 */
export function containerArgs(spec: ContainerSpec, wiring: ContainerWiring): docker.ContainerArgs {
  return {
    name: spec.name,
    image: wiring.image,
    platform: spec.platform,
    ...(spec.entrypoint ? { entrypoints: [...spec.entrypoint] } : {}),
    ...(spec.args.length > 0 ? { command: [...spec.args] } : {}),
    envs: envs(spec, wiring),
    networkMode: spec.network,
    ports: spec.ports.map((p) => ({ internal: p.container, external: p.host, ip: p.ip, protocol: "tcp" })),
    ...(spec.gpus && spec.gpus.length > 0 ? { gpus: `device=${spec.gpus.join(",")}` } : {}),
    ...(spec.ipcHost ? { ipcMode: "host" } : {}),
    ...(spec.pidHost ? { pidMode: "host" } : {}),
    ...(spec.shmSizeMiB !== null ? { shmSize: spec.shmSizeMiB } : {}),
    ...(spec.health ? { healthcheck: healthcheck(spec.health), wait: true, waitTimeout: waitTimeoutSeconds(spec.health) } : {}),
    ...(spec.stopGraceSeconds !== null ? { destroyGraceSeconds: spec.stopGraceSeconds } : {}),
    restart: spec.restart,
    labels: Object.entries(spec.labels).sort(([a], [b]) => a.localeCompare(b)).map(([label, value]) => ({ label, value })),
    volumes: spec.volumes.map((v) => volume(v, wiring)),
    uploads: spec.files.map((f) => ({ file: f.containerPath, content: f.content })),
  };
}

/**
 * A container that runs once to completion (model sync, store setup, config writer): `pulumi up`
 * attaches until it exits and does not expect it to keep running. Note that the Docker provider does
 * not fail on a non-zero exit code; what depends on the run (an engine's health check, a reload)
 * surfaces a failure.
 */
export function oneShotContainerArgs(spec: ContainerSpec, wiring: ContainerWiring): docker.ContainerArgs {
  return { ...containerArgs({ ...spec, health: null, restart: "no" }, wiring), attach: true, mustRun: false };
}

/**
 * Docker's health check with durations in Go's `time.Duration` form ("10s", "1m0s", "5m0s"): the
 * provider reads them back in that form, so "300s" would be a diff, and a replacement, on every
 * `pulumi up`.
 */
export function healthcheck(h: HealthCheck): docker.types.input.ContainerHealthcheck {
  return {
    tests: [...h.test],
    interval: goDuration(h.intervalSeconds),
    timeout: goDuration(h.timeoutSeconds),
    retries: h.retries,
    startPeriod: goDuration(h.startPeriodSeconds),
  };
}

/** Whole seconds as Go's `time.Duration.String()` writes them: 10 → "10s", 60 → "1m0s", 3660 → "1h1m0s". */
export function goDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${m}m${rest}s`;
  if (m > 0) return `${m}m${rest}s`;
  return `${rest}s`;
}

/**
 * Resource options every container takes: Docker reports a container's platform as the OS alone
 * ("linux"), so the planned "linux/amd64" would be a diff, and a replacement, on every `pulumi up`.
 * Ignoring it loses nothing: the image id the container runs already changes with the platform the
 * image is pulled for.
 */
export const CONTAINER_IGNORE_CHANGES: string[] = ["platform"];

/**
 * How long `pulumi up` waits for the container to turn healthy: the start period (the plan carries the
 * rollout's health timeout there) plus the probes Docker needs to call it healthy or not after it.
 */
export function waitTimeoutSeconds(h: HealthCheck): number {
  return h.startPeriodSeconds + h.retries * (h.intervalSeconds + h.timeoutSeconds);
}

/** Whether a plan volume is a host directory (bind mount) rather than a named Docker volume. */
export function isHostPath(volume: string): boolean {
  return volume.startsWith("/");
}

function volume(v: VolumeMount, wiring: ContainerWiring): docker.types.input.ContainerVolume {
  const source = isHostPath(v.volume) ? { hostPath: v.volume } : { volumeName: wiring.volumeName(v.volume) };
  return { ...source, containerPath: v.containerPath, readOnly: v.readOnly ?? false };
}

/** Plain env first, then secret env; each secret entry is its own secret Output. */
function envs(spec: ContainerSpec, wiring: ContainerWiring): pulumi.Input<string>[] {
  const plain = Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  const fromConfig = spec.secretEnv.map((s) => [s.name, secretValue(wiring.secrets, s.secret, spec.name)] as const);
  const extra = Object.entries(wiring.extraSecretEnv ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const secret = [...fromConfig, ...extra].map(([name, value]) => pulumi.secret(pulumi.interpolate`${name}=${value}`));
  return [...plain, ...secret];
}
