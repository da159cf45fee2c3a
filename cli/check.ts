import { readFileSync } from "node:fs";
import { appliedPolicyTestsHold, ownPolicyTestsHold, type PolicyGrantsAndTests } from "../core/checks/mesh-policy-tests";
import { plan } from "../core/plan/plan";
import type { Violation } from "../core/plan/types";
import { parseHujson } from "../core/render/headscale-policy";
import { type CliIo, EXIT } from "./io";
import { parseFleetCommand } from "./fleet-command";
import { formatViolation, loadFleetFile, withLines } from "./load-fleet";

const USAGE = "usage: fabric check <fleet.yaml> [--json] [--against <applied tailnet policy .hujson>]";

/** The tailnet policy file applied so far (what `fabric plan --out` wrote); its `tests` must keep holding. */
function readAppliedPolicy(path: string): PolicyGrantsAndTests | string {
  try {
    const policy = parseHujson(readFileSync(path, "utf8")) as Partial<PolicyGrantsAndTests> | null;
    if (!policy || typeof policy !== "object" || !Array.isArray(policy.grants)) return `--against ${path}: not a tailnet policy (no 'grants' list)`;
    return { grants: policy.grants, tests: Array.isArray(policy.tests) ? policy.tests : [] };
  } catch (e) {
    return `--against ${path}: ${(e as Error).message}`;
  }
}

/** `fabric check`: exit 0 valid, 1 violations, 2 unreadable or schema-invalid. */
export function runCheck(args: readonly string[], io: CliIo): number {
  const parsed = parseFleetCommand(args, { json: { type: "boolean", default: false }, against: { type: "string" } }, USAGE, io);
  if (typeof parsed === "number") return parsed;
  const { file } = parsed;
  const applied = parsed.values.against === undefined ? null : readAppliedPolicy(parsed.values.against);
  if (typeof applied === "string") {
    io.err(applied);
    return EXIT.badInput;
  }
  const loaded = loadFleetFile(file, io);
  let violations: Violation[] = loaded.ok ? [] : [...loaded.violations];
  if (loaded.ok) {
    const planned = plan(loaded.fleet);
    const meshViolations = planned.mesh
      ? [...ownPolicyTestsHold(planned.mesh), ...(applied ? appliedPolicyTestsHold(applied, planned.mesh) : [])]
      : applied ? [{ rule: "mesh-policy-tests", severity: "error" as const, path: "mesh", message: "--against names an applied tailnet policy but this fleet has no 'mesh:'; add it back" }] : [];
    violations = withLines([...planned.violations, ...meshViolations], loaded.lineOf);
  }
  const errors = violations.filter((v) => v.severity === "error");
  if (parsed.values.json) {
    io.out(JSON.stringify({ ok: errors.length === 0, violations }, null, 2));
  } else {
    for (const v of violations) io.out(formatViolation(file, v));
    io.out(errors.length === 0
      ? `${file}: ok${violations.length > 0 ? ` (${violations.length} warning${violations.length > 1 ? "s" : ""})` : ""}`
      : `${file}: ${errors.length} violation${errors.length > 1 ? "s" : ""}`);
  }
  if (!loaded.ok) return EXIT.badInput;
  return errors.length === 0 ? EXIT.ok : EXIT.violations;
}
