import type { ContainerSpec, Plan } from "../core/plan/types";

/** A container of the plan and the machine it runs on. */
export interface PlacedContainer {
  readonly machine: string;
  readonly spec: ContainerSpec;
}

/** Every container the plan runs: exporters, engines and their model syncs, gateway, monitoring, store. */
export function placedContainers(plan: Plan): PlacedContainer[] {
  const on = (machine: string, specs: readonly ContainerSpec[]) => specs.map((spec) => ({ machine, spec }));
  return [
    ...plan.machines.flatMap((m) => on(m.name, m.exporters)),
    // A cluster engine is a pod of a Kubernetes Deployment (components/kubernetes), not a container on a machine.
    ...plan.engines.filter((e) => e.cluster === null).flatMap((e) => on(e.machine, e.modelSync ? [e.container, e.modelSync.container] : [e.container])),
    ...(plan.gateway ? on(plan.gateway.machine, [plan.gateway.container]) : []),
    ...(plan.monitoring ? on(plan.monitoring.machine, [plan.monitoring.container]) : []),
    ...(plan.store ? on(plan.store.machine, [plan.store.container]) : []),
    ...(plan.autoscaler ? on(plan.autoscaler.machine, [plan.autoscaler.container]) : []),
  ];
}
