import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { GatewayPlan } from "../core/plan/types";
import { CONTAINER_IGNORE_CHANGES, containerArgs } from "./docker/container-args";
import type { GpuHost } from "./docker/gpu-host";
import type { SecretValues } from "./secrets";

export interface GatewayArgs {
  /** The gateway as planned: the LiteLLM container with its rendered config file and secret env. */
  readonly plan: GatewayPlan;
  /** The machine the gateway runs on. */
  readonly host: GpuHost;
  /** Master key and provider API keys, by stack config key. */
  readonly secrets: SecretValues;
}

/**
 * The LiteLLM gateway: one container with the rendered config uploaded and the master key and
 * provider keys as secret env. Its inputs come only from the plan's gateway part (served names,
 * addresses, ports), never from recipes, so rolling an engine to a new recipe behind a stable served
 * name does not restart the gateway. `pulumi up` waits for its readiness check.
 */
export class Gateway extends pulumi.ComponentResource {
  /** The LiteLLM container. */
  readonly container: docker.Container;
  /** Base URL clients call, e.g. `http://rtx5090.example.ts.net:4000`. */
  readonly url: string;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:gateway:Gateway", name, {}, opts);
    const { plan, host } = args;
    if (!plan.container.files.some((f) => f.content === plan.configYaml)) {
      throw new pulumi.ResourceError(`gateway: the planned container does not upload the rendered LiteLLM config`, this);
    }
    this.container = new docker.Container(`${name}-container`, containerArgs(plan.container, {
      image: host.imageId(plan.container.image),
      secrets: args.secrets,
      volumeName: (v) => host.volumeName(v),
    }), { ...host.resourceOptions(this), deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES });
    this.url = plan.url;
    this.registerOutputs({ containerName: this.container.name, url: this.url });
  }
}
