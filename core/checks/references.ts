import { didYouMean } from "../catalog/did-you-mean";
import { findHardware, hardwareCatalog } from "../catalog/hardware";
import { findModel, modelCatalog } from "../catalog/models";
import type { Violation } from "../plan/types";
import type { ResolvedFleet } from "../plan/resolve";
import { type Check, error } from "./check";

const RULE = "unknown-reference";

function unknown(path: string, kind: string, value: string, known: readonly string[]): Violation {
  const guess = didYouMean(value, known);
  const fix = guess ? `did you mean '${guess}'?` : `known: ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", ..." : ""}`;
  return error(RULE, path, `unknown ${kind} '${value}': ${fix}`);
}

/** Every name the fleet refers to exists: hardware, machines, recipes, model configs. */
export const unknownReference: Check = {
  name: RULE,
  description: "Every machine, recipe, hardware id and model config a fleet refers to exists.",
  run({ fleet }) {
    const out: Violation[] = [];
    const hardwareIds = hardwareCatalog.map((h) => h.id);
    const machineNames = fleet.machines.map((m) => m.name);
    const recipeNames = Object.keys(fleet.recipes);
    const machineRef = (path: string, name: string) => {
      if (!machineNames.includes(name)) out.push(unknown(path, "machine", name, machineNames));
    };
    const recipeRef = (path: string, name: string) => {
      if (!recipeNames.includes(name)) out.push(unknown(path, "recipe", name, recipeNames));
    };
    fleet.machines.forEach((m, i) => {
      if (!findHardware(m.hardware)) out.push(unknown(`machines[${i}].hardware`, "hardware", m.hardware, hardwareIds));
    });
    fleet.deployments.forEach((d, i) => {
      if (d.machine !== undefined) machineRef(`deployments[${i}].machine`, d.machine);
      else if (d.cluster === undefined) out.push(error(RULE, `deployments[${i}]`, `missing placement: add 'machine: <name>' (one of ${machineNames.join(", ")}) or 'cluster: <name>' with 'nodePool: <pool>'`));
      if (d.recipe !== undefined && d.swap !== undefined) {
        out.push(error(RULE, `deployments[${i}]`, `give either recipe or swap, not both`));
      } else if (d.recipe === undefined && d.swap === undefined) {
        out.push(error(RULE, `deployments[${i}]`, `missing recipe: add 'recipe: <name>' (one of ${recipeNames.join(", ") || "no recipes yet"}) or a 'swap' slot`));
      }
      if (d.recipe !== undefined) recipeRef(`deployments[${i}].recipe`, d.recipe);
      d.swap?.recipes.forEach((r, j) => recipeRef(`deployments[${i}].swap.recipes[${j}]`, r));
    });
    for (const [name, recipe] of Object.entries(fleet.recipes)) {
      const config = recipe.model.config;
      if (typeof config === "string" && !findModel(config)) {
        out.push(unknown(`recipes.${name}.model.config`, "model config", config, modelCatalog.map((m) => m.id)));
      }
      if (recipe.model.source === "store" && !fleet.storage) {
        out.push(error(RULE, `recipes.${name}.model.source`, `model source 'store' needs a 'storage' section (MinIO); add one or use source: hub`));
      }
    }
    if (fleet.gateway) machineRef("gateway.machine", fleet.gateway.machine);
    if (fleet.storage) machineRef("storage.machine", fleet.storage.machine);
    if (fleet.monitoring) machineRef("monitoring.machine", fleet.monitoring.machine);
    if (fleet.burst?.autoscaler) machineRef("burst.autoscaler.machine", fleet.burst.autoscaler.machine);
    fleet.burst?.pools.forEach((p, i) => {
      recipeRef(`burst.pools[${i}].recipe`, p.recipe);
      p.gpu.forEach((g, j) => {
        if (!findHardware(g)) out.push(unknown(`burst.pools[${i}].gpu[${j}]`, "hardware", g, hardwareIds));
      });
    });
    return out;
  },
};

/** Names that must be unique: machines, deployments (after replica expansion), burst pools and their host slots, providers, routes. */
export const duplicateName: Check = {
  name: "duplicate-name",
  description: "Machine, deployment, burst pool (and host slot), route and cloud provider names are unique.",
  run(resolved) {
    const out: Violation[] = [];
    const seen = new Map<string, string>();
    const claim = (path: string, kind: string, name: string) => {
      const previous = seen.get(`${kind}:${name}`);
      if (previous) out.push(error("duplicate-name", path, `${kind} name '${name}' is already used at ${previous}: rename one`));
      else seen.set(`${kind}:${name}`, path);
    };
    resolved.fleet.machines.forEach((m, i) => claim(`machines[${i}].name`, "machine", m.name));
    resolved.instances.forEach((d) => claim(`${d.path}.name`, "deployment", d.name));
    // A pool is a route target like a deployment, and its host slots join the tailnet as `<pool>-<n>`.
    resolved.fleet.burst?.pools.forEach((p, i) => {
      claim(`burst.pools[${i}].name`, "deployment", p.name);
      for (let n = 1; n <= p.maxHosts; n++) {
        claim(`burst.pools[${i}].name`, "deployment", `${p.name}-${n}`);
        claim(`burst.pools[${i}].name`, "machine", `${p.name}-${n}`);
      }
    });
    resolved.fleet.gateway?.providers.forEach((p, i) => claim(`gateway.providers[${i}].name`, "model", p.name));
    resolved.fleet.gateway?.routes.forEach((r, i) => claim(`gateway.routes[${i}].name`, "model", r.name));
    return out;
  },
};
