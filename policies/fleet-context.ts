// How a policy gets the fleet: the policy config key `fleetFile`, the same file the stack's
// `fabric:fleet` names. With it, a rule runs the core check of `fabric check` on that fleet, so rule
// names, paths and numbers are the ones `fabric check` prints. Without it, rules check what the
// resources themselves say (labels, args, uploaded configs).
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { formatViolation, loadFleetFile, withLines } from "../cli/load-fleet";
import type { Check } from "../core/checks/check";
import type { LineOf } from "../core/fleet/load";
import type { Fleet } from "../core/fleet/schema";
import { plan } from "../core/plan/plan";
import { type ResolvedFleet, type ResolvedInstance, resolveFleet } from "../core/plan/resolve";
import type { Plan, Violation } from "../core/plan/types";
import { type ContainerView, LABEL } from "./container-props";

/** Config every fleet-aware policy takes. */
export interface FleetConfig {
  /** Path of the stack's fleet file (absolute, or relative to the working directory or the project root). */
  readonly fleetFile?: string;
}

/** The `configSchema` property of {@link FleetConfig.fleetFile}. */
export const fleetFileProperty = {
  type: "string",
  description: "The stack's fleet file (what `fabric:fleet` names), absolute or relative to the project root. With it the rule runs the same check as `fabric check`; without it, only what the resources show is checked.",
} as const;

/** A fleet file loaded for the policies. */
export interface LoadedFleet {
  readonly status: "loaded";
  /** The path as the config gave it; messages use it, as `fabric check <file>` does. */
  readonly file: string;
  readonly fleet: Fleet;
  readonly resolved: ResolvedFleet;
  readonly plan: Plan;
  readonly lineOf: LineOf;
}

export type FleetContext =
  | { readonly status: "absent" }
  | { readonly status: "invalid"; readonly message: string }
  | LoadedFleet;

/** The project root: the pack lives in `<root>/policies`. */
const PROJECT_ROOT = resolve(__dirname, "..");

const cache = new Map<string, { readonly mtimeMs: number; readonly context: FleetContext }>();

/** Where a relative `fleetFile` is looked for: the working directory, then the project root. */
function locate(file: string): string | undefined {
  const candidates = isAbsolute(file) ? [file] : [resolve(process.cwd(), file), resolve(PROJECT_ROOT, file)];
  return candidates.find((c) => existsSync(c));
}

/** Loads (once per file version) the fleet a policy's config names. */
export function fleetContext(config: FleetConfig): FleetContext {
  const file = config.fleetFile;
  if (file === undefined || file === "") return { status: "absent" };
  const path = locate(file);
  if (!path) {
    return { status: "invalid", message: `policy config fleetFile '${file}' does not exist (looked in ${process.cwd()} and ${PROJECT_ROOT}): set it to the stack's fabric:fleet path` };
  }
  const mtimeMs = statSync(path).mtimeMs;
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.context;
  const loaded = loadFleetFile(path, { readFile: (p) => readFileSync(p, "utf8") });
  const context: FleetContext = loaded.ok
    ? { status: "loaded", file, fleet: loaded.fleet, resolved: resolveFleet(loaded.fleet), plan: plan(loaded.fleet), lineOf: loaded.lineOf }
    : { status: "invalid", message: `policy config fleetFile '${file}' is not a valid fleet (${firstProblems(loaded.violations)}): run 'fabric check ${file}'` };
  cache.set(path, { mtimeMs, context });
  return context;
}

/** The first few problems of a fleet that does not parse, for a one-line message. */
function firstProblems(violations: readonly Violation[]): string {
  const shown = violations.slice(0, 2).map((v) => `${v.path}: ${v.message}`).join("; ");
  return violations.length > 2 ? `${shown}; and ${violations.length - 2} more` : shown;
}

/** A core violation as the policy reports it: the `fabric check` line, and the fleet path it points at. */
export interface FleetFinding {
  readonly path: string;
  readonly message: string;
}

/** The error-severity findings of a core check on the fleet, worded as `fabric check` prints them. */
export function runCheck(ctx: LoadedFleet, check: Check): FleetFinding[] {
  const errors: Violation[] = check.run(ctx.resolved).filter((v) => v.severity === "error");
  return withLines(errors, ctx.lineOf).map((v) => ({ path: v.path, message: formatViolation(ctx.file, v) }));
}

/** The deployment instance an engine container runs, by its `fabric.deployment` label. */
export function instanceOf(ctx: LoadedFleet, container: ContainerView): ResolvedInstance | undefined {
  return ctx.resolved.instances.find((d) => d.name === container.labels[LABEL.deployment]);
}

/**
 * Why the fleet file does not describe these engine containers, if it does not: an engine the
 * fleet does not plan, or one whose recipe hash differs. Checking another fleet than the deployed
 * one would be worse than checking none, so rules fall back to the resources then.
 */
export function fleetMismatch(ctx: LoadedFleet, engines: readonly ContainerView[]): string | undefined {
  const planned = new Map(ctx.plan.engines.map((e) => [e.deployment, e.recipeHash]));
  for (const c of engines) {
    const deployment = c.labels[LABEL.deployment] ?? "";
    const hash = planned.get(deployment);
    if (hash === undefined) {
      return `policy config fleetFile '${ctx.file}' plans no deployment '${deployment}' (container ${c.name}); it plans ${[...planned.keys()].join(", ") || "none"}: point fleetFile at the stack's fabric:fleet`;
    }
    if (hash !== c.labels[LABEL.recipeHash]) {
      return `policy config fleetFile '${ctx.file}' plans deployment '${deployment}' with recipe hash ${hash} but container ${c.name} carries ${c.labels[LABEL.recipeHash] ?? "none"}: point fleetFile at the stack's fabric:fleet`;
    }
  }
  return undefined;
}

/**
 * How a fleet-aware rule runs: on the fleet (the config names a valid fleet file that plans exactly
 * these engines), or on the resources. `problem` is a violation to report: the config names a
 * file that is missing, invalid, or describes other engines.
 */
export type CheckMode =
  | { readonly kind: "fleet"; readonly fleet: LoadedFleet }
  | { readonly kind: "resources"; readonly problem?: string };

export function checkMode(config: FleetConfig, engines: readonly ContainerView[]): CheckMode {
  const ctx = fleetContext(config);
  if (ctx.status === "absent") return { kind: "resources" };
  if (ctx.status === "invalid") return { kind: "resources", problem: ctx.message };
  const mismatch = fleetMismatch(ctx, engines);
  return mismatch === undefined ? { kind: "fleet", fleet: ctx } : { kind: "resources", problem: mismatch };
}
