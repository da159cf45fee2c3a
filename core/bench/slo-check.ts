import type { RecipeSlo } from "../fleet/slo";
import type { LevelSummary } from "./summary";

/** One figure of an SLO that a measurement missed, with the numbers. */
export interface SloMiss {
  /** The SLO field, e.g. `ttftP95Ms`. */
  readonly figure: "ttftP95Ms" | "minOutputTokensPerSecond" | "maxErrorRate" | "atConcurrency";
  readonly measured: number | null;
  readonly limit: number;
  /** Reviewer text: "TTFT p95 843.2 ms > 1 ms (missed by 842.2 ms)". */
  readonly message: string;
}

const fmt = (n: number, digits = 1) => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

/**
 * The figures of `slo` that the level measured at `slo.atConcurrency` misses; empty when it meets
 * every one. A missing level, or one where no request completed, misses with that said.
 */
export function checkSlo(levels: readonly LevelSummary[], slo: RecipeSlo): SloMiss[] {
  const level = levels.find((l) => l.concurrency === slo.atConcurrency);
  if (!level) {
    return [{ figure: "atConcurrency", measured: null, limit: slo.atConcurrency, message: `no level was measured at concurrency ${slo.atConcurrency}` }];
  }
  const misses: SloMiss[] = [];
  if (level.errorRate > slo.maxErrorRate) {
    const first = level.errors[0] ? ` (first error: ${level.errors[0]})` : "";
    misses.push({
      figure: "maxErrorRate", measured: level.errorRate, limit: slo.maxErrorRate,
      message: `error rate ${fmt(level.errorRate * 100)}% > ${fmt(slo.maxErrorRate * 100)}% (missed by ${fmt((level.errorRate - slo.maxErrorRate) * 100)} points; ${level.failed} of ${level.requests} failed)${first}`,
    });
  }
  if (slo.ttftP95Ms !== undefined) {
    const p95 = level.ttftMs?.p95 ?? null;
    if (p95 === null || p95 > slo.ttftP95Ms) {
      misses.push({
        figure: "ttftP95Ms", measured: p95, limit: slo.ttftP95Ms,
        message: p95 === null
          ? `TTFT p95 not measured (no request completed) > ${fmt(slo.ttftP95Ms)} ms`
          : `TTFT p95 ${fmt(p95)} ms > ${fmt(slo.ttftP95Ms)} ms (missed by ${fmt(p95 - slo.ttftP95Ms)} ms)`,
      });
    }
  }
  if (slo.minOutputTokensPerSecond !== undefined && level.outputTokensPerSecond < slo.minOutputTokensPerSecond) {
    const got = level.outputTokensPerSecond;
    misses.push({
      figure: "minOutputTokensPerSecond", measured: got, limit: slo.minOutputTokensPerSecond,
      message: `output ${fmt(got)} tokens/s < ${fmt(slo.minOutputTokensPerSecond)} tokens/s (missed by ${fmt(slo.minOutputTokensPerSecond - got)} tokens/s, ${fmt((1 - got / slo.minOutputTokensPerSecond) * 100)}% short)`,
    });
  }
  return misses;
}

/** The per-request goodput thresholds an SLO implies: its TTFT bound applied to every request. */
export function goodputFromSlo(slo: RecipeSlo | undefined): { ttftMs?: number } | undefined {
  return slo?.ttftP95Ms !== undefined ? { ttftMs: slo.ttftP95Ms } : undefined;
}
