/**
 * The memory fit against every real startup log in the fixtures (test/fixtures/vllm-startup-logs.ts,
 * test/fixtures/sglang-startup-logs.ts): per row the predicted and logged KV-cache tokens, and per
 * engine and hardware class the error band `fabric fit` prints (core/fit/error-bands.generated.ts).
 */
import { findModel } from "../core/catalog/models";
import type { ModelArchitecture } from "../core/catalog/types";
import { type FitErrorBand, hardwareClass } from "../core/fit/error-band";
import { fitEngine } from "../core/fit/fit";
import type { FitInput } from "../core/fit/types";
import { estimateWeightsGiB } from "../core/fit/weights";
import { type SglangLogRow, sglangLogRows } from "../test/fixtures/sglang-startup-logs";
import { rowArchitecture, type VllmLogRow, vllmLogRows } from "../test/fixtures/vllm-startup-logs";

/** Predicted KV tokens for a vLLM row; `useLoggedWeights` feeds vLLM's own "Model loading took". */
export function predictTokens(row: VllmLogRow, useLoggedWeights: boolean): number {
  const input: FitInput = {
    architecture: rowArchitecture(row), quantization: row.quantization, kvCacheDtype: row.kvCacheDtype, gpuMemoryGiB: row.totalGiB,
    unifiedMemory: row.hardware === "dgx-spark", gpuMemoryUtilization: row.gpuMemoryUtilization, tensorParallel: row.tensorParallel,
    maxModelLen: row.maxModelLen, maxNumSeqs: row.maxNumSeqs, maxNumBatchedTokens: row.maxNumBatchedTokens, engine: "vllm",
    engineVersion: row.vllmVersion, hardwareId: row.hardware, interconnect: row.interconnect,
    ...(useLoggedWeights ? { weightsGiB: row.weightsGiB } : {}),
  };
  return fitEngine(input).kvCacheTokens;
}

function sglangArchitecture(row: SglangLogRow): ModelArchitecture {
  if (typeof row.model !== "string") return row.model;
  const entry = findModel(row.model);
  if (!entry) throw new Error(`sglang-startup-logs: unknown model ${row.model}`);
  return entry.architecture;
}

/** Predicted KV tokens for an SGLang row; without logged weights both readings use the estimate. */
export function predictSglangTokens(row: SglangLogRow, useLoggedWeights: boolean): number {
  const input: FitInput = {
    architecture: sglangArchitecture(row), quantization: row.quantization, kvCacheDtype: row.kvCacheDtype, gpuMemoryGiB: row.totalGiB,
    unifiedMemory: row.hardware === "dgx-spark", gpuMemoryUtilization: row.memFractionStatic, tensorParallel: row.tensorParallel,
    maxModelLen: 4096, maxNumSeqs: 256, engine: "sglang", engineVersion: row.sglangVersion, hardwareId: row.hardware,
    interconnect: row.interconnect,
    ...(row.otherProcessesGiB === undefined ? {} : { otherProcessesGiB: row.otherProcessesGiB }),
    ...(useLoggedWeights && row.weightsGiB !== undefined ? { weightsGiB: row.weightsGiB } : {}),
  };
  return fitEngine(input).kvCacheTokens;
}

/** Signed relative error, percent. */
export function errorPercent(predicted: number, actual: number): number {
  return ((predicted - actual) / actual) * 100;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** One log compared: errors in percent of the logged tokens. */
export interface EvaluatedRow {
  readonly id: string;
  readonly engine: "vllm" | "sglang";
  readonly version: string;
  readonly hardwareClass: string;
  readonly tokens: number;
  /** With the weight size the engine logged (the estimate when it logged none). */
  readonly logged: number;
  /** With the calculator's own weight estimate — what `fabric fit` shows by default. */
  readonly estimated: number;
  /** Weight estimate against the logged size; undefined when no size was logged. */
  readonly weightError: number | undefined;
}

export function evaluateRows(): EvaluatedRow[] {
  const vllm = vllmLogRows.map((row): EvaluatedRow => ({
    id: row.id, engine: "vllm", version: row.vllmVersion, hardwareClass: hardwareClass(row.hardware, row.tensorParallel),
    tokens: row.kvTokens, logged: errorPercent(predictTokens(row, true), row.kvTokens),
    estimated: errorPercent(predictTokens(row, false), row.kvTokens),
    weightError: errorPercent(estimateWeightsGiB(rowArchitecture(row), row.quantization, row.tensorParallel), row.weightsGiB),
  }));
  const sglang = sglangLogRows.map((row): EvaluatedRow => ({
    id: row.id, engine: "sglang", version: row.sglangVersion, hardwareClass: hardwareClass(row.hardware, row.tensorParallel),
    tokens: row.kvTokens, logged: errorPercent(predictSglangTokens(row, true), row.kvTokens),
    estimated: errorPercent(predictSglangTokens(row, false), row.kvTokens),
    weightError: row.weightsGiB === undefined ? undefined
      : errorPercent(estimateWeightsGiB(sglangArchitecture(row), row.quantization, row.tensorParallel), row.weightsGiB),
  }));
  return [...vllm, ...sglang];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Per engine and hardware class: n, median and largest |error| of the own-estimate prediction. */
export function errorBands(rows: readonly EvaluatedRow[]): FitErrorBand[] {
  const groups = new Map<string, EvaluatedRow[]>();
  for (const r of rows) {
    const key = `${r.engine}\u0000${r.hardwareClass}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].map(([key, group]) => {
    const [engine = "", cls = ""] = key.split("\u0000");
    const abs = group.map((r) => Math.abs(r.estimated));
    return { engine, hardwareClass: cls, logs: group.length, medianAbsPercent: round2(median(abs)), maxAbsPercent: round2(Math.max(...abs)) };
  }).sort((a, b) => a.engine.localeCompare(b.engine) || a.hardwareClass.localeCompare(b.hardwareClass));
}

/** The generated module's text for these bands. */
export function errorBandsModule(bands: readonly FitErrorBand[]): string {
  const lines = bands.map((b) => `  ${JSON.stringify(b)},`);
  return [
    "// Generated by `node --import tsx bench/fit-accuracy.ts --write-bands` from the startup-log fixtures",
    "// (test/fixtures/*-startup-logs.ts); test/unit/fit-error-bands.test.ts fails when it is stale. Do not edit.",
    'import type { FitErrorBand } from "./error-band";',
    "",
    "export const fitErrorBands: readonly FitErrorBand[] = [",
    ...lines,
    "];",
    "",
  ].join("\n");
}
