import { createHash } from "node:crypto";
import { posix } from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PrometheusReload } from "./prometheus-reload";
import type { ContainerSpec, FileMount, MonitoringPlan } from "../core/plan/types";
import { CONTAINER_IGNORE_CHANGES, containerArgs, oneShotContainerArgs } from "./docker/container-args";
import type { GpuHost } from "./docker/gpu-host";
import type { SecretValues } from "./secrets";

export interface MonitoringArgs {
  /** Prometheus as planned: container (retention flags in its args), prometheus.yml and rules as files. */
  readonly plan: MonitoringPlan;
  /** The machine Prometheus runs on. */
  readonly host: GpuHost;
  /** Secrets of the container's secret env, by stack config key. @default {} */
  readonly secrets?: SecretValues;
  /**
   * Base URL the machine running `pulumi up` reaches Prometheus at, for the reload.
   * @default plan.url
   */
  readonly reloadUrl?: string;
}

/**
 * Prometheus whose config changes are reloaded, not redeployed, so the TSDB and its history survive
 * a fleet change:
 *
 * 1. A config volume (stable: it never changes).
 * 2. A one-shot writer container, named after the hash of the config files, uploads prometheus.yml
 *    and the rules into that volume and runs `promtool check config` on them (its output is in the
 *    container logs). A config change replaces only the writer.
 * 3. The Prometheus container mounts the config volume read-only and its data volume; its inputs do
 *    not include the config content, so a config change leaves it running.
 * 4. A {@link PrometheusReload} (dynamic resource), triggered by the config hash, POSTs `/-/reload` (needs `--web.enable-lifecycle`,
 *    which this component checks is in the planned args). Prometheus keeps the old config when the
 *    new one is invalid and answers 500, which fails `pulumi up` with the reason.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The Prometheus container. */
  readonly container: docker.Container;
  /** The one-shot config writer. */
  readonly configWriter: docker.Container;
  /** The reload call. */
  readonly reload: PrometheusReload;
  /** sha256 of the config files; the reload and the writer change with it. */
  readonly configHash: string;
  /** Prometheus URL, e.g. `http://rtx5090.example.ts.net:9090`. */
  readonly url: string;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:monitoring:Monitoring", name, {}, opts);
    const { plan, host } = args;
    const spec = plan.container;
    if (!spec.args.includes("--web.enable-lifecycle")) {
      throw new pulumi.ResourceError(`monitoring: the Prometheus args lack --web.enable-lifecycle, which the config reload needs; args: ${spec.args.join(" ")}`, this);
    }
    const files = spec.files;
    const main = files.find((f) => f.content === plan.prometheusYml);
    if (!main || !files.some((f) => f.content === plan.rulesYml)) {
      throw new pulumi.ResourceError(`monitoring: the planned container does not carry prometheus.yml and the rules as files`, this);
    }
    this.configHash = configHash(files);
    const configDir = commonDir(files);

    const configVolume = new docker.Volume(`${name}-config`, {
      name: `${spec.name}-config`,
      labels: [{ label: "fabric.machine", value: plan.machine }],
    }, host.resourceOptions(this));
    const wiring = (image: string) => ({
      image: host.imageId(image),
      secrets: args.secrets ?? {},
      volumeName: (v: string) => (v === configVolumeKey ? configVolume.name : host.volumeName(v)),
    });

    const writer: ContainerSpec = {
      ...spec,
      name: `${spec.name}-config-${this.configHash.slice(0, 12)}`,
      entrypoint: ["promtool"],
      args: ["check", "config", main.containerPath],
      secretEnv: [],
      ports: [],
      labels: { ...spec.labels, "fabric.role": "prometheus-config", "fabric.config-hash": this.configHash },
      volumes: [{ volume: configVolumeKey, containerPath: configDir }],
    };
    this.configWriter = new docker.Container(`${name}-config-writer`, oneShotContainerArgs(writer, wiring(spec.image)), {
      ...host.resourceOptions(this),
      deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES,
    });

    const server: ContainerSpec = {
      ...spec,
      files: [],
      volumes: [...spec.volumes, { volume: configVolumeKey, containerPath: configDir, readOnly: true }],
    };
    this.container = new docker.Container(`${name}-prometheus`, containerArgs(server, wiring(spec.image)), {
      ...host.resourceOptions(this),
      dependsOn: [this.configWriter],
      deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES,
    });

    this.url = plan.url;
    const reloadUrl = `${(args.reloadUrl ?? plan.url).replace(/\/$/, "")}/-/reload`;
    this.reload = new PrometheusReload(`${name}-reload`, { url: reloadUrl, configHash: this.configHash },
      { parent: this, dependsOn: [this.configWriter, this.container] });
    this.registerOutputs({ containerName: this.container.name, configHash: this.configHash, url: this.url });
  }
}

/** Placeholder volume name for the component's own config volume, resolved by the wiring. */
const configVolumeKey = "fabric-prometheus-config";

/** sha256 over the files' paths and contents, in path order. */
export function configHash(files: readonly FileMount[]): string {
  const hash = createHash("sha256");
  for (const f of [...files].sort((a, b) => a.containerPath.localeCompare(b.containerPath))) {
    hash.update(`${f.containerPath}\0${f.content}\0`);
  }
  return hash.digest("hex");
}

/** The directory holding all config files; the config volume is mounted there. */
function commonDir(files: readonly FileMount[]): string {
  const dirs = files.map((f) => posix.dirname(f.containerPath).split("/"));
  const first = dirs[0] ?? [];
  const shared: string[] = [];
  for (const [i, part] of first.entries()) {
    if (!dirs.every((d) => d[i] === part)) break;
    shared.push(part);
  }
  const dir = shared.join("/");
  if (dir === "" || dir === "/") {
    throw new Error(`monitoring: config files ${files.map((f) => f.containerPath).join(", ")} share no directory to mount the config volume at`);
  }
  return dir;
}
