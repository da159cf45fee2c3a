import type { Fleet } from "../fleet/schema";
import type { Violation } from "../plan/types";
import { type Check, error } from "./check";
import { flagName } from "./flag-args";

/** Flags with which an engine chooses where it listens (vLLM, SGLang, llama.cpp, TRT-LLM: --host; TEI: --hostname). */
const LISTEN_FLAGS = new Set(["--host", "--hostname", "--port", "--listen"]);
/** Values that mean every interface. */
const ANY_ADDRESS = /(^|[=:\s[])(0\.0\.0\.0|::|\[::\])($|[:\]\s])/;

/**
 * Engines have no authentication, so they listen on the mesh address or loopback only: a machine's
 * `bindAddress: 0.0.0.0`, or a recipe's extraArgs that set the listen address or port the fabric
 * renders, are refused unless the machine opts in with `allowPublicBind: true`.
 */
export const engineNotPublic: Check = {
  name: "engine-not-public",
  description: "No service listens on every interface (bindAddress 0.0.0.0, --host 0.0.0.0 in extraArgs) unless its machine sets allowPublicBind.",
  run({ fleet }) {
    const out: Violation[] = [];
    fleet.machines.forEach((m, i) => {
      if (m.bindAddress === "0.0.0.0" && !m.allowPublicBind) {
        out.push(error("engine-not-public", `machines[${i}].bindAddress`,
          `${m.name} would publish every service on all interfaces (0.0.0.0), and engines have no authentication: use the machine's mesh IP or 127.0.0.1, or set machines[${i}].allowPublicBind: true behind a firewall you control`));
      }
    });
    const publicMachines = new Set(fleet.machines.filter((m) => m.allowPublicBind).map((m) => m.name));
    const recipesOnPublicMachines = new Set(recipesPlacedOn(fleet, publicMachines));
    for (const [name, recipe] of Object.entries(fleet.recipes)) {
      recipe.extraArgs.forEach((arg, i) => {
        const path = `recipes.${name}.extraArgs[${i}]`;
        const flag = flagName(arg);
        if (flag !== undefined && LISTEN_FLAGS.has(flag)) {
          out.push(error("engine-not-public", path,
            `${flag} is rendered by the fabric from the machine's bindAddress and the deployment's port: remove it from extraArgs and set machines[].bindAddress or deployments[].port`));
        } else if (ANY_ADDRESS.test(arg) && !recipesOnPublicMachines.has(name)) {
          out.push(error("engine-not-public", path,
            `listens on every interface (0.0.0.0/::), and engines have no authentication: remove it, or set allowPublicBind: true on the machines that run recipe ${name}`));
        }
      });
    }
    return out;
  },
};

/** Recipes that run only on the given machines (any deployment elsewhere makes the recipe count as elsewhere). */
function recipesPlacedOn(fleet: Fleet, machines: ReadonlySet<string>): string[] {
  const elsewhere = new Set<string>();
  const placed = new Set<string>();
  for (const d of fleet.deployments) {
    for (const r of d.swap ? d.swap.recipes : d.recipe ? [d.recipe] : []) {
      (machines.has(d.machine ?? "") ? placed : elsewhere).add(r);
    }
  }
  return [...placed].filter((r) => !elsewhere.has(r));
}
