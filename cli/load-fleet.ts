import { type LineOf, parseFleet } from "../core/fleet/load";
import type { Fleet } from "../core/fleet/schema";
import type { Violation } from "../core/plan/types";
import type { CliIo } from "./io";

export type LoadedFleet =
  | { readonly ok: true; readonly fleet: Fleet; readonly lineOf: LineOf }
  | { readonly ok: false; readonly violations: readonly Violation[] };

/** Reads and parses a fleet file; unreadable files become a violation rather than a stack trace. */
export function loadFleetFile(path: string, io: Pick<CliIo, "readFile">): LoadedFleet {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    return { ok: false, violations: [{ rule: "file", severity: "error", path: "(file)", message: `cannot read ${path}: ${reason}; give the path to a fleet YAML file` }] };
  }
  return parseFleet(text);
}

/** Adds line numbers to violations whose path the file has. */
export function withLines(violations: readonly Violation[], lineOf: LineOf): Violation[] {
  return violations.map((v) => {
    if (v.line !== undefined) return v;
    const line = lineOf(v.path);
    return line === undefined ? v : { ...v, line };
  });
}

/** One violation per line: `file:line: error [rule] path: message`. */
export function formatViolation(file: string, v: Violation): string {
  const where = v.line === undefined ? file : `${file}:${v.line}`;
  return `${where}: ${v.severity} [${v.rule}] ${v.path}: ${v.message}`;
}
