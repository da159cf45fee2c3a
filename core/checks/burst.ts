import type { Violation } from "../plan/types";
import { type Check, error } from "./check";

/** Burst pools cannot spend more per hour than the budget, even at every host's price cap. */
export const burstBudget: Check = {
  name: "burst-budget",
  description: "The sum over burst pools of maxHosts × maxPricePerHour stays within budgetPerHour; desired ≤ maxHosts.",
  run({ fleet }) {
    const burst = fleet.burst;
    if (!burst) return [];
    const out: Violation[] = [];
    burst.pools.forEach((p, i) => {
      if (p.desired > p.maxHosts) {
        out.push(error("burst-budget", `burst.pools[${i}].desired`, `pool ${p.name} wants ${p.desired} hosts but maxHosts is ${p.maxHosts}: lower desired or raise maxHosts`));
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
