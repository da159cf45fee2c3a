import { code, table } from "./pr-comment";

/** One CrossGuard violation from a preview. */
export interface PolicyFinding {
  readonly policyPack: string;
  readonly policy: string;
  /** Enforcement level: `mandatory`, `advisory`, `remediate`. */
  readonly level: string;
  /** Resource URN; the stack's own URN for stack policies. */
  readonly urn: string;
  readonly message: string;
}

/** What a `pulumi preview --json` run says about policies, changes and errors. */
export interface PreviewReport {
  /** `events`: streamed engine events (carry policy events); `digest`: the default document (does not). */
  readonly format: "events" | "digest";
  readonly findings: readonly PolicyFinding[];
  /** Policy packs that ran, `name@version`. */
  readonly policyPacks: readonly string[];
  /** Resource operations, e.g. `{create: 5, same: 2}`. */
  readonly changes: Readonly<Record<string, number>>;
  /** Error diagnostics (message, with the URN's resource name when there is one). */
  readonly errors: readonly string[];
  /** Whether the preview failed (a mandatory violation or an error). */
  readonly failed: boolean;
}

interface Diagnostic { urn?: string; message?: string; prefix?: string; severity?: string }
interface PolicyEvent { resourceUrn?: string; message?: string; policyName?: string; policyPackName?: string; policyPackVersion?: string; enforcementLevel?: string }
interface EngineEvent {
  sequence: number;
  diagnosticEvent?: Diagnostic;
  policyEvent?: PolicyEvent;
  policyLoadEvent?: unknown;
  summaryEvent?: { resourceChanges?: Record<string, number>; PolicyPacks?: Record<string, string>; result?: string };
}

/**
 * Parses what `pulumi preview --json` printed. With `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true` that
 * is one engine event per line (`apitype.EngineEvent`: `policyEvent`, `diagnosticEvent`,
 * `summaryEvent`, …); without it, one `PreviewDigest` document, which leaves policy events out
 * (pkg/backend/display/json.go skips them). Throws with the line that is not JSON.
 */
export function parsePreviewOutput(text: string): PreviewReport {
  const whole = tryJson(text.trim());
  if (isObject(whole) && !("sequence" in whole)) return digestReport(whole);
  const events: EngineEvent[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const event = tryJson(line);
    if (!isObject(event) || typeof event.sequence !== "number") {
      throw new Error(`line ${i + 1} is not a Pulumi engine event (${line.slice(0, 80)}): give the output of 'pulumi preview --json', streamed with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`);
    }
    events.push(event as unknown as EngineEvent);
  }
  if (events.length === 0) throw new Error("the preview output is empty: did 'pulumi preview --json' run?");
  events.sort((a, b) => a.sequence - b.sequence);
  const findings = events.flatMap((e) => (e.policyEvent ? [finding(e.policyEvent)] : []));
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
  const packs = Object.entries(summary?.PolicyPacks ?? {}).map(([key, version]) => `${key.split("|")[0]}@${version}`);
  const errors = events.flatMap((e) => (e.diagnosticEvent ? errorLine(e.diagnosticEvent) : []));
  return {
    format: "events",
    findings,
    policyPacks: [...new Set([...packs, ...findings.map((f) => f.policyPack)])].sort(),
    changes: summary?.resourceChanges ?? {},
    errors: errors.filter((e) => e !== PREVIEW_FAILED),
    failed: summary?.result === "failed" || errors.length > 0 || findings.some((f) => f.level === "mandatory"),
  };
}

function digestReport(digest: Record<string, unknown>): PreviewReport {
  const diagnostics = Array.isArray(digest.diagnostics) ? (digest.diagnostics as Diagnostic[]) : [];
  const changes = isObject(digest.changeSummary) ? (digest.changeSummary as Record<string, number>) : {};
  const errors = diagnostics.flatMap(errorLine);
  return { format: "digest", findings: [], policyPacks: [], changes, errors: errors.filter((e) => e !== PREVIEW_FAILED), failed: errors.length > 0 };
}

function finding(e: PolicyEvent): PolicyFinding {
  // The analyzer sends "<policy description>\n<violation message>"; the message is what to act on.
  const lines = plain(e.message ?? "").split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return {
    policyPack: `${e.policyPackName ?? "?"}@${e.policyPackVersion ?? "?"}`,
    policy: e.policyName ?? "?",
    level: e.enforcementLevel ?? "?",
    urn: e.resourceUrn ?? "",
    message: (lines.length > 1 ? lines.slice(1) : lines).join(" "),
  };
}

/** The engine's closing line when anything failed; the verdict says it already. */
const PREVIEW_FAILED = "preview failed";

function errorLine(d: Diagnostic): string[] {
  if (d.severity !== "error") return [];
  // The digest keeps the "error: " prefix in the message; streamed events send it apart.
  const message = plain(`${d.message ?? ""}`).replace(/^error: /, "").replace(/\s*\n\s*/g, " ").trim();
  return [d.urn ? `${resourceName(d.urn)}: ${message}` : message];
}

/** `urn:pulumi:stack::project::a$b:c:D::name` → `name (b:c:D)`; the stack resource → `stack`. */
export function resourceName(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  if (type === "pulumi:pulumi:Stack") return "stack";
  return parts.length >= 4 ? `${parts.slice(3).join("::")} (${type})` : urn;
}

const LEVEL_MARK: Record<string, string> = { mandatory: "❌", advisory: "⚠️", remediate: "🔧" };

/** The "Policy results" section of the PR comment. */
export function renderPolicyResults(report: PreviewReport): string {
  const lines = ["### Policy results", ""];
  const changes = Object.entries(report.changes).filter(([op, n]) => op !== "same" && n > 0).map(([op, n]) => `${n} to ${op}`);
  const verdict = report.failed ? "❌ failed" : "✅ succeeded";
  lines.push(`Preview ${verdict} · ${changes.length > 0 ? changes.join(", ") : "no changes"}${report.policyPacks.length > 0 ? ` · policy packs: ${report.policyPacks.map(code).join(", ")}` : ""}`, "");
  if (report.format === "digest") {
    lines.push("⚠️ policy results unavailable: the `pulumi preview --json` document leaves policy events out; run the preview with `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`");
  } else if (report.findings.length === 0) {
    lines.push("✅ no policy violations");
  } else {
    const order = (f: PolicyFinding) => (f.level === "mandatory" ? 0 : 1);
    const sorted = [...report.findings].sort((a, b) => order(a) - order(b));
    lines.push(table(
      ["policy", "level", "resource", "message"],
      sorted.map((f) => [code(f.policy), `${LEVEL_MARK[f.level] ?? ""} ${f.level}`.trim(), resourceName(f.urn), f.message]),
    ));
  }
  if (report.errors.length > 0) lines.push("", "Preview errors:", "", ...report.errors.map((e) => `- ${e}`));
  return lines.join("\n");
}

/** Drops Pulumi's colour tags (`<{%reset%}>`) in case the output was not run with colour off. */
const plain = (text: string) => text.replace(/<\{%[^%]*%\}>/g, "");
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
