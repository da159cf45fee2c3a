/** One-line fit verdicts with the numbers (STYLE rule 5). */

/** GiB with two decimals below 10 (0.25), one above (65.8). */
export function gib(value: number): string {
  return Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** 199680 → "199,680", independent of the host's locale. */
export function thousands(value: number): string {
  return Math.trunc(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Labelled parts of a memory need, zero parts left out: "weights 15.2 + activation 1.9". */
export function parts(entries: ReadonlyArray<readonly [string, number]>): string {
  return entries.filter(([, v]) => v > 0.005).map(([label, v]) => `${label} ${gib(v)}`).join(" + ");
}

/** The reminder every unified-memory verdict carries. */
export function unifiedNote(gpu: string, totalGiB: number): string {
  return `; ${gpu} memory is unified: the OS, containers and page cache share these ${gib(totalGiB)} GiB`;
}

/** What a paged engine (vLLM, SGLang, TensorRT-LLM) needs against what it may use. */
export interface PagedVerdict {
  readonly gpu: string;
  readonly totalGiB: number;
  /** How the budget is derived, e.g. "0.55 × 119.7 = 65.8 GiB". */
  readonly budgetText: string;
  readonly needParts: ReadonlyArray<readonly [string, number]>;
  readonly maxModelLen: number;
  readonly sequenceGiB: number;
  readonly poolGiB: number;
  readonly tokens: number;
  readonly concurrency: number;
  readonly fits: boolean;
  readonly unified: boolean;
  /** Longest context the pool holds one sequence of, when that is below maxModelLen. */
  readonly longestFittingLen?: number;
  /** Utilisation that would make one maxModelLen sequence fit; > 1 means none does. */
  readonly utilisationNeeded?: number;
}

/** "needs … of/but <gpu> gives …" with the pool in tokens and sequences, and a fix when it does not fit. */
export function pagedMessage(v: PagedVerdict): string {
  const needParts = [...v.needParts, [`KV for one ${v.maxModelLen}-token sequence`, v.sequenceGiB] as const];
  const need = needParts.reduce((s, [, x]) => s + x, 0);
  const head = `needs ${gib(need)} GiB (${parts(needParts)})`;
  const tail = v.unified ? unifiedNote(v.gpu, v.totalGiB) : "";
  if (v.fits) {
    return `fits: ${head} of the ${v.budgetText} ${v.gpu} gives this engine: ${gib(v.poolGiB)} GiB of KV = ` +
      `${thousands(v.tokens)} tokens, ${v.concurrency.toFixed(2)} sequences at ${v.maxModelLen}${tail}`;
  }
  const pool = v.poolGiB > 0 ? `leaves ${gib(v.poolGiB)} GiB of KV` : `leaves no KV pool (${gib(v.poolGiB)} GiB)`;
  const fixes: string[] = [];
  if (v.longestFittingLen !== undefined && v.longestFittingLen >= 16) fixes.push(`lower maxModelLen to ${v.longestFittingLen} or less`);
  if (v.utilisationNeeded !== undefined && v.utilisationNeeded <= 1) {
    fixes.push(`raise gpuMemoryUtilization to ${(Math.ceil(v.utilisationNeeded * 100) / 100).toFixed(2)}`);
  }
  fixes.push("use a smaller quantisation or more GPUs (tensorParallel)");
  return `does not fit: ${head} but ${v.gpu} gives ${v.budgetText}, which ${pool}; ${fixes.join(", or ")}${tail}`;
}
