import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { AutoscalerPlan } from "../core/plan/types";
import { CONTAINER_IGNORE_CHANGES, containerArgs } from "./docker/container-args";
import type { GpuHost } from "./docker/gpu-host";
import type { SecretValues } from "./secrets";

export interface AutoscalerArgs {
  readonly plan: AutoscalerPlan;
  readonly host: GpuHost;
  /** The passphrase and backend credentials, by stack config key. */
  readonly secrets: SecretValues;
  /** The stack the controller scales: the one this program deploys. */
  readonly stack: string;
  /** Started after these (the gateway and Prometheus it talks to). */
  readonly after: readonly pulumi.Resource[];
}

/**
 * `fabric autoscale --stack <this stack>` as a container beside the gateway. `pulumi up` waits until
 * its /metrics answers (it holds the stack's lock and has read the fleet by then). Replacing it
 * stops the old one first (SIGTERM: it finishes the poll it is in), so two never run at once.
 */
export class Autoscaler extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly metricsUrl: string;

  constructor(name: string, args: AutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:burst:Autoscaler", name, {}, opts);
    const spec = { ...args.plan.container, args: [...args.plan.container.args, "--stack", args.stack] };
    this.container = new docker.Container(`${name}-container`, containerArgs(spec, {
      image: args.host.imageId(spec.image),
      secrets: args.secrets,
      volumeName: (v) => args.host.volumeName(v),
    }), { ...args.host.resourceOptions(this), dependsOn: [...args.after], deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES });
    this.metricsUrl = args.plan.metricsUrl;
    this.registerOutputs({ containerName: this.container.name, metricsUrl: this.metricsUrl });
  }
}
