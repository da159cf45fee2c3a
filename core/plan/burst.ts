import { defaultEngineImage, engineProfile } from "../catalog/engines";
import { findHardware } from "../catalog/hardware";
import type { Fleet } from "../fleet/schema";
import { renderEngine } from "../render/engines";
import { recipeHash } from "../render/recipe-hash";
import type { BurstPlan, BurstSlotPlan } from "./types";

type BurstPoolSpec = NonNullable<Fleet["burst"]>["pools"][number];

/**
 * Every host slot a pool may have (1..maxHosts), whether or not a host is rented in it now: the
 * gateway has one entry per slot and Prometheus one target, so hosts come and go without a config
 * change. How a slot's base URL is derived, and overridden:
 *
 * - host name `<pool>-<n>`: the tailnet hostname host n joins with (the boot script's
 *   `tailscale up --hostname`); its Vast label is `fabric-<stack>-<pool>-<n>` (core/burst/host-label.ts),
 *   which is how a provider — the real Vast one or a fake — knows which slot a rented host fills;
 * - address: `<pool>-<n>.<mesh.tailnet>` (MagicDNS) when the tailnet is a `*.ts.net` name, else the
 *   bare `<pool>-<n>` (MagicDNS search domain); port: `burst.port` (default 8000);
 * - override: `burst.pools[].slotAddresses[n-1] = {address, port}` replaces both for slot n (e.g.
 *   `{address: 127.0.0.1, port: 41234}` for a local engine standing in for host n);
 * - base URL: `http://<address>:<port>/v1`; metrics at `<address>:<port>` on the engine's metrics path.
 */
export function burstSlots(fleet: Pick<Fleet, "burst" | "mesh">, pool: BurstPoolSpec): BurstSlotPlan[] {
  const port = fleet.burst?.port ?? 8000;
  const tailnet = fleet.mesh?.tailnet;
  return Array.from({ length: pool.maxHosts }, (_, i): BurstSlotPlan => {
    const hostName = `${pool.name}-${i + 1}`;
    const override = pool.slotAddresses?.[i];
    const address = override?.address ?? (tailnet?.endsWith(".ts.net") ? `${hostName}.${tailnet}` : hostName);
    const slotPort = override?.port ?? port;
    return { hostIndex: i + 1, hostName, address, port: slotPort, baseUrl: `http://${address}:${slotPort}/v1` };
  });
}

/** Burst pools as requests: what each rented host would run. Offer selection and the API live in the burst issue. */
export function planBurst(fleet: Fleet): BurstPlan | null {
  const burst = fleet.burst;
  if (!burst) return null;
  return {
    provider: burst.provider,
    budgetPerHour: burst.budgetPerHour,
    apiKeySecret: typeof burst.apiKey === "object" ? burst.apiKey.secret : null,
    pools: burst.pools.flatMap((pool) => {
      const recipe = fleet.recipes[pool.recipe];
      const hardware = pool.gpu.map(findHardware).find((h) => h !== undefined);
      if (!recipe || !hardware) return [];
      const render = renderEngine({
        deployment: pool.name, servedName: pool.servedName ?? pool.name, recipeName: pool.recipe, recipe, hardware,
        listenHost: "0.0.0.0", port: burst.port, modelPath: null, hasHfToken: typeof fleet.huggingFaceToken === "object",
      });
      return [{
        name: pool.name,
        recipe: pool.recipe,
        recipeHash: recipeHash(recipe),
        desired: pool.desired,
        maxHosts: pool.maxHosts,
        maxPricePerHour: pool.maxPricePerHour,
        selection: pool.selection,
        image: recipe.image ?? defaultEngineImage(recipe.engine, hardware, recipe.engineVersion),
        argv: [...(render.entrypoint ?? []), ...render.args],
        servedName: pool.servedName ?? pool.name,
        contextWindow: recipe.maxModelLen,
        mode: recipe.engine === "tei" ? "embedding" as const : "chat" as const,
        metricsJob: engineProfile(recipe.engine).metricsJob,
        metricsPath: render.metricsPath,
        slots: burstSlots(fleet, pool),
      }];
    }),
  };
}
