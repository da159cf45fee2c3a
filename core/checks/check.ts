import type { Violation } from "../plan/types";
import type { ResolvedFleet } from "../plan/resolve";

/** A named rule over the resolved fleet. The same names appear in `fabric check` and the policy pack. */
export interface Check {
  /** kebab-case rule name. */
  readonly name: string;
  readonly description: string;
  readonly run: (fleet: ResolvedFleet) => Violation[];
}

/** Builds an error-severity violation for a rule. */
export function error(rule: string, path: string, message: string): Violation {
  return { rule, severity: "error", path, message };
}

export function warning(rule: string, path: string, message: string): Violation {
  return { rule, severity: "warning", path, message };
}

/** The first replica of each deployment: per-deployment rules report once, not once per replica. */
export function firstReplicas(fleet: ResolvedFleet): ResolvedFleet["instances"] {
  return fleet.instances.filter((i) => i.replica === 0);
}

/** Formats GiB with one decimal, as every message does. */
export function gib(n: number): string {
  return n.toFixed(1);
}
