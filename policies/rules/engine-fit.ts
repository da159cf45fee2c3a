// Memory: each engine fits its GPU budget, and engines sharing a GPU do not promise more than it has.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { gib } from "../../core/checks/check";
import { gpuOversubscription as gpuOversubscriptionCheck, memoryFit as memoryFitCheck } from "../../core/checks/memory";
import { findHardware } from "../../core/catalog/hardware";
import { CONTAINER, type ContainerView, containerView, describeContainer, isLabelledEngine, LABEL, stackContainers } from "../container-props";
import { checkMode, type FleetConfig, fleetFileProperty, instanceOf, runCheck } from "../fleet-context";

/** The budget an engine's labels declare, in GiB; undefined when it was never computed. */
function budgetGiB(labels: Readonly<Record<string, string>>): number | undefined {
  const value = Number(labels[LABEL.memoryBudgetGiB]);
  return Number.isFinite(value) && labels[LABEL.memoryBudgetGiB] !== "" && labels[LABEL.memoryBudgetGiB] !== undefined ? value : undefined;
}

/**
 * Label-only memory findings of one engine (a Docker container's labels or a Kubernetes pod
 * template's, `who` naming it): a budget that was never computed, or one larger than the GPU.
 */
export function labelMemoryFindings(labels: Readonly<Record<string, string>>, who: string): string[] {
  const hardwareId = labels[LABEL.hardware] ?? "";
  const hardware = findHardware(hardwareId);
  const budget = budgetGiB(labels);
  if (budget === undefined) {
    return [`${who}: its memory budget is '${labels[LABEL.memoryBudgetGiB] ?? "missing"}', so its fit was never computed (the model is not in the catalog): give the recipe a model.config, or set fleetFile for fabric check's full answer`];
  }
  if (hardware && budget > hardware.memoryGiB + 1e-9) {
    return [`${who}: claims ${gib(budget)} GiB but ${hardwareId} has ${gib(hardware.memoryGiB)} GiB: lower gpuMemoryUtilization`];
  }
  return [];
}

/** The GPU indices a container gets: fabric.gpus, else Docker's `gpus` (`device=0,1`, a count, or `all`). */
export function gpuIndices(c: ContainerView): number[] | "all" | undefined {
  const label = c.labels[LABEL.gpus];
  if (label !== undefined && label !== "") return label.split(",").filter((g) => g !== "").map(Number);
  const docker = c.gpus?.replace(/["']/g, "").trim();
  if (docker === undefined || docker === "") return undefined;
  if (docker === "all") return "all";
  if (/^\d+$/.test(docker)) return Array.from({ length: Number(docker) }, (_, i) => i);
  const device = /(?:^|,)\s*device=([\d,\s]+)/.exec(docker);
  return device ? (device[1] ?? "").split(",").map((d) => d.trim()).filter((d) => /^\d+$/.test(d)).map(Number) : undefined;
}

export const memoryFit: ResourceValidationPolicy = {
  name: memoryFitCheck.name,
  description: `${memoryFitCheck.description} With fleetFile, the fabric check answer for the container's deployment; without it, the budget its labels carry (computed, and no larger than the GPU).`,
  enforcementLevel: "mandatory",
  configSchema: { properties: { fleetFile: fleetFileProperty } },
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const c = containerView(args.name, args.props);
    if (!isLabelledEngine(c)) return;
    const mode = checkMode(args.getConfig<FleetConfig>(), [c]);
    if (mode.kind === "resources") {
      if (mode.problem) report(mode.problem);
      labelMemoryFindings(c.labels, describeContainer(c)).forEach((m) => report(m));
      return;
    }
    const instance = instanceOf(mode.fleet, c);
    const recipePaths = (instance?.recipes ?? []).map((r) => `recipes.${r.name}.`);
    for (const f of runCheck(mode.fleet, memoryFitCheck)) {
      if (f.path === instance?.path || recipePaths.some((p) => f.path.startsWith(p))) report(f.message);
    }
  },
};

export const gpuOversubscription: StackValidationPolicy = {
  name: gpuOversubscriptionCheck.name,
  description: `${gpuOversubscriptionCheck.description} With fleetFile, the fabric check answer; without it, the fabric.memory-budget-gib labels summed per machine and GPU against the catalog's GPU memory.`,
  enforcementLevel: "mandatory",
  configSchema: { properties: { fleetFile: fleetFileProperty } },
  validateStack: (args, report) => {
    const engines = stackContainers(args.resources).filter(isLabelledEngine);
    const mode = checkMode(args.getConfig<FleetConfig>(), engines);
    if (mode.kind === "fleet") {
      for (const f of runCheck(mode.fleet, gpuOversubscriptionCheck)) {
        const on = engines.find((c) => instanceOf(mode.fleet, c)?.path === f.path.replace(/\.gpuIndices$/, ""));
        report(f.message, on?.urn);
      }
      return;
    }
    if (mode.problem) report(mode.problem);
    // One tenant list per machine and GPU index: the fabric.gpus label, else Docker's own `gpus`
    // request (what Docker really hands the container); a CPU host (neither) is one pool, index -1.
    const pools = new Map<string, typeof engines>();
    const indices = engines.map((c) => gpuIndices(c));
    engines.forEach((c, i) => {
      if (budgetGiB(c.labels) === undefined) return; // memory-fit reports it
      const own = indices[i];
      // `all`: every GPU the host's other engines use (at least GPU 0).
      const gpus = own === "all"
        ? [...new Set([0, ...engines.flatMap((o, j) => (o.host === c.host && Array.isArray(indices[j]) ? indices[j] as number[] : []))])]
        : own ?? [];
      for (const index of gpus.length > 0 ? gpus : [-1]) {
        const key = `${c.host}\u0000${index}`;
        pools.set(key, [...(pools.get(key) ?? []), c]);
      }
    });
    for (const [key, tenants] of pools) {
      const [host = "", index = "-1"] = key.split("\u0000");
      const machine = tenants[0]?.hostName ?? host;
      const hardwareId = tenants[0]?.labels[LABEL.hardware] ?? "";
      const total = findHardware(hardwareId)?.memoryGiB;
      if (total === undefined) continue;
      const parts = tenants.map((c) => ({ name: c.labels[LABEL.deployment] ?? c.name, fraction: (budgetGiB(c.labels) ?? 0) / total }));
      const sum = parts.reduce((s, p) => s + p.fraction, 0);
      if (sum <= 1 + 1e-9) continue;
      const where = index === "-1" ? machine : `${machine} GPU ${index}`;
      const detail = parts.map((p) => `${p.name} ${p.fraction.toFixed(2)}`).join(" + ");
      report(`${where} (${hardwareId}): engines claim ${sum.toFixed(2)} of ${gib(total)} GiB (${detail}) = ${gib(sum * total)} GiB; lower gpuMemoryUtilization or move a deployment to another GPU`,
        tenants[tenants.length - 1]?.urn);
    }
  },
};
