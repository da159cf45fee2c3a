// The pure parts of `fabric tune`: the scratch fleet that runs one candidate recipe on one machine
// beside the live stack, the ranking that picks the winner, and the report.
import type { Fleet } from "../fleet/schema";
import { recipeHash } from "../render/recipe-hash";
import { renderBenchMarkdown } from "./report";
import type { BenchReport } from "./report";
import type { LevelSummary } from "./summary";

/** Where the scratch engine runs: its deployment name, port and GPUs. */
export interface ScratchPlacement {
  readonly machine: string;
  readonly port: number;
  readonly gpuIndices?: readonly number[];
}

export const SCRATCH_DEPLOYMENT = "tune-candidate";

/**
 * The fleet of a tune candidate's scratch stack: the live fleet's machines, recipes limited to the
 * candidate, one deployment of it on `placement` (served under the recipe's name), the store kept
 * only as the source of model syncs (the scratch program deploys no store), no gateway, monitoring,
 * mesh or burst. Its container names carry `tune-candidate`, never a live engine's name.
 */
export function scratchFleet(fleet: Fleet, recipe: string, placement: ScratchPlacement): Fleet {
  const chosen = fleet.recipes[recipe];
  if (!chosen) throw new Error(`recipes.${recipe}: no such recipe; recipes: ${Object.keys(fleet.recipes).join(", ")}`);
  if (!fleet.machines.some((m) => m.name === placement.machine)) throw new Error(`no machine '${placement.machine}'; machines: ${fleet.machines.map((m) => m.name).join(", ")}`);
  const { gateway: _g, monitoring: _m, mesh: _x, burst: _b, ...rest } = fleet;
  return {
    ...rest,
    recipes: { [recipe]: chosen },
    deployments: [{
      name: SCRATCH_DEPLOYMENT, recipe, machine: placement.machine, port: placement.port, replicas: 1, servedName: recipe,
      ...(placement.gpuIndices ? { gpuIndices: [...placement.gpuIndices] } : {}),
    }],
  };
}

/** A free port for the scratch engine: the first from 18000 that no service of the fleet uses. */
export function scratchPort(fleet: Fleet): number {
  const used = new Set<number>([
    ...fleet.deployments.flatMap((d) => Array.from({ length: d.replicas }, (_, i) => d.port + i)),
    ...(fleet.gateway ? [fleet.gateway.port] : []), ...(fleet.monitoring ? [fleet.monitoring.port] : []),
    ...(fleet.storage ? [fleet.storage.port, fleet.storage.consolePort] : []),
  ]);
  let port = 18000;
  while (used.has(port)) port += 1;
  return port;
}

/** One candidate's outcome: its bench, or why it has none (the up failed, the SLO gate said no). */
export interface TuneCandidate {
  readonly recipe: string;
  readonly recipeHash: string;
  readonly report?: BenchReport;
  readonly failure?: string;
}

/** The level candidates are ranked at: the highest concurrency measured. */
function rankLevel(c: TuneCandidate): LevelSummary | undefined {
  return [...(c.report?.levels ?? [])].sort((a, b) => (b.concurrency ?? 0) - (a.concurrency ?? 0))[0];
}

/**
 * The winner: among candidates that came up, met their SLO and completed requests, the lowest
 * error rate at the highest concurrency, then the most output tokens/s there, then the lowest TTFT
 * p95. Undefined when none qualifies.
 */
export function pickWinner(candidates: readonly TuneCandidate[]): TuneCandidate | undefined {
  const eligible = candidates.filter((c) => !c.failure && (c.report?.slo?.misses.length ?? 0) === 0 && (rankLevel(c)?.completed ?? 0) > 0);
  return [...eligible].sort((a, b) => {
    const [la, lb] = [rankLevel(a)!, rankLevel(b)!];
    return la.errorRate - lb.errorRate
      || lb.outputTokensPerSecond - la.outputTokensPerSecond
      || (la.ttftMs?.p95 ?? Infinity) - (lb.ttftMs?.p95 ?? Infinity);
  })[0];
}

export function candidateOf(fleet: Fleet, recipe: string, outcome: { report?: BenchReport; failure?: string }): TuneCandidate {
  return { recipe, recipeHash: recipeHash(fleet.recipes[recipe]!), ...outcome };
}

/** One line per candidate: the figures it is ranked by, or its failure. */
export function renderTuneSummary(candidates: readonly TuneCandidate[], winner: TuneCandidate | undefined): string {
  const lines = candidates.map((c) => {
    const l = rankLevel(c);
    const mark = c === winner ? "WINNER " : "       ";
    if (c.failure) return `${mark}${c.recipe} (${c.recipeHash}): FAILED: ${c.failure}`;
    const slo = c.report?.slo ? (c.report.slo.misses.length === 0 ? ", SLO met" : `, SLO MISSED: ${c.report.slo.misses.map((m) => m.message).join("; ")}`) : "";
    return `${mark}${c.recipe} (${c.recipeHash}): ${l ? `${l.outputTokensPerSecond.toFixed(1)} output tokens/s, TTFT p95 ${l.ttftMs ? l.ttftMs.p95.toFixed(1) : "-"} ms, errors ${(l.errorRate * 100).toFixed(1)}% at concurrency ${l.concurrency}` : "no level"}${slo}`;
  });
  lines.push(winner ? `winner: ${winner.recipe} (recipe hash ${winner.recipeHash})` : "winner: none (no candidate came up, met its SLO and completed requests)");
  return lines.join("\n");
}

/** The Markdown report: the summary, then each candidate's bench table. */
export function renderTuneMarkdown(title: string, candidates: readonly TuneCandidate[], winner: TuneCandidate | undefined, chartFile: string): string {
  return [
    `# ${title}`, "",
    "```", renderTuneSummary(candidates, winner), "```", "",
    `![output tokens/s and TTFT p95 per candidate](${chartFile})`, "",
    ...candidates.flatMap((c) => [`## ${c.recipe} (${c.recipeHash})`, "", c.report ? renderBenchMarkdown(c.report) : `FAILED: ${c.failure}`, ""]),
  ].join("\n");
}
