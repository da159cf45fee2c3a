import * as pulumi from "@pulumi/pulumi";
import type { EnginePlan, Plan } from "../core/plan/types";
import { Autoscaler } from "./autoscaler";
import { Engine } from "./docker/engine";
import { GpuHost } from "./docker/gpu-host";
import { Gateway } from "./gateway";
import { KubernetesCluster } from "./kubernetes/cluster";
import { Mesh } from "./mesh";
import { ModelStore } from "./model-store";
import { Monitoring } from "./monitoring";
import { type SecretValues, requiredSecretKeys, storeReadKey } from "./secrets";
import { machineNeeds } from "./machine-needs";
import { SloGate } from "./slo-gate";
import { WaveSettle } from "./wave-settle";

export interface InferenceFabricArgs {
  /** The plan to deploy; it must have no error-severity violations. */
  readonly plan: Plan;
  /** Secret values by stack config key: every key `requiredSecretKeys(plan)` names. */
  readonly secrets: SecretValues;
  /** The `mc` image of the store setup, e.g. `serviceImage("mc", fleet.images)`. */
  readonly mcImage: string;
  /**
   * ssh options for machines reached over `ssh://`, by machine name.
   * @default {}
   */
  readonly sshOpts?: Readonly<Record<string, readonly string[]>>;
  /**
   * Tailscale API base URL (a fake in tests, a self-hosted control plane).
   * @default the provider's default, https://api.tailscale.com
   */
  readonly tailscaleBaseUrl?: string;
  /**
   * The stack the autoscale controller container scales.
   * @default pulumi.getStack()
   */
  readonly stack?: string;
}

/**
 * The whole fabric from one Plan: per machine a {@link GpuHost} (Docker provider, pinned images,
 * volumes, exporters), the engines in rollout waves, the gateway, monitoring, the model store and the
 * Tailscale mesh (policy, auth keys, MagicDNS).
 *
 * Waves: every engine of wave k depends on every engine of wave k−1, so `pulumi up` replaces the
 * backends of one route one wave at a time, each health-gated, and a route never loses all its
 * backends at once. Between waves a {@link WaveSettle} waits out the gateway's cooldown, so the
 * gateway routes to the new engines before the next wave stops the others. Engines that sync their
 * model from the store also wait for the store setup.
 */
export class InferenceFabric extends pulumi.ComponentResource {
  /** One host per machine, by machine name. */
  readonly hosts: ReadonlyMap<string, GpuHost>;
  /** One engine per deployment instance, by deployment name. */
  readonly engines: ReadonlyMap<string, Engine>;
  readonly gateway: Gateway | undefined;
  readonly monitoring: Monitoring | undefined;
  readonly store: ModelStore | undefined;
  readonly mesh: Mesh | undefined;
  /** `fabric autoscale` as a container of the stack (burst.autoscaler). */
  readonly autoscaler: Autoscaler | undefined;
  /** One per cluster the plan deploys to, by cluster name. */
  readonly clusters: ReadonlyMap<string, KubernetesCluster>;

