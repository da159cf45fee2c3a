import { LineCounter, type YAMLError, isMap, isPair, isSeq, parseDocument } from "yaml";
import type { z } from "zod";
import { didYouMean } from "../catalog/did-you-mean";
import type { Violation } from "../plan/types";
import { formatPath } from "./paths";
import { Fleet } from "./schema";
import { allowedKeysAt } from "./schema-keys";

/** Line number of a fleet path such as `deployments[2].recipe`, when the file has it. */
export type LineOf = (path: string) => number | undefined;

export type FleetParse =
  | { readonly ok: true; readonly fleet: Fleet; readonly lineOf: LineOf }
  | { readonly ok: false; readonly violations: readonly Violation[] };

/**
 * Parses fleet YAML text into a validated Fleet. Never throws: YAML and schema problems come back
 * as violations (rule `yaml` or `schema`) whose paths point into the file, with line numbers.
 */
export function parseFleet(text: string): FleetParse {
  if (text.length > MAX_FLEET_CHARS) {
    return refuse(`the file is ${(text.length / 2 ** 20).toFixed(1)} MiB, over the ${MAX_FLEET_CHARS / 2 ** 20} MiB a fleet file may have: split the fleet into stacks`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) return { ok: false, violations: doc.errors.map(yamlViolation) };
  const depth = nestingDepth(doc.contents);
  if (depth > MAX_DEPTH) {
    return refuse(`the file nests ${depth > MAX_DEPTH * 4 ? "far " : ""}deeper than the ${MAX_DEPTH} levels a fleet file may have: a fleet is at most about 8 levels deep; remove the extra nesting`);
  }
  const lineOf = (path: string): number | undefined => {
    const node = doc.getIn(pathKeys(path), true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }) ?? {};
  } catch {
    return refuse(`its YAML aliases (*name) expand to more than ${MAX_ALIAS_EXPANSION} nodes, the shape of an alias bomb: write the repeated parts out or use fewer aliases`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return refuse(`the file is ${typeName(data)}, not a mapping: a fleet file starts with 'machines:' (see schema/fleet.schema.json)`, 1);
  }
  const parsed = Fleet.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, violations: parsed.error.issues.flatMap((issue) => schemaViolations(issue, lineOf)) };
  }
  return { ok: true, fleet: parsed.data, lineOf };
}

/** Bounds on what a fleet file may be, so hostile YAML is refused with a message instead of exhausting the process. */
export const MAX_FLEET_CHARS = 64 * 2 ** 20;
export const MAX_DEPTH = 32;
/** The yaml library's bound on nodes reached through aliases (its default, stated). */
export const MAX_ALIAS_EXPANSION = 100;

function refuse(message: string, line?: number): FleetParse {
  return { ok: false, violations: [{ rule: "yaml", severity: "error", path: "(root)", message, ...(line === undefined ? {} : { line }) }] };
}

function yamlViolation(e: YAMLError): Violation {
  const line = e.linePos?.[0]?.line;
  const where = `line ${line ?? "?"}, column ${e.linePos?.[0]?.col ?? "?"}`;
  const message = e.code === "MULTIPLE_DOCS"
    ? `the file holds more than one YAML document (a '---' separator at ${where}): a fleet file is one document; remove the separator or split the file`
    : e.code === "RESOURCE_EXHAUSTION"
      ? `the file nests too deeply or repeats too much to read (at ${where}): a fleet is at most about 8 levels deep; remove the extra nesting`
      : `${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")} — fix the YAML syntax at ${where}`;
  return { rule: "yaml", severity: "error", path: "(root)", message, ...(line === undefined ? {} : { line }) };
}

/** Deepest nesting of collections under a node, walked without recursion (a hostile file can be very deep). */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (isMap(node) || isSeq(node)) {
      deepest = Math.max(deepest, depth);
      if (depth > MAX_DEPTH * 4) return depth;
      for (const item of node.items as unknown[]) stack.push([item, depth + 1]);
    } else if (isPair(node)) {
      stack.push([node.key, depth], [node.value, depth]);
    }
  }
  return deepest;
}

/** Splits `deployments[2].recipe` into ["deployments", 2, "recipe"]. */
export function pathKeys(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    keys.push(match[2] !== undefined ? Number(match[2]) : (match[1] as string));
  }
  return keys;
}

function schemaViolations(issue: z.core.$ZodIssue, lineOf: LineOf): Violation[] {
  const at = (path: readonly PropertyKey[]): Location => {
    const formatted = formatPath(path);
    return { path: formatted, line: lineOf(formatted) ?? lineOf(formatPath(path.slice(0, -1))) };
  };
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(Fleet, issue.path);
    return issue.keys.map((key) => {
      const guess = didYouMean(key, allowed);
      const hint = guess ? `did you mean '${guess}'?` : `allowed fields: ${allowed.join(", ")}`;
      return violation(at([...issue.path, key]), `unknown field '${key}': ${hint}`);
    });
  }
  if (issue.code === "invalid_union" && issue.path.length > 0) {
    return [violation(at(issue.path), `${describe(issue)}`)];
  }
  return [violation(at(issue.path), describe(issue))];
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `required field is missing: add it (expected ${issue.expected})`
        : `expected ${issue.expected}, got ${typeName(issue.input)}: change the value's type`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}; got ${JSON.stringify(issue.input)}`;
    case "too_small":
      return `${issue.message} (minimum ${String(issue.minimum)})`;
    case "too_big":
      return `${issue.message} (maximum ${String(issue.maximum)})`;
    case "invalid_key":
      return `the name '${String(issue.path[issue.path.length - 1])}' is not allowed here: ${issue.issues.map((i) => i.message).join("; ")}`;
    case "invalid_union":
      return "expected a secret reference like {secret: myKeyName} or a valid alternative for this field";
    default:
      return issue.message;
  }
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "not a number (.nan)" : "an infinite number (.inf)";
  // The value itself is not echoed: a misplaced secret must not reach logs.
  return typeof value === "number" ? "a number" : typeof value === "boolean" ? "a boolean" : "a string";
}

interface Location { readonly path: string; readonly line: number | undefined }

function violation(at: Location, message: string): Violation {
  return { rule: "schema", severity: "error", path: at.path, message, ...(at.line === undefined ? {} : { line: at.line }) };
}
