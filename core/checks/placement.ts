import type { Violation } from "../plan/types";
import { type Check, error, firstReplicas } from "./check";

const MAX_PORT = 65535;

/**
 * A deployment's GPUs, ports and context are ones the machine and the model can give: tensor
 * parallel within the GPUs it lists (or the machine has), every replica's port a real port, and a
 * context no longer than the model was trained for (vLLM refuses one longer at start-up).
 */
export const deploymentPlacement: Check = {
  name: "deployment-placement",
  description: "Tensor parallel fits the deployment's GPUs, replica ports stay ≤ 65535, maxModelLen ≤ the model's context.",
  run(fleet) {
    const out: Violation[] = [];
    for (const d of firstReplicas(fleet)) {
      const spec = d.spec;
      const lastPort = spec.port + spec.replicas - 1;
      // Cluster deployments: every pod has the port; GPUs per node are the cluster-capacity check's.
      if (d.cluster) continue;
      if (lastPort > MAX_PORT) {
        out.push(error("deployment-placement", `${d.path}.replicas`,
          `${spec.name}: ${spec.replicas} replicas from port ${spec.port} need ports up to ${lastPort}, past ${MAX_PORT}: lower port or replicas`));
      }
      const machine = d.machine;
      if (!machine?.hardware || machine.hardware.family === "cpu") continue;
      for (const r of d.recipes) {
        const tp = r.recipe.tensorParallel;
        if (spec.gpuIndices !== undefined && tp > spec.gpuIndices.length) {
          out.push(error("deployment-placement", `recipes.${r.name}.tensorParallel`,
            `${spec.name} lists ${spec.gpuIndices.length} GPU(s) in gpuIndices but recipe ${r.name} has tensorParallel ${tp}: list ${tp} GPUs or lower tensorParallel`));
        } else if (spec.gpuIndices === undefined && tp > machine.spec.gpus) {
          out.push(error("deployment-placement", `recipes.${r.name}.tensorParallel`,
            `recipe ${r.name} has tensorParallel ${tp} but ${machine.spec.name} has ${machine.spec.gpus} GPU(s): lower tensorParallel or set machines[].gpus`));
        }
      }
    }
    for (const [name, recipe] of Object.entries(fleet.fleet.recipes)) {
      const maxContext = fleet.recipes.get(name)?.architecture?.maxContext;
      if (maxContext !== undefined && recipe.maxModelLen > maxContext) {
        out.push(error("deployment-placement", `recipes.${name}.maxModelLen`,
          `maxModelLen ${recipe.maxModelLen} is longer than ${recipe.model.id}'s context of ${maxContext} tokens (the engine refuses to start): lower it to ${maxContext} or less`));
      }
    }
    return out;
  },
};
