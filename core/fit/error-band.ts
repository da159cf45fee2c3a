/**
 * How far the memory fit's KV-cache figure has been from what real engines logged, per engine and
 * hardware class. The numbers live in error-bands.generated.ts, written by
 * `node --import tsx bench/fit-accuracy.ts --write-bands` from the startup-log fixtures
 * (test/fixtures/*-startup-logs.ts); test/unit/fit-error-bands.test.ts fails when it is stale.
 */
import { fitErrorBands } from "./error-bands.generated";

/** The measured error of KV-cache tokens for one engine on one hardware class. */
export interface FitErrorBand {
  readonly engine: string;
  /** "H100", "A100 TP≥2", "GB10", "24 GB consumer", … (see {@link hardwareClass}). */
  readonly hardwareClass: string;
  readonly logs: number;
  /** Median |predicted − logged| / logged, percent. */
  readonly medianAbsPercent: number;
  /** Largest |error|, percent: the headroom a user should keep. */
  readonly maxAbsPercent: number;
}

/** Hardware catalog id → the class errors are pooled over (GPUs the model treats alike). */
const CLASS_OF: Readonly<Record<string, string>> = {
  "h100-80gb": "H100/H200", h200: "H100/H200",
  "a100-40gb": "A100", "a100-80gb": "A100",
  "dgx-spark": "GB10",
  "rtx-4090": "24 GB consumer", "rtx-3090": "24 GB consumer",
  "rtx-4080": "16 GB consumer", "rtx-5090": "32 GB consumer",
  l40s: "L40S", "rtx-pro-6000": "RTX PRO 6000",
};

/**
 * The class a fit on `hardwareId` at `tensorParallel` belongs to. Tensor parallelism is a class of
 * its own because it brings NCCL and all-reduce buffers the single-GPU fit does not have.
 */
export function hardwareClass(hardwareId: string, tensorParallel: number): string {
  const base = CLASS_OF[hardwareId] ?? hardwareId;
  return tensorParallel >= 2 ? `${base} TP≥2` : base;
}

/** The band measured for this engine and class, if any log of it exists. */
export function errorBandFor(engine: string, hardwareId: string, tensorParallel: number): FitErrorBand | undefined {
  const cls = hardwareClass(hardwareId, tensorParallel);
  return fitErrorBands.find((b) => b.engine === engine && b.hardwareClass === cls);
}

/**
 * The band for a plan row, where the tensor-parallel size is not at hand: the wider of the TP 1 and
 * TP ≥ 2 bands of that engine and GPU (the safe side).
 */
export function widestErrorBandFor(engine: string, hardwareId: string): FitErrorBand | undefined {
  const candidates = [errorBandFor(engine, hardwareId, 1), errorBandFor(engine, hardwareId, 2)]
    .filter((b): b is FitErrorBand => b !== undefined);
  return candidates.sort((a, b) => b.maxAbsPercent - a.maxAbsPercent)[0];
}

const ENGINE_NAMES: Readonly<Record<string, string>> = { vllm: "vLLM", sglang: "SGLang" };

/** "±1.2%" for a plan table cell, "?" when no log of the class exists. */
export function shortErrorBand(band: FitErrorBand | undefined): string {
  return band ? `±${upPercent(band.maxAbsPercent)}` : "?";
}

/** Percent rounded up to one decimal, so a band never reads tighter than measured. */
function upPercent(x: number): string {
  return `${(Math.ceil(x * 10) / 10).toFixed(1)}%`;
}

/** "±0.2% on H100/H200 (median 0.1%) — 15 vLLM logs", or what is unknown. */
export function formatErrorBand(band: FitErrorBand | undefined, engine: string, cls: string): string {
  if (!band) return `error unknown on ${cls}: no ${ENGINE_NAMES[engine] ?? engine} startup log of this class checked yet`;
  const n = `${band.logs} ${ENGINE_NAMES[band.engine] ?? band.engine} log${band.logs === 1 ? "" : "s"}`;
  return `±${upPercent(band.maxAbsPercent)} on ${band.hardwareClass} (median ${upPercent(band.medianAbsPercent)}) — ${n}`;
}
