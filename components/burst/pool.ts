import * as pulumi from "@pulumi/pulumi";
import { burstBootScriptInput } from "../../core/burst/boot-input";
import { type BurstRequest, burstRequest } from "../../core/burst/request";
import type { Fleet } from "../../core/fleet/schema";
import type { BurstBootScriptInput } from "../../core/render/burst-boot-script";
import { recipeHash } from "../../core/render/recipe-hash";
import { type VastTiming, VastInstance } from "./vast-provider";

export interface BurstPoolArgs {
  /** The fleet; the pool, its recipe and the budget are read from it through core functions. */
  readonly fleet: Fleet;
  /** Name of the burst pool (`burst.pools[].name`). */
  readonly pool: string;
  /** The Vast API key (a secret). */
  readonly apiKey: pulumi.Input<string>;
  /**
   * Tailscale auth key the hosts join the mesh with (TS_AUTHKEY): ephemeral, tagged `tag:burst`.
   * Only read at boot; a new key does not replace running hosts.
   */
  readonly meshAuthKey: pulumi.Input<string>;
  /**
   * Values of the engine's secret environment by variable name, e.g. `{HF_TOKEN: …}`; every name
   * the boot script expects (`secretEnvNames`) must be given.
   * @default {}
   */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Hosts to run now, e.g. raised from stack config to burst; never more than the pool's maxHosts.
   * @default the pool's `desired`
   */
  readonly desired?: number;
  /** Stack name in host labels (`fabric-<stack>-<pool>-<n>`). @default pulumi.getStack() */
  readonly stack?: string;
  /** Vast API root. @default "https://console.vast.ai/api/v0" */
  readonly baseUrl?: string;
  /** Poll, timeout and retry settings of the provider. @default DEFAULT_TIMING */
  readonly timing?: Partial<VastTiming>;
}

/**
 * One burst pool: `desired` rented Vast.ai hosts (`vast:Instance`) running the pool's recipe, each
 * joining the tailnet as `<pool>-<n>` and destroying itself when idle or over its budget guard.
 * Which offer each host rents is decided at create time by core `selectBurstOffers`; the budget
 * check is core's `burst-budget`. Here, only the hard cap: never more than `maxHosts`.
 */
export class BurstPool extends pulumi.ComponentResource {
  readonly hosts: readonly VastInstance[];
  /** The engines' OpenAI-compatible URLs on the tailnet, one per host. */
  readonly endpoints: pulumi.Output<string[]>;

  constructor(name: string, args: BurstPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:burst:BurstPool", name, {}, opts);
    const pool = args.fleet.burst?.pools.find((p) => p.name === args.pool);
    if (!pool) throw new pulumi.ResourceError(`burst pool '${args.pool}' is not in the fleet (pools: ${args.fleet.burst?.pools.map((p) => p.name).join(", ") || "none"})`, this);
    const desired = args.desired ?? pool.desired;
    if (!Number.isInteger(desired) || desired < 0 || desired > pool.maxHosts) {
      throw new pulumi.ResourceError(`burst pool ${pool.name} wants ${desired} hosts but maxHosts is ${pool.maxHosts}: lower desired or raise maxHosts`, this);
    }
    const stack = args.stack ?? pulumi.getStack();
    this.hosts = Array.from({ length: desired }, (_, i) => {
      const host = burstHostInputs(args.fleet, pool.name, i + 1);
      const missing = host.secretEnvNames.filter((n) => args.secretEnv?.[n] === undefined);
      if (missing.length > 0) throw new pulumi.ResourceError(`burst pool ${pool.name}: the engine needs secret env ${missing.join(", ")}; pass it in secretEnv`, this);
      const secretEnv = Object.fromEntries(host.secretEnvNames.map((n) => [n, args.secretEnv?.[n] as pulumi.Input<string>]));
      return new VastInstance(`${name}-host-${host.hostIndex}`, {
        apiKey: args.apiKey,
        ...(args.baseUrl ? { baseUrl: args.baseUrl } : {}),
        label: `fabric-${stack}-${pool.name}-${host.hostIndex}`,
        pool: pool.name,
        hostIndex: host.hostIndex,
        recipeHash: host.recipeHash,
        request: host.request,
        boot: host.boot,
        fleet: args.fleet,
        instanceEnv: { ...secretEnv, TS_AUTHKEY: args.meshAuthKey },
        ...(args.timing ? { timing: args.timing } : {}),
      }, { parent: this });
    });
    this.endpoints = pulumi.all(this.hosts.map((h) => h.endpoint));
    this.registerOutputs({ endpoints: this.endpoints, instanceIds: this.hosts.map((h) => h.instanceId) });
  }
}

/** What core says about host `hostIndex` (1-based) of a pool, before any offer is chosen. */
export interface BurstHostInputs {
  readonly hostIndex: number;
  readonly recipeHash: string;
  readonly request: BurstRequest;
  /** Boot-script input per hardware option, at the pool's price cap (the provider completes it for the rented offer). */
  readonly boot: Readonly<Record<string, BurstBootScriptInput>>;
  /** Secret env names the engine reads (values go into the instance environment). */
  readonly secretEnvNames: readonly string[];
}

/**
 * The provider inputs core computes for one host. Core renders per GPU here, in the program: its
 * catalogs use Maps, which the provider's serialized closure cannot carry (vast-launch.ts).
 */
export function burstHostInputs(fleet: Fleet, poolName: string, hostIndex: number): BurstHostInputs {
  const request = burstRequest(fleet, poolName);
  const pool = fleet.burst?.pools.find((p) => p.name === poolName);
  const recipe = pool ? fleet.recipes[pool.recipe] : undefined;
  if (!pool || !recipe) throw new Error(`burstHostInputs: pool '${poolName}' or its recipe is not in the fleet`);
  const boot = Object.fromEntries(request.hardware.map((h) =>
    [h.hardwareId, burstBootScriptInput(fleet, poolName, { hostIndex, hardwareId: h.hardwareId, pricePerHour: pool.maxPricePerHour })]));
  const secretEnvNames = [...new Set(Object.values(boot).flatMap((b) => b.secretEnvNames))].sort();
  return { hostIndex, recipeHash: recipeHash(recipe), request, boot, secretEnvNames };
}
