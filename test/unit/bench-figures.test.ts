// core/bench: vLLM's metric definitions on hand-made request records, the SLO check's wording with
// the numbers, deterministic prompts, the rendered table, Markdown and SVG, and the PR comment's
// bench section.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { niceMax, renderBenchSvg } from "../../core/bench/chart-svg";
import { promptsFromJsonl, syntheticPrompts } from "../../core/bench/prompts";
import { type BenchReport, renderBenchMarkdown, renderBenchTable } from "../../core/bench/report";
import { checkSlo } from "../../core/bench/slo-check";
import { type RequestRecord, distribution, summarizeLevel, tpotMs } from "../../core/bench/summary";
import { BenchProfile, RecipeSlo } from "../../core/fleet/slo";
import { prComment } from "../../scripts/pr-comment";
import { repoRoot } from "../support/stacks";

const ok = (ttftMs: number, e2eMs: number, outputTokens: number, itlMs: number[] = []): RequestRecord =>
  ({ ok: true, ttftMs, e2eMs, itlMs, outputTokens, inputTokens: 10 });
const failed = (error: string): RequestRecord => ({ ok: false, error, ttftMs: null, e2eMs: 5, itlMs: [], outputTokens: 0, inputTokens: 0 });

describe("summarizeLevel (vLLM's definitions)", () => {
  const records = [ok(100, 1000, 10, [100, 100]), ok(200, 2000, 19), ok(50, 50, 1), failed("HTTP 500: Connection error.")];
  const s = summarizeLevel({ concurrency: 2, rate: null }, records, 4, { ttftMs: 150 });

  test("TPOT = (e2e − TTFT) / (output tokens − 1), only for requests with more than one token", () => {
    assert.equal(tpotMs(records[0]!), 100);
    assert.equal(tpotMs(records[1]!), 100);
    assert.equal(tpotMs(records[2]!), null);
    assert.equal(s.tpotMs?.mean, 100);
  });

  test("counts, error rate, throughput over the wall clock, goodput against the per-request TTFT bound", () => {
    assert.deepEqual([s.requests, s.completed, s.failed, s.errorRate], [4, 3, 1, 0.25]);
    assert.equal(s.outputTokens, 30);
    assert.equal(s.outputTokensPerSecond, 7.5);
    assert.equal(s.requestsPerSecond, 0.75);
    assert.equal(s.goodput, 0.5, "two of three completed requests have TTFT ≤ 150 ms");
    assert.equal(s.outputTokensPerSecondPerSequence, 10, "1000 / TPOT");
    assert.deepEqual(s.errors, ["HTTP 500: Connection error."]);
    assert.deepEqual(s.itlMs && [s.itlMs.mean, s.itlMs.p50], [100, 100], "ITL pooled over requests");
    assert.deepEqual(s.ttftMs?.p50, 100);
  });

  test("no goodput thresholds: goodput is null; no requests: no distributions and no division by zero", () => {
    const empty = summarizeLevel({ concurrency: 1, rate: null }, [], 0);
    assert.equal(empty.goodput, null);
    assert.equal(empty.ttftMs, null);
    assert.equal(empty.errorRate, 0);
    assert.equal(empty.outputTokensPerSecond, 0);
  });

  test("percentiles interpolate linearly as numpy does", () => {
    const d = distribution([1, 2, 3, 4])!;
    assert.deepEqual([d.mean, d.p50, d.p95.toFixed(6), d.p99.toFixed(6)], [2.5, 2.5, "3.850000", "3.970000"], "numpy.percentile([1,2,3,4], [50,95,99])");
  });

  test("property: p50 ≤ p95 ≤ p99 and min ≤ mean ≤ max", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
      const d = distribution(values)!;
      const eps = 1e-6;
      return d.p50 <= d.p95 + eps && d.p95 <= d.p99 + eps && Math.min(...values) - eps <= d.mean && d.mean <= Math.max(...values) + eps;
    }));
  });
});

describe("checkSlo", () => {
  const level = summarizeLevel({ concurrency: 2, rate: null }, [ok(100, 1000, 10), ok(900, 2000, 10), failed("HTTP 429: rate limited")], 10);
  const slo = (over: object) => RecipeSlo.parse({ atConcurrency: 2, ...over });

  test("names each figure missed and by how much", () => {
    const misses = checkSlo([level], slo({ ttftP95Ms: 1, minOutputTokensPerSecond: 10, maxErrorRate: 0.1 }));
    assert.deepEqual(misses.map((m) => m.figure), ["maxErrorRate", "ttftP95Ms", "minOutputTokensPerSecond"]);
    assert.equal(misses[1]!.message, "TTFT p95 860 ms > 1 ms (missed by 859 ms)");
    assert.equal(misses[2]!.message, "output 2 tokens/s < 10 tokens/s (missed by 8 tokens/s, 80% short)");
    assert.match(misses[0]!.message, /^error rate 33\.3% > 10% \(missed by 23\.3 points; 1 of 3 failed\) \(first error: HTTP 429: rate limited\)$/);
  });

  test("met: no misses; an SLO at a concurrency that was not measured misses with that said", () => {
    assert.deepEqual(checkSlo([level], slo({ ttftP95Ms: 5000, maxErrorRate: 0.5 })), []);
    assert.equal(checkSlo([level], slo({ atConcurrency: 4 }))[0]?.message, "no level was measured at concurrency 4");
  });
});

