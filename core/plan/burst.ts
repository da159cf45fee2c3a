import { defaultEngineImage } from "../catalog/engines";
import { findHardware } from "../catalog/hardware";
import type { Fleet } from "../fleet/schema";
import { renderEngine } from "../render/engines";
import { recipeHash } from "../render/recipe-hash";
import type { BurstPlan } from "./types";

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
      }];
    }),
  };
}
