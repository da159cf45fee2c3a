import { HF_HOME_PATH, MODEL_CACHE_PATH, defaultEngineImage } from "../catalog/engines";
import { findHardware } from "../catalog/hardware";
import type { Fleet } from "../fleet/schema";
import type { BurstBootScriptInput } from "../render/burst-boot-script";
import { renderEngine } from "../render/engines";
import { roleTag } from "../render/tailscale-policy";
import { burstHostMaxHours } from "./budget";
import { activityProbe, imageEntrypoint } from "./engine-facts";
import { bootTimeoutMinutes } from "./boot-timeout";

/**
 * Static Tailscale build a burst host installs when its image has none: the newest `tailscale.com`
 * module version on the Go proxy when this was written (even minor = stable track). The tarball
 * URL pkgs.tailscale.com/stable/tailscale_<version>_<arch>.tgz follows Tailscale's published
 * layout; that this exact build is listed there is unverified [U].
 */
export const BURST_TAILSCALE_VERSION = "1.104.5";


/** The rented offer a script is rendered for (from a RankedOffer). */
export interface RentedHost {
  /** 1-based host number in the pool; the tailnet hostname is `<pool>-<hostIndex>`. */
  readonly hostIndex: number;
  /** Hardware catalog id the offer counts as. */
  readonly hardwareId: string;
  /** `dph_total` of the offer, $/hour. */
  readonly pricePerHour: number;
  /** The selection's estimate; sets the boot timeout. */
  readonly expectedSecondsToUseful?: number;
}

/**
 * The boot-script input for one host of a pool, from the fleet: the engine argv rendered for the
 * offer's GPU with the image's entrypoint in front, listening on 127.0.0.1 at `burst.port` and
 * fetching weights from the hub; the pool's idle minutes; the budget guard from
 * burstHostMaxHours; `tag:burst`. Throws naming the pool when it, its recipe or the GPU is unknown.
 */
export function burstBootScriptInput(fleet: Fleet, poolName: string, host: RentedHost): BurstBootScriptInput {
  const burst = fleet.burst;
  const pool = burst?.pools.find((p) => p.name === poolName);
  if (!burst || !pool) throw new Error(`burstBootScriptInput: no burst pool named '${poolName}'`);
  const recipe = fleet.recipes[pool.recipe];
  if (!recipe) throw new Error(`burstBootScriptInput: pool ${poolName}: recipe '${pool.recipe}' does not exist`);
  const hardware = findHardware(host.hardwareId);
  if (!hardware || !pool.gpu.includes(hardware.id)) {
    throw new Error(`burstBootScriptInput: pool ${poolName}: hardware '${host.hardwareId}' is not one of ${pool.gpu.join(", ")}`);
  }
  const hasHfToken = typeof fleet.huggingFaceToken === "object";
  const render = renderEngine({
    deployment: pool.name, servedName: pool.servedName ?? pool.name, recipeName: pool.recipe, recipe, hardware,
    listenHost: "127.0.0.1", port: burst.port, modelPath: null, hasHfToken,
  });
  const image = recipe.image ?? defaultEngineImage(recipe.engine, hardware, recipe.engineVersion);
  const expected = host.expectedSecondsToUseful ?? 0;
  return {
    pool: pool.name,
    hostIndex: host.hostIndex,
    tags: [roleTag("burst")],
    command: [...(render.entrypoint ?? imageEntrypoint(recipe.engine, image)), ...render.args],
    env: render.env,
    secretEnvNames: hasHfToken ? ["HF_TOKEN"] : [],
    files: render.files.map((f) => ({ path: f.containerPath, content: f.content })),
    port: burst.port,
    healthPath: render.healthPath,
    activity: activityProbe(recipe.engine, render.metricsPath),
    idleMinutes: burst.idleMinutes,
    maxHours: burstHostMaxHours(fleet, pool.name, host.pricePerHour),
    bootTimeoutMinutes: bootTimeoutMinutes(expected),
    cpuArch: hardware.cpuArch,
    tailscaleVersion: BURST_TAILSCALE_VERSION,
    directories: [MODEL_CACHE_PATH, HF_HOME_PATH],
  };
}