describe("prompts", () => {
  test("synthetic prompts are deterministic by seed, distinct per index, within ±10% of the length", () => {
    const a = syntheticPrompts(20, 100, 16, 7);
    assert.deepEqual(a, syntheticPrompts(20, 100, 16, 7));
    assert.notDeepEqual(a, syntheticPrompts(20, 100, 16, 8));
    assert.equal(new Set(a.map((p) => p.content)).size, 20);
    for (const p of a) {
      const words = p.content.split(" ").length;
      assert.ok(words >= 90 && words <= 110, `${words} words`);
      assert.equal(p.maxTokens, 16);
    }
  });

  test("JSONL prompts: max_tokens per line or the default; a bad line names its number", () => {
    assert.deepEqual(promptsFromJsonl('{"prompt":"a"}\n\n{"content":"b","max_tokens":3}\n', 8), [{ content: "a", maxTokens: 8 }, { content: "b", maxTokens: 3 }]);
    assert.throws(() => promptsFromJsonl('{"prompt":"a"}\n{"prompt":1}', 8), /line 2: needs a non-empty "prompt" string/);
    assert.throws(() => promptsFromJsonl("not json", 8), /line 1: not JSON/);
  });
});

describe("rendering", () => {
  const level = summarizeLevel({ concurrency: 1, rate: null }, [ok(100, 1000, 10)], 1);
  const report: BenchReport = { target: "route chat via http://127.0.0.1:4000", model: "chat", profile: BenchProfile.parse({}), levels: [level, { ...level, concurrency: 2 }], slo: { atConcurrency: 1, misses: [] } };

  test("table and Markdown carry every level and the SLO verdict", () => {
    const table = renderBenchTable(report).split("\n");
    assert.match(table[1]!, /^level\s+ok\/failed\s+err %\s+TTFT p50/);
    assert.match(table[2]!, /^c=1\s+1\/0\s+0\.0\s+100\.0\s+100\.0\s+100\.0\s+100\.0/);
    assert.equal(table.at(-1), "SLO at concurrency 1: met");
    const md = renderBenchMarkdown(report);
    assert.match(md, /^\| c=2 \| 1\/0 \| 0\.0 \| 100\.0 /m);
    assert.match(md, /\*\*SLO at concurrency 1: met\*\*/);
  });

  test("SVG: well-formed, both panels, escaped names, deterministic", () => {
    const svg = renderBenchSvg([{ name: "a<b", levels: report.levels }]);
    assert.equal(svg, renderBenchSvg([{ name: "a<b", levels: report.levels }]));
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, />Output throughput</);
    assert.match(svg, />TTFT p95</);
    assert.ok(svg.includes("a&#60;b") && !svg.includes("a<b"));
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2, "one line per panel");
    assert.deepEqual([niceMax(0), niceMax(3), niceMax(11), niceMax(4900)], [1, 5, 20, 5000]);
    const byRate = renderBenchSvg([{ name: "r", levels: [{ ...level, concurrency: null, rate: 0.5 }, { ...level, concurrency: null, rate: 2 }] }]);
    assert.match(byRate, />requests\/s</);
    assert.equal((byRate.match(/<circle /g) ?? []).length, 4, "a fixed-rate sweep is drawn against its rates");
  });
});

describe("the PR comment embeds a bench", () => {
  const level = summarizeLevel({ concurrency: 1, rate: null }, [ok(100, 1000, 10)], 1);
  const report: BenchReport = { target: "route chat via http://127.0.0.1:4000", model: "chat", profile: BenchProfile.parse({}), levels: [level] };
  const files: Record<string, string> = { "bench.json": JSON.stringify(report), "bad.json": "{}" };
  const readFile = (p: string) => files[p] ?? readFileSync(p, "utf8");

  test("--bench appends the table and the chart after the plan; a JSON that is not a bench exits 2", () => {
    const fleet = join(repoRoot, "stacks/local.fleet.yaml");
    const run = prComment([fleet, "--bench", "bench.json", "--bench-chart", "https://example.invalid/bench.svg"], readFile);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^## inference-fabric plan/);
    assert.match(run.out, /### Benchmark\n\n_route chat via http:\/\/127\.0\.0\.1:4000, model chat: [^\n]*_\n\n\| level \|[\s\S]*\| c=1 \| 1\/0 \|[\s\S]*!\[throughput and TTFT p95 against concurrency\]\(https:\/\/example\.invalid\/bench\.svg\)\n$/);
    const bad = prComment([fleet, "--bench", "bad.json"], readFile);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^bad\.json: not the JSON of `fabric bench --json`/);
  });
});
