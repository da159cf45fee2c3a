import type { FitResult } from "../fit/types";
import type { EnginePlan, GatewayRoutePlan, GatewayRouteTargetPlan, Plan, Violation } from "../plan/types";
import { renderFleetMermaid } from "./fleet-diagram";

export interface PlanMarkdownInput {
  /** Path of the fleet file as the reviewer knows it, e.g. `stacks/homelab.fleet.yaml`. */
  readonly fleetFile: string;
  readonly plan: Plan;
  /** Pulumi stack the fleet belongs to; named in the heading when given. */
  readonly stack?: string;
}

/**
 * The pull-request comment for one fleet: heading, summary, a Mermaid diagram of machines, engines
 * and gateway routes, the memory fit of every engine, the rollout waves and the violations. Pure
 * and deterministic: the same plan gives the same bytes.
 */
export function renderPlanMarkdown(input: PlanMarkdownInput): string {
  const { fleetFile, plan: p, stack } = input;
  const sections = [
    heading(fleetFile, p, stack),
    summarySection(p),
    "### Topology\n\n```mermaid\n" + renderFleetMermaid(p) + "\n```",
    ...(p.gateway && p.gateway.routes.length > 0 ? [routesSection(p.gateway.routes)] : []),
    fitSection(p.engines),
    wavesSection(p.waves),
    violationsSection(fleetFile, p.violations),
  ];
  return `${sections.join("\n\n")}\n`;
}

function heading(fleetFile: string, p: Plan, stack: string | undefined): string {
  const title = stack === undefined ? `## inference-fabric plan: \`${fleetFile}\`` : `## inference-fabric plan: stack \`${stack}\``;
  const errors = p.violations.filter((v) => v.severity === "error").length;
  const warnings = p.violations.length - errors;
  const misfits = p.engines.filter((e) => e.memory && !e.memory.fits).length;
  const findings = [
    ...(errors > 0 ? [`❌ ${count(errors, "error")}`] : []),
    ...(misfits > 0 ? [`❌ ${count(misfits, "engine")} over budget`] : []),
    ...(warnings > 0 ? [`⚠️ ${count(warnings, "warning")}`] : []),
  ];
  const verdict = findings.length > 0 ? findings.join(", ") : "✅ no violations";
  const where = stack === undefined ? "" : `Fleet file \`${fleetFile}\` · `;
  return `${title}\n\n${where}${count(p.engines.length, "engine")} on ${count(p.machines.length, "machine")} · ${verdict}`;
}

function summarySection(p: Plan): string {
  const engines = table(
    ["deployment", "machine", "engine", "image", "port"],
    p.engines.map((e) => [code(e.deployment), e.machine, e.engine, code(e.image), String(e.port)]),
  );
  const services: string[] = [];
  if (p.gateway) services.push(`- **gateway** ${p.gateway.url} on ${p.gateway.machine}`);
  if (p.monitoring) services.push(`- **prometheus** ${p.monitoring.url} (${count(p.monitoring.targets.length, "target")})`);
  if (p.store) services.push(`- **store** ${p.store.endpoint} (buckets: ${p.store.buckets.join(", ")})`);
  if (p.mesh) services.push(`- **mesh** tailscale ${p.mesh.tailnet} (keys: ${p.mesh.keys.map((k) => k.role).join(", ")})`);
  if (p.burst) {
    const pools = p.burst.pools.map((b) => `${b.name} ${b.desired}/${b.maxHosts} hosts ≤ $${b.maxPricePerHour}/h`).join(", ") || "no pools";
    services.push(`- **burst** ${p.burst.provider}: ${pools}; budget $${p.burst.budgetPerHour}/h`);
  }
  return ["### Plan", "", p.engines.length > 0 ? engines : "_no engines_", ...(services.length > 0 ? ["", ...services] : [])].join("\n");
}

function routesSection(routes: readonly GatewayRoutePlan[]): string {
  const rows = routes.map((r) => [code(r.name), thousands(r.contextWindow), r.targets.map((t, i) => `${i + 1}. ${oneTarget(t)}`).join("<br>")]);
  return ["### Routes", "", table(["route", "promises (tokens)", "chain: target (tokens) — behind it"], rows)].join("\n");
}

function oneTarget(t: GatewayRouteTargetPlan): string {
  const behind = t.kind === "provider"
    ? ["cloud"]
    : [...t.deployments.map(code), ...t.pools.map((p) => `burst pool ${code(p.name)} (${count(p.slots, "host slot")})`)];
  return `${code(t.name)} (${thousands(t.contextWindow)}) — ${behind.join(", ")}`;
}

function fitSection(engines: readonly EnginePlan[]): string {
  const rows = engines.map((e) => [code(e.deployment), e.machine, ...fitCells(e.memory, e.maxModelLen)]);
  const lines = [
    "### Memory fit",
    "",
    engines.length > 0
      ? table(["deployment", "machine", "budget GiB", "weights GiB", "KV pool GiB", "KV tokens", "sequences at max_model_len", "fits"], rows)
      : "_no engines_",
  ];
  // Why an engine does not fit is in its memory-fit violation, with the numbers.
  return lines.join("\n");
}

function fitCells(m: FitResult | null, maxModelLen: number): string[] {
  if (!m) return ["–", "–", "–", "–", "–", "❔ not computed"];
  return [
    m.budgetGiB.toFixed(1),
    m.weightsGiB.toFixed(1),
    m.kvPoolGiB.toFixed(1),
    thousands(m.kvCacheTokens),
    `${m.maxConcurrency.toFixed(2)} × ${thousands(maxModelLen)}`,
    m.fits ? "✅" : "❌",
  ];
}

function wavesSection(waves: Plan["waves"]): string {
  const items = waves.map((w, i) => `${i + 1}. ${w.map(code).join(", ")}`);
  return ["### Rollout waves", "", ...(items.length > 0 ? items : ["_nothing to roll out_"])].join("\n");
}

function violationsSection(fleetFile: string, violations: readonly Violation[]): string {
  if (violations.length === 0) return "### Violations\n\n✅ no violations";
  const items = violations.map((v) => {
    const where = v.line === undefined ? fleetFile : `${fleetFile}:${v.line}`;
    const mark = v.severity === "error" ? "❌" : "⚠️";
    return `- ${mark} ${v.severity} \`[${v.rule}]\` ${code(v.path)} (${code(where)}): ${oneLine(v.message)}`;
  });
  return ["### Violations", "", ...items].join("\n");
}

/** A GitHub-flavoured Markdown table; `|` in cells is escaped. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${text.includes("`") ? ` ${text} ` : text}${fence}`;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
const thousands = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