  constructor(name: string, args: InferenceFabricArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:index:InferenceFabric", name, {}, opts);
    const { plan, secrets } = args;
    const errors = plan.violations.filter((v) => v.severity === "error");
    if (errors.length > 0) {
      throw new pulumi.ResourceError(`the plan has ${errors.length} error(s): ${errors.map((v) => `[${v.rule}] ${v.path}: ${v.message}`).join("; ")}`, this);
    }
    const missing = requiredSecretKeys(plan).filter((k) => secrets[k] === undefined);
    if (missing.length > 0) throw new pulumi.ResourceError(`secrets missing from the args: ${missing.join(", ")}`, this);

    const needs = machineNeeds(plan, args.mcImage);
    this.hosts = new Map(plan.machines.map((m) => [m.name, new GpuHost(`${name}-host-${m.name}`, {
      machine: m,
      images: needs.get(m.name)?.images ?? [],
      volumes: needs.get(m.name)?.volumes ?? [],
      secrets,
      ...(args.sshOpts?.[m.name] ? { sshOpts: args.sshOpts[m.name] } : {}),
    }, { parent: this })]));
    const host = (machine: string, what: string): GpuHost => {
      const found = this.hosts.get(machine);
      if (!found) throw new pulumi.ResourceError(`${what} is planned on machine '${machine}', which the plan does not list`, this);
      return found;
    };

    this.store = plan.store
      ? new ModelStore(`${name}-store`, {
        plan: plan.store, host: host(plan.store.machine, "the store"), secrets, mcImage: args.mcImage, readOnlyKey: storeReadKey(plan, secrets),
      }, { parent: this })
      : undefined;

    this.clusters = new Map(plan.clusters.map((c) => [c.name, new KubernetesCluster(`${name}-cluster-${c.name}`, {
      plan: c,
      secrets,
      storeReadKey: storeReadKey(plan, secrets),
      after: this.store ? [this.store.setup] : [],
    }, { parent: this })]));

    const engines = new Map<string, Engine>();
    const waves = engineWaves(plan);
    let previousWave: pulumi.Resource[] = [];
    waves.forEach((wave, index) => {
      const built = wave.map((e) => {
        const storeSetup = e.modelSync && this.store ? [this.store.setup] : [];
        const engine = new Engine(`${name}-engine-${e.deployment}`, {
          plan: e,
          host: host(e.machine, e.deployment),
          secrets,
          storeReadKey: e.modelSync ? storeReadKey(plan, secrets) : null,
          after: [...previousWave, ...storeSetup],
        }, { parent: this });
        engines.set(e.deployment, engine);
        return engine;
      });
      const gate = SloGate.forWave(`${name}-wave-${index + 1}-slo`, index + 1, wave, built, this);
      const last = index === waves.length - 1;
      previousWave = last || plan.waveSettleSeconds === 0
        ? [...built, ...gate]
        : [new WaveSettle(`${name}-wave-${index + 1}-settled`, {
          containerIds: built.map((e) => e.container.id),
          seconds: plan.waveSettleSeconds,
        }, { parent: this, dependsOn: [...built.map((e) => e.container), ...gate] })];
    });
    this.engines = engines;

    this.gateway = plan.gateway
      ? new Gateway(`${name}-gateway`, { plan: plan.gateway, host: host(plan.gateway.machine, "the gateway"), secrets }, { parent: this })
      : undefined;
    this.monitoring = plan.monitoring
      ? new Monitoring(`${name}-monitoring`, { plan: plan.monitoring, host: host(plan.monitoring.machine, "monitoring"), secrets }, { parent: this })
      : undefined;

    this.autoscaler = plan.autoscaler
      ? new Autoscaler(`${name}-autoscaler`, {
        plan: plan.autoscaler,
        host: host(plan.autoscaler.machine, "the autoscale controller"),
        secrets,
        stack: args.stack ?? pulumi.getStack(),
        after: [...(this.gateway ? [this.gateway.container] : []), ...(this.monitoring ? [this.monitoring.container] : [])],
      }, { parent: this })
      : undefined;

    this.mesh = plan.mesh
      ? new Mesh(`${name}-mesh`, {
          plan: plan.mesh,
          secrets,
          ...(args.tailscaleBaseUrl ? { baseUrl: args.tailscaleBaseUrl } : {}),
        }, { parent: this })
      : undefined;

    this.registerOutputs({
      engines: [...engines.keys()],
      gatewayUrl: this.gateway?.url,
      prometheusUrl: this.monitoring?.url,
      storeEndpoint: this.store?.endpoint,
    });
  }
}

/**
 * The plan's engines grouped by rollout wave, in order. An engine no wave names (possible only in a
 * plan with errors) goes into a last wave of its own, so nothing is silently left out.
 */
export function engineWaves(plan: Plan): EnginePlan[][] {
  // Cluster engines roll inside their Kubernetes Deployment (maxUnavailable), not in these waves.
  const onMachines = plan.engines.filter((e) => e.cluster === null);
  const byDeployment = new Map(onMachines.map((e) => [e.deployment, e]));
  const waves = plan.waves.map((w) => w.flatMap((d) => byDeployment.get(d) ?? []));
  const placed = new Set(waves.flat().map((e) => e.deployment));
  waves.push(onMachines.filter((e) => !placed.has(e.deployment)));
  return waves.filter((w) => w.length > 0);
}
