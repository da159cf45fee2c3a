// Per-level figures of a benchmark run, with vLLM's definitions (vllm/benchmarks/serve.py,
// `calculate_metrics`): TTFT = first content chunk − request sent; TPOT = (e2e − TTFT) / (output
// tokens − 1), per request with more than one output token; ITL = the gaps between consecutive
// content chunks, pooled over requests; throughput = totals / the level's wall-clock duration;
// goodput = requests meeting every per-request SLO / duration. Percentiles interpolate linearly
// (numpy's default, d3's quantile).
import { mean, quantileSorted } from "d3-array";

/** One measured request, as the load generator saw it (times in ms from the request's start). */
export interface RequestRecord {
  readonly ok: boolean;
  /** Why it failed (HTTP status and message), when it did. */
  readonly error?: string;
  /** Arrival of the first chunk carrying content; null when none came. */
  readonly ttftMs: number | null;
  /** Arrival of the last chunk (the end of the stream). */
  readonly e2eMs: number;
  /** Gaps between consecutive content chunks. */
  readonly itlMs: readonly number[];
  /** Completion tokens, from the usage the server reported. */
  readonly outputTokens: number;
  /** Prompt tokens, from the usage the server reported. */
  readonly inputTokens: number;
}

/** Mean and percentiles of one figure, ms; null when no request gave a value. */
export interface Distribution {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** Per-request thresholds of goodput (vLLM's `--goodput ttft:… tpot:… e2el:…`), ms. */
export interface GoodputSlo {
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  readonly e2eMs?: number;
}

export interface LevelSummary {
  /** Concurrent requests of the level (a fixed-rate level has its rate instead). */
  readonly concurrency: number | null;
  /** Requests per second sent (Poisson arrivals), for a fixed-rate level. */
  readonly rate: number | null;
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
  /** failed / requests. */
  readonly errorRate: number;
  /** Wall clock of the measured requests, seconds. */
  readonly durationSeconds: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly ttftMs: Distribution | null;
  readonly tpotMs: Distribution | null;
  readonly itlMs: Distribution | null;
  readonly e2eMs: Distribution | null;
  /** Completed requests per second. */
  readonly requestsPerSecond: number;
  /** Output tokens per second, all sequences together. */
  readonly outputTokensPerSecond: number;
  /** Output tokens per second of one sequence while it decodes: 1000 / mean TPOT. */
  readonly outputTokensPerSecondPerSequence: number | null;
  /** Requests per second that met every goodput threshold; null without thresholds. */
  readonly goodput: number | null;
  /** The first few distinct error messages, for the report. */
  readonly errors: readonly string[];
}

/** Mean and p50/p95/p99 of `values`; null for none. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => quantileSorted(sorted, p) as number;
  return { mean: mean(sorted) as number, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** 1000 / mean TPOT: the reciprocal of the mean, not the mean of reciprocals (one bundled chunk would dominate those). */
function perSequence(tpots: readonly number[]): number | null {
  const m = mean(tpots);
  return m !== undefined && m > 0 ? 1000 / m : null;
}

/** TPOT of one request, or null when it has fewer than two output tokens. */
export function tpotMs(r: RequestRecord): number | null {
  if (!r.ok || r.ttftMs === null || r.outputTokens < 2) return null;
  return (r.e2eMs - r.ttftMs) / (r.outputTokens - 1);
}

function meetsGoodput(r: RequestRecord, slo: GoodputSlo): boolean {
  if (!r.ok || r.ttftMs === null) return false;
  const tpot = tpotMs(r) ?? 0;
  return (slo.ttftMs === undefined || r.ttftMs <= slo.ttftMs)
    && (slo.tpotMs === undefined || tpot <= slo.tpotMs)
    && (slo.e2eMs === undefined || r.e2eMs <= slo.e2eMs);
}

/** The figures of one level from its measured requests and its wall-clock duration. */
export function summarizeLevel(
  level: { readonly concurrency: number | null; readonly rate: number | null },
  records: readonly RequestRecord[],
  durationSeconds: number,
  goodputSlo?: GoodputSlo,
): LevelSummary {
  const ok = records.filter((r) => r.ok);
  const tpots = ok.map(tpotMs).filter((t): t is number => t !== null);
  const seconds = durationSeconds > 0 ? durationSeconds : Number.NaN;
  const outputTokens = ok.reduce((s, r) => s + r.outputTokens, 0);
  const hasGoodput = goodputSlo !== undefined && Object.values(goodputSlo).some((v) => v !== undefined);
  return {
    concurrency: level.concurrency,
    rate: level.rate,
    requests: records.length,
    completed: ok.length,
    failed: records.length - ok.length,
    errorRate: records.length === 0 ? 0 : (records.length - ok.length) / records.length,
    durationSeconds,
    inputTokens: ok.reduce((s, r) => s + r.inputTokens, 0),
    outputTokens,
    ttftMs: distribution(ok.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs]))),
    tpotMs: distribution(tpots),
    itlMs: distribution(ok.flatMap((r) => r.itlMs)),
    e2eMs: distribution(ok.map((r) => r.e2eMs)),
    requestsPerSecond: ok.length / seconds || 0,
    outputTokensPerSecond: outputTokens / seconds || 0,
    outputTokensPerSecondPerSequence: perSequence(tpots),
    goodput: hasGoodput ? ok.filter((r) => meetsGoodput(r, goodputSlo)).length / seconds || 0 : null,
    errors: [...new Set(records.flatMap((r) => (r.error ? [r.error] : [])))].slice(0, 5),
  };
}
