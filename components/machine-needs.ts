import type { Plan } from "../core/plan/types";
import { isHostPath } from "./docker/container-args";
import { placedContainers } from "./plan-containers";

/** What one machine's Docker must have before its containers start. */
export interface MachineNeeds {
  /** Images to pull, sorted. */
  readonly images: readonly string[];
  /** Named volumes to create, sorted (host paths are bind mounts and not listed). */
  readonly volumes: readonly string[];
}

/**
 * Per machine, the images and named volumes of every container the plan puts there, plus the `mc`
 * image on the store's machine for the store setup. Collected from the plan, not decided here.
 */
export function machineNeeds(plan: Plan, mcImage: string): Map<string, MachineNeeds> {
  const images = new Map<string, Set<string>>();
  const volumes = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, machine: string, value: string) => map.set(machine, (map.get(machine) ?? new Set()).add(value));
  for (const { machine, spec } of placedContainers(plan)) {
    add(images, machine, spec.image);
    for (const v of spec.volumes) if (!isHostPath(v.volume)) add(volumes, machine, v.volume);
  }
  if (plan.store) add(images, plan.store.machine, mcImage);
  const machines = new Set([...images.keys(), ...volumes.keys()]);
  return new Map([...machines].map((m) => [m, {
    images: [...(images.get(m) ?? [])].sort(),
    volumes: [...(volumes.get(m) ?? [])].sort(),
  }]));
}
