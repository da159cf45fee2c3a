/**
 * How close the memory model comes to what vLLM printed at startup, row by row
 * (test/fixtures/vllm-startup-logs.ts): KV-cache tokens predicted with the logged weight size, and
 * with the model's own weight estimate. Run: `node --import tsx bench/fit-accuracy.ts [--json]`.
 * The anchor to beat is llm-d-planner's 6.7 % mean absolute error on KV cache.
 */
import { fitEngine } from "../core/fit/fit";
import type { FitInput } from "../core/fit/types";
import { estimateWeightsGiB } from "../core/fit/weights";
import { rowArchitecture, type VllmLogRow, vllmLogRows } from "../test/fixtures/vllm-startup-logs";

/** Predicted KV tokens for a row; `useLoggedWeights` feeds vLLM's own "Model loading took". */
export function predictTokens(row: VllmLogRow, useLoggedWeights: boolean): number {
  const architecture = rowArchitecture(row);
  const input: FitInput = {
    architecture, quantization: row.quantization, kvCacheDtype: row.kvCacheDtype, gpuMemoryGiB: row.totalGiB,
    unifiedMemory: false, gpuMemoryUtilization: row.gpuMemoryUtilization, tensorParallel: row.tensorParallel,
    maxModelLen: row.maxModelLen, maxNumSeqs: row.maxNumSeqs, maxNumBatchedTokens: row.maxNumBatchedTokens, engine: "vllm",
    engineVersion: row.vllmVersion, hardwareId: row.hardware, interconnect: row.interconnect,
    ...(useLoggedWeights ? { weightsGiB: row.weightsGiB } : {}),
  };
  return fitEngine(input).kvCacheTokens;
}

/** Signed relative error, percent. */
export function errorPercent(predicted: number, actual: number): number {
  return ((predicted - actual) / actual) * 100;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function main(json: boolean): void {
  const rows = vllmLogRows.map((row) => {
    const logged = errorPercent(predictTokens(row, true), row.kvTokens);
    const estimated = errorPercent(predictTokens(row, false), row.kvTokens);
    const weightError = errorPercent(estimateWeightsGiB(rowArchitecture(row), row.quantization, row.tensorParallel), row.weightsGiB);
    return { id: row.id, vllm: row.vllmVersion, tokens: row.kvTokens, logged, estimated, weightError };
  });
  const abs = (k: "logged" | "estimated" | "weightError") => rows.map((r) => Math.abs(r[k]));
  const summary = {
    rows: rows.length,
    medianAbsLoggedWeights: median(abs("logged")), meanAbsLoggedWeights: abs("logged").reduce((s, x) => s + x, 0) / rows.length,
    medianAbsOwnEstimate: median(abs("estimated")), meanAbsOwnEstimate: abs("estimated").reduce((s, x) => s + x, 0) / rows.length,
    medianAbsWeightError: median(abs("weightError")),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ rows, summary }, null, 2)}\n`);
    return;
  }
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}%`.padStart(9);
  const lines = [`${"row".padEnd(54)}${"vLLM".padEnd(10)}${"tokens".padStart(10)} ${"logged w".padStart(9)} ${"own est".padStart(9)} ${"weights".padStart(9)}`];
  for (const r of rows) {
    lines.push(`${r.id.padEnd(54)}${r.vllm.padEnd(10)}${String(r.tokens).padStart(10)} ${pct(r.logged)} ${pct(r.estimated)} ${pct(r.weightError)}`);
  }
  lines.push("", `KV tokens, logged weights: median |error| ${summary.medianAbsLoggedWeights.toFixed(2)}%, mean ${summary.meanAbsLoggedWeights.toFixed(2)}%`);
  lines.push(`KV tokens, own weight estimate: median |error| ${summary.medianAbsOwnEstimate.toFixed(2)}%, mean ${summary.meanAbsOwnEstimate.toFixed(2)}%`);
  lines.push(`weight estimate: median |error| ${summary.medianAbsWeightError.toFixed(2)}%  (llm-d-planner anchor: 6.7% mean |error| on KV)`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (require.main === module) main(process.argv.includes("--json"));
