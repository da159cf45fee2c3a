import { plan } from "../core/plan/plan";
import { type CliIo, EXIT } from "./io";
import { parseFleetCommand } from "./fleet-command";
import { formatViolation, loadFleetFile, withLines } from "./load-fleet";

const USAGE = "usage: fabric check <fleet.yaml> [--json]";

/** `fabric check`: exit 0 valid, 1 violations, 2 unreadable or schema-invalid. */
export function runCheck(args: readonly string[], io: CliIo): number {
  const parsed = parseFleetCommand(args, { json: { type: "boolean", default: false } }, USAGE, io);
  if (typeof parsed === "number") return parsed;
  const { file } = parsed;
  const loaded = loadFleetFile(file, io);
  const violations = loaded.ok ? withLines(plan(loaded.fleet).violations, loaded.lineOf) : [...loaded.violations];
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
