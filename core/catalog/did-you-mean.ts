/** "Did you mean …?" suggestions for names people type: hardware ids, model ids, config keys. */

/** Lower case, without separators: `RTX_5090`, `rtx-5090` and `rtx 5090` compare equal. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.]/g, "");
}

/** Edit distance (insertions, deletions, substitutions), two rows of the classic table. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `input`, or undefined when none is plausibly meant.
 *
 * Separators and case are ignored. A candidate qualifies when its edit distance is at most a third
 * of the longer name (minimum 2), or when one normalised name contains the other (`5090` →
 * `rtx-5090`). Ties go to the earlier candidate, so callers control precedence by order.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalise(input);
  if (wanted.length === 0) return undefined;
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    const have = normalise(name);
    if (have === wanted) return name;
    const distance = levenshtein(wanted, have);
    const limit = Math.max(2, Math.floor(Math.max(wanted.length, have.length) / 3));
    const contained = wanted.length >= 3 && (have.includes(wanted) || wanted.includes(have));
    // A prefix (`h100` → `h100-80gb`) beats one edit; other containment beats two edits but not one
    // (so `maxModelLenn` means `maxModelLen`, not `model`).
    const prefix = wanted.length >= 3 && (have.startsWith(wanted) || wanted.startsWith(have));
    const score = prefix ? Math.min(distance, 0.5) : contained ? Math.min(distance, 1.5) : distance;
    if ((distance <= limit || contained) && (!best || score < best.score)) best = { name, score };
  }
  return best?.name;
}
