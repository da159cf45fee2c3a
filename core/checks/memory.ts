import type { Violation } from "../plan/types";
import type { ResolvedFleet, ResolvedInstance } from "../plan/resolve";
import { type Check, error, firstReplicas, gib, warning } from "./check";

/** Headroom a unified-memory machine (DGX Spark) keeps for the OS, containers and page cache. */
const UNIFIED_MEMORY_HEADROOM = 0.1;

/** Each deployment's engine fits its GPU budget with room for at least one max-length sequence. */
export const memoryFit: Check = {
  name: "memory-fit",
  description: "Weights, activations, runtime overhead and the KV cache for one max-length sequence fit the engine's GPU budget.",
  run(fleet) {
    const out: Violation[] = [];
    const unsized = new Set<string>();
    for (const d of firstReplicas(fleet)) {
      if (!d.machine?.hardware) continue; // unknown-reference reports it
      for (const r of d.recipes) {
        if (!r.architecture && !unsized.has(r.name)) {
          unsized.add(r.name);
          out.push(error("memory-fit", `recipes.${r.name}.model`,
            `cannot size '${r.recipe.model.id}': it is not in the model catalog; set model.config to a catalog id or inline architecture numbers (layers, hiddenSize, attentionHeads, kvHeads, paramsBillion)`));
        }
      }
      if (d.fit && !d.fit.fits) {
        out.push(error("memory-fit", d.path, `${d.spec.name} on ${d.machine.spec.name} (${d.machine.spec.hardware}): ${d.fit.message}`));
      }
    }
    return out;
  },
};

/** Engines sharing a GPU never promise more than the GPU has (utilisations sum to at most 1). */
export const gpuOversubscription: Check = {
  name: "gpu-oversubscription",
  description: "Memory budgets of engines that share one GPU sum to at most the GPU (gpu-memory-utilization fractions ≤ 1).",
  run(fleet) {
    const out: Violation[] = [];
    const tenantsOf = new Map<ResolvedFleet["machines"][number], ResolvedInstance[]>();
    for (const d of fleet.instances) if (d.machine) { const list = tenantsOf.get(d.machine) ?? []; list.push(d); tenantsOf.set(d.machine, list); }
    for (const machine of fleet.machines) {
      if (!machine.hardware || machine.memoryGiB === undefined) continue;
      const tenants = tenantsOf.get(machine) ?? [];
      for (const d of tenants) {
        // GPUs the user listed; defaults follow tensorParallel, which deployment-placement reports at the recipe.
        const bad = d.spec.gpuIndices?.find((g) => g >= machine.spec.gpus);
        if (bad !== undefined) {
          out.push(error("gpu-oversubscription", `${d.path}.gpuIndices`,
            `${d.name} asks for GPU ${bad} but ${machine.spec.name} has ${machine.spec.gpus} GPU(s) (indices 0-${machine.spec.gpus - 1})`));
        }
      }
      const indices = machine.hardware.family === "cpu" ? [-1] : [...new Set(tenants.flatMap((d) => d.gpuIndices))].sort((a, b) => a - b);
      for (const index of indices) {
        const sharing = tenants.filter((d) => d.fit && (index === -1 || d.gpuIndices.includes(index)));
        out.push(...oversubscribed(machine.spec.name, machine.memoryGiB, machine.hardware.unifiedMemory, index, sharing));
      }
    }
    return out;
  },
};

function oversubscribed(machine: string, totalGiB: number, unified: boolean, index: number, sharing: readonly ResolvedInstance[]): Violation[] {
  if (sharing.length === 0) return [];
  const parts = sharing.map((d) => ({ name: d.name, path: d.path, fraction: (d.fit?.budgetGiB ?? 0) / totalGiB }));
  const sum = parts.reduce((s, p) => s + p.fraction, 0);
  const where = index === -1 ? machine : `${machine} GPU ${index}`;
  const detail = parts.map((p) => `${p.name} ${p.fraction.toFixed(2)}`).join(" + ");
  const path = parts[parts.length - 1]?.path ?? "deployments";
  if (sum > 1 + 1e-9) {
    return [error("gpu-oversubscription", path,
      `${where}: engines claim ${sum.toFixed(2)} of ${gib(totalGiB)} GiB (${detail}) = ${gib(sum * totalGiB)} GiB; lower gpuMemoryUtilization or move a deployment to another GPU`)];
  }
  if (unified && sum > 1 - UNIFIED_MEMORY_HEADROOM) {
    return [warning("gpu-oversubscription", path,
      `${where} has unified memory shared with the OS: engines claim ${sum.toFixed(2)} (${detail}), leaving ${gib((1 - sum) * totalGiB)} GiB for everything else; keep at least ${UNIFIED_MEMORY_HEADROOM * 100}%`)];
  }
  return [];
}
