import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { EnginePlan } from "../../core/plan/types";
import type { SecretValues, StoreKey } from "../secrets";
import { CONTAINER_IGNORE_CHANGES, type ContainerWiring, containerArgs, oneShotContainerArgs } from "./container-args";
import type { GpuHost } from "./gpu-host";

export interface EngineArgs {
  /** The engine as planned: container spec (image for the machine's arch, argv, GPUs, health, labels) and model sync. */
  readonly plan: EnginePlan;
  /** The machine the engine runs on. */
  readonly host: GpuHost;
  /** Secrets of the container's secret env (e.g. HF_TOKEN), by stack config key. */
  readonly secrets: SecretValues;
  /**
   * The store's read-only key, given to the model sync as STORE_ACCESS_KEY / STORE_SECRET_KEY.
   * Required when the plan has a model sync.
   * @default null
   */
  readonly storeReadKey?: StoreKey | null;
  /**
   * Resources that must be up before this engine is touched: the engines of the previous rollout
   * wave (so a route never loses all its backends at once) and, for a model sync, the store setup.
   * @default []
   */
  readonly after?: readonly pulumi.Resource[];
}

/**
 * One inference engine container. Its name carries the recipe hash, so changing the recipe replaces
 * it; the old one is deleted first because the GPU and port are exclusive. `pulumi up` waits until
 * the engine's health check passes (model loaded), up to the rollout's health timeout. With a model
 * sync, a one-shot container first mirrors the model from the store into the cache volume.
 */
export class Engine extends pulumi.ComponentResource {
  /** The engine container. */
  readonly container: docker.Container;
  /** The one-shot model sync, when the model comes from the store. */
  readonly modelSync: docker.Container | undefined;
  /** OpenAI-compatible base URL, e.g. `http://spark.example.ts.net:8120/v1`. */
  readonly url: string;

  constructor(name: string, args: EngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:docker:Engine", name, {}, opts);
    const { plan, host } = args;
    if (plan.machine !== host.machine.name) {
      throw new pulumi.ResourceError(`${plan.deployment}: planned for machine '${plan.machine}' but given host '${host.machine.name}'`, this);
    }
    const wiring = (image: string): ContainerWiring => ({ image: host.imageId(image), secrets: args.secrets, volumeName: (v) => host.volumeName(v) });
    const after = [...(args.after ?? [])];

    if (plan.modelSync) {
      const key = args.storeReadKey;
      if (!key) throw new pulumi.ResourceError(`${plan.deployment}: syncs its model from the store but no read-only store key was given`, this);
      const sync = plan.modelSync.container;
      this.modelSync = new docker.Container(`${name}-sync`, oneShotContainerArgs(sync, {
        ...wiring(sync.image),
        extraSecretEnv: { STORE_ACCESS_KEY: key.accessKey, STORE_SECRET_KEY: key.secretKey },
      }), { ...host.resourceOptions(this), dependsOn: after, deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES });
    }

    this.container = new docker.Container(`${name}-container`, containerArgs(plan.container, wiring(plan.container.image)), {
      ...host.resourceOptions(this),
      dependsOn: this.modelSync ? [...after, this.modelSync] : after,
      deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES,
    });
    this.url = `http://${plan.address}:${plan.port}/v1`;
    this.registerOutputs({ containerName: this.container.name, url: this.url });
  }
}
