// One benchmark: warm-up, then each level in turn against one target, summarised with the pure
// figures of core/bench; optionally the engines' own counters before and after (consistency).
import { SingleBar } from "cli-progress";
import type { BenchPrompt } from "../../core/bench/prompts";
import { syntheticPrompts } from "../../core/bench/prompts";
import type { BenchReport } from "../../core/bench/report";
import { checkSlo, goodputFromSlo } from "../../core/bench/slo-check";
import { type GoodputSlo, type LevelSummary, summarizeLevel } from "../../core/bench/summary";
import type { BenchProfile, RecipeSlo } from "../../core/fleet/slo";
import { type EngineCounters, counterDelta, readEngineCounters } from "./engine-counters";
import { type LoadTarget, clientFor, measureRequest, runLevel } from "./load";

/** One level of a sweep: a concurrency or a request rate. */
export type Level = { readonly concurrency: number } | { readonly rate: number };

export interface BenchOptions {
  readonly target: LoadTarget;
  /** Shown in the report instead of the URL-with-key form. */
  readonly describe: string;
  readonly profile: BenchProfile;
  readonly levels: readonly Level[];
  /** Prompts from a file; default synthetic ones from the profile. */
  readonly prompts?: readonly BenchPrompt[];
  readonly goodput?: GoodputSlo;
  /** Checked against the level at its concurrency. */
  readonly slo?: RecipeSlo;
  /** /metrics URLs of the engines behind the target, for the counter check. */
  readonly engineMetrics?: readonly string[];
  /** Draw a progress bar on stderr (a terminal only). */
  readonly progress?: boolean;
}

/** The report plus what only the CLI and tests need: totals sent, the engines' counter deltas. */
export interface BenchRun extends BenchReport {
  /** Every completed request, warm-up included, by the usage the server reported. */
  readonly sent: { readonly requests: number; readonly completed: number; readonly outputTokens: number; readonly inputTokens: number };
  /** How the engines' own counters moved over the run (warm-up included); absent without engineMetrics. */
  readonly engineCounters?: EngineCounters;
}

/** The prompts of a run: warm-up first, then `requests` per level (a level never reuses a prompt). */
function promptsFor(opts: BenchOptions): BenchPrompt[] {
  const { profile } = opts;
  const needed = profile.warmup + profile.requests * opts.levels.length;
  if (!opts.prompts) return syntheticPrompts(needed, profile.inputTokens, profile.outputTokens, profile.seed);
  return Array.from({ length: needed }, (_, i) => opts.prompts![i % opts.prompts!.length]!);
}

export async function runBench(opts: BenchOptions): Promise<BenchRun> {
  const { profile } = opts;
  const client = clientFor(opts.target, profile.maxSeconds * 1000);
  const prompts = promptsFor(opts);
  const metrics = opts.engineMetrics && opts.engineMetrics.length > 0 ? opts.engineMetrics : undefined;
  const before = metrics ? await Promise.all(metrics.map(readEngineCounters)) : undefined;
  const sent = { requests: 0, completed: 0, outputTokens: 0, inputTokens: 0 };
  const count = (r: { ok: boolean; outputTokens: number; inputTokens: number }) => {
    sent.requests += 1;
    if (r.ok) sent.completed += 1;
    sent.outputTokens += r.outputTokens;
    sent.inputTokens += r.inputTokens;
  };
  for (const prompt of prompts.slice(0, profile.warmup)) count(await measureRequest(client, opts.target.model, prompt));

  const bar = opts.progress ? new SingleBar({ format: "bench {level} [{bar}] {value}/{total} requests", stream: process.stderr }) : undefined;
  const goodput = opts.goodput ?? goodputFromSlo(opts.slo);
  const levels: LevelSummary[] = [];
  try {
    for (const [i, level] of opts.levels.entries()) {
      const levelPrompts = prompts.slice(profile.warmup + i * profile.requests, profile.warmup + (i + 1) * profile.requests);
      bar?.start(levelPrompts.length, 0, { level: "concurrency" in level ? `c=${level.concurrency}` : `${level.rate} req/s` });
      const run = await runLevel(client, opts.target.model, {
        prompts: levelPrompts, ...level, seed: profile.seed, maxSeconds: profile.maxSeconds, onRequestDone: () => bar?.increment(),
      });
      bar?.stop();
      run.records.forEach(count);
      levels.push(summarizeLevel(
        { concurrency: "concurrency" in level ? level.concurrency : null, rate: "rate" in level ? level.rate : null },
        run.records, run.durationSeconds, goodput,
      ));
    }
  } finally {
    bar?.stop();
  }
  const after = metrics ? await Promise.all(metrics.map(readEngineCounters)) : undefined;
  return {
    target: opts.describe,
    model: opts.target.model,
    profile,
    levels,
    ...(opts.slo ? { slo: { atConcurrency: opts.slo.atConcurrency, misses: checkSlo(levels, opts.slo) } } : {}),
    sent,
    ...(before && after ? { engineCounters: counterDelta(before, after) } : {}),
  };
}
