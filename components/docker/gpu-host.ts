import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { MachinePlan } from "../../core/plan/types";
import type { SecretValues } from "../secrets";
import { CONTAINER_IGNORE_CHANGES, containerArgs, isHostPath } from "./container-args";

export interface GpuHostArgs {
  /** The machine as planned: its Docker endpoint, platform and exporters. */
  readonly machine: MachinePlan;
  /** Every image a container on this machine runs; each is pulled once, for the machine's platform. */
  readonly images: readonly string[];
  /** Named Docker volumes the machine's containers mount (host paths are bind mounts, not listed). */
  readonly volumes: readonly string[];
  /** Secrets of the exporters' secret env, by stack config key. @default {} */
  readonly secrets?: SecretValues;
  /**
   * Options for `ssh://` Docker hosts, e.g. `["-o", "StrictHostKeyChecking=accept-new"]`.
   * @default [] (the operator's ssh config applies)
   */
  readonly sshOpts?: readonly string[];
}

/**
 * One machine's Docker: a provider for its Docker host (`ssh://…` or a unix socket), the pinned
 * images pulled once each (kept on the machine when the stack forgets them: multi-GB engine images
 * are expensive to pull again), its named volumes, and its exporters. The other components put their
 * containers on the machine through {@link GpuHost.resourceOptions}, {@link GpuHost.imageId} and
 * {@link GpuHost.volumeName}.
 */
export class GpuHost extends pulumi.ComponentResource {
  /** The machine this host runs. */
  readonly machine: MachinePlan;
  /** Docker provider of the machine's Docker host. */
  readonly provider: docker.Provider;
  /** Exporter containers (node, DCGM). */
  readonly exporters: readonly docker.Container[];
  private readonly pulled = new Map<string, docker.RemoteImage>();
  private readonly named = new Map<string, docker.Volume>();

  constructor(name: string, args: GpuHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:docker:GpuHost", name, {}, opts);
    this.machine = args.machine;
    this.provider = new docker.Provider(`${name}-docker`, {
      host: args.machine.dockerHost,
      ...(args.sshOpts && args.sshOpts.length > 0 ? { sshOpts: [...args.sshOpts] } : {}),
    }, { parent: this });
    const onHost = { parent: this, provider: this.provider };
    for (const image of [...new Set(args.images)].sort()) {
      this.pulled.set(image, new docker.RemoteImage(`${name}-image-${resourceSuffix(image)}`, {
        name: image,
        platform: args.machine.platform,
        keepLocally: true,
      }, onHost));
    }
    // Named volumes belong to the stack: `pulumi destroy` removes them with everything else (the
    // store's data included; back it up, or keep models under a host path with machine.modelCacheDir).
    for (const volume of [...new Set(args.volumes)].filter((v) => !isHostPath(v)).sort()) {
      this.named.set(volume, new docker.Volume(`${name}-volume-${resourceSuffix(volume)}`, {
        name: volume,
        labels: [{ label: "fabric.machine", value: args.machine.name }],
      }, onHost));
    }
    this.exporters = args.machine.exporters.map((spec) => new docker.Container(
      `${name}-${spec.name}`,
      containerArgs(spec, { image: this.imageId(spec.image), secrets: args.secrets ?? {}, volumeName: (v) => this.volumeName(v) }),
      { ...onHost, deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES },
    ));
    this.registerOutputs({ exporters: this.exporters.map((c) => c.name) });
  }

  /** Options that put a child of another component on this machine. */
  resourceOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions {
    return { parent, provider: this.provider };
  }

  /** The id of a pulled image; every image a container uses must be in {@link GpuHostArgs.images}. */
  imageId(image: string): pulumi.Output<string> {
    const pulled = this.pulled.get(image);
    if (!pulled) throw new Error(`${this.machine.name}: image '${image}' is not pulled on this machine; pulled: ${[...this.pulled.keys()].join(", ")}`);
    return pulled.imageId;
  }

  /** The Docker name of a named volume on this machine; every volume must be in {@link GpuHostArgs.volumes}. */
  volumeName(volume: string): pulumi.Output<string> {
    const named = this.named.get(volume);
    if (!named) throw new Error(`${this.machine.name}: volume '${volume}' is not created on this machine; created: ${[...this.named.keys()].join(", ")}`);
    return named.name;
  }
}

/** A resource-name-safe form of an image reference or volume name. */
function resourceSuffix(ref: string): string {
  return ref.replace(/[^A-Za-z0-9._-]+/g, "-");
}
