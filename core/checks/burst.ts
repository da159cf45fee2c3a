import { findHardware } from "../catalog/hardware";
import { quantizationSupport } from "../catalog/quantization-support";
import { fitRecipe } from "../plan/resolve";
import type { Violation } from "../plan/types";
import { type Check, error } from "./check";

/** Burst pools cannot spend more per hour than the budget, even at every host's price cap. */
export const burstBudget: Check = {
  name: "burst-budget",
  description: "The sum over burst pools of maxHosts × maxPricePerHour stays within budgetPerHour; desired and the slot addresses ≤ maxHosts.",
  run({ fleet }) {
    const burst = fleet.burst;
    if (!burst) return [];
    const out: Violation[] = [];
    burst.pools.forEach((p, i) => {
      if (p.desired > p.maxHosts) {
        out.push(error("burst-budget", `burst.pools[${i}].desired`, `pool ${p.name} wants ${p.desired} hosts but maxHosts is ${p.maxHosts}: lower desired or raise maxHosts`));
      }
      if ((p.slotAddresses?.length ?? 0) > p.maxHosts) {
        out.push(error("burst-budget", `burst.pools[${i}].slotAddresses`, `pool ${p.name} lists ${p.slotAddresses?.length} slot addresses but has ${p.maxHosts} host slots (maxHosts): drop the extra addresses or raise maxHosts`));
      }
    });
    const worst = burst.pools.reduce((sum, p) => sum + p.maxHosts * p.maxPricePerHour, 0);
    if (worst > burst.budgetPerHour + 1e-9) {
      const detail = burst.pools.map((p) => `${p.name} ${p.maxHosts} × $${p.maxPricePerHour.toFixed(2)}`).join(" + ");
      out.push(error("burst-budget", "burst.budgetPerHour",
        `pools can spend $${worst.toFixed(2)}/h (${detail}) but the budget is $${burst.budgetPerHour.toFixed(2)}/h: lower maxHosts or maxPricePerHour, or raise budgetPerHour`));
    }
    return out;
  },
};

/**
 * Burst pools get the deployments' memory-fit and quantization-supported checks, for every GPU they
 * may rent: a pool GPU the recipe does not fit, or has no kernels on, would be rented for nothing.
 */
export const burstPoolHardware: Check = {
  name: "burst-pool-hardware",
  description: "Each GPU a burst pool may rent fits the pool's recipe (memory-fit) and has kernels for its quantisation (quantization-supported).",
  run({ fleet, recipes }) {
    const out: Violation[] = [];
    fleet.burst?.pools.forEach((pool, i) => {
      const recipe = recipes.get(pool.recipe);
      if (!recipe) return; // unknown-reference reports it
      pool.gpu.forEach((gpuId, j) => {
        const hardware = findHardware(gpuId);
        if (!hardware) return;
        const path = `burst.pools[${i}].gpu[${j}]`;
        const moe = (recipe.architecture?.experts?.total ?? 0) > 1;
        const verdict = quantizationSupport(recipe.recipe.quantization, recipe.recipe.engine, hardware, { moe });
        if (!verdict.supported) {
          out.push(error("quantization-supported", path, `pool ${pool.name} may rent ${hardware.id}, which cannot run recipe ${pool.recipe}: ${verdict.reason}; remove ${hardware.id} from the pool's gpu list`));
          return;
        }
        const fit = fitRecipe(recipe, { hardware, memoryGiB: hardware.memoryGiB });
        if (fit && !fit.fits) {
          out.push(error("memory-fit", path, `pool ${pool.name} may rent ${hardware.id}, which recipe ${pool.recipe} does not fit: ${fit.message}; remove ${hardware.id} from the pool's gpu list or shrink the recipe`));
        }
      });
    });
    return out;
  },
};
