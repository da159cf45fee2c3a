import type { BenchProfile } from "../fleet/slo";
import type { SloMiss } from "./slo-check";
import type { Distribution, LevelSummary } from "./summary";

/** What `fabric bench --json` prints and the PR comment embeds. Never holds a key. */
export interface BenchReport {
  /** What was benched: `route chat via http://127.0.0.1:4000`, `deployment tiny-1 at …`, a URL. */
  readonly target: string;
  /** Model name sent in the requests. */
  readonly model: string;
  readonly profile: BenchProfile;
  readonly levels: readonly LevelSummary[];
  /** The SLO checked, when one was, and what it missed (empty: met). */
  readonly slo?: { readonly atConcurrency: number; readonly misses: readonly SloMiss[] };
}

const ms = (d: Distribution | null, key: keyof Distribution) => (d ? d[key].toFixed(1) : "-");
const num = (n: number | null, digits = 1) => (n === null ? "-" : n.toFixed(digits));

const HEADER = [
  "level", "ok/failed", "err %", "TTFT p50", "TTFT p95", "TTFT p99", "TPOT p50", "ITL p50", "E2E p50", "E2E p95",
  "req/s", "out tok/s", "tok/s/seq", "goodput",
];

function levelName(l: LevelSummary): string {
  return l.concurrency !== null ? `c=${l.concurrency}` : `${l.rate} req/s`;
}

function rows(report: BenchReport): string[][] {
  return report.levels.map((l) => [
    levelName(l), `${l.completed}/${l.failed}`, (l.errorRate * 100).toFixed(1),
    ms(l.ttftMs, "p50"), ms(l.ttftMs, "p95"), ms(l.ttftMs, "p99"), ms(l.tpotMs, "p50"), ms(l.itlMs, "p50"),
    ms(l.e2eMs, "p50"), ms(l.e2eMs, "p95"), l.requestsPerSecond.toFixed(2), l.outputTokensPerSecond.toFixed(1),
    num(l.outputTokensPerSecondPerSequence), num(l.goodput, 2),
  ]);
}

function sloLines(report: BenchReport): string[] {
  if (!report.slo) return [];
  if (report.slo.misses.length === 0) return [`SLO at concurrency ${report.slo.atConcurrency}: met`];
  return [`SLO at concurrency ${report.slo.atConcurrency}: MISSED`, ...report.slo.misses.map((m) => `  ${m.figure}: ${m.message}`)];
}

function caption(report: BenchReport): string {
  const p = report.profile;
  return `${report.target}, model ${report.model}: ~${p.inputTokens} prompt tokens, ${p.outputTokens} output tokens, ${p.requests} requests per level after ${p.warmup} warm-up (seed ${p.seed}); times in ms`;
}

/** The terminal table: aligned columns, then the SLO verdict. */
export function renderBenchTable(report: BenchReport): string {
  const table = [HEADER, ...rows(report)];
  const widths = HEADER.map((_, c) => Math.max(...table.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  return [caption(report), line(HEADER), ...rows(report).map(line), ...sloLines(report)].join("\n");
}

/** The same as a Markdown table (README, PR comment). */
export function renderBenchMarkdown(report: BenchReport): string {
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [
    `_${caption(report)}_`, "",
    line(HEADER), line(HEADER.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows(report).map(line),
    ...(report.slo ? ["", ...sloLines(report).map((l) => (l.startsWith("  ") ? `- ${l.trim()}` : `**${l}**`))] : []),
  ].join("\n");
}

/** The PR comment's benchmark section: the Markdown table and, when given, the chart's image. */
export function renderBenchSection(report: BenchReport, chartUrl?: string): string {
  return ["### Benchmark", "", renderBenchMarkdown(report), ...(chartUrl ? ["", `![throughput and TTFT p95 against concurrency](${chartUrl})`] : []), ""].join("\n");
}

/** A `fabric bench --json` document read back, checked for the fields the renderers use. */
export function parseBenchReport(text: string): BenchReport {
  const value = JSON.parse(text) as Partial<BenchReport>;
  if (typeof value.target !== "string" || typeof value.model !== "string" || !Array.isArray(value.levels) || typeof value.profile !== "object") {
    throw new Error("not the JSON of `fabric bench --json` (needs target, model, profile and levels)");
  }
  return value as BenchReport;
}
