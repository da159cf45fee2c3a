// Removing secrets from text that leaves the program: errors, log lines, recorded fields. Free of
// imports: the Vast dynamic provider runs it inside Pulumi's serialized closure.

/** Secret fragments this long or longer are removed by `redact` (a shorter one says too little to matter). */
export const MIN_SECRET_FRAGMENT = 8;

/**
 * Replaces every run of `text` made of fragments of `MIN_SECRET_FRAGMENT` or more characters of a
 * secret (a whole key, or the prefix an error body's cut left) with `[redacted]`. Secrets shorter
 * than that are replaced where they occur whole; empty ones are ignored.
 */
export function redact(text: string, ...secrets: readonly string[]): string {
  const n = MIN_SECRET_FRAGMENT;
  const grams = new Set<string>();
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= n) for (let i = 0; i + n <= secret.length; i++) grams.add(secret.slice(i, i + n));
    else if (secret.length > 0) out = out.split(secret).join("[redacted]");
  }
  if (grams.size === 0 || out.length < n) return out;
  const hidden = new Uint8Array(out.length);
  for (let i = 0; i + n <= out.length; i++) if (grams.has(out.slice(i, i + n))) hidden.fill(1, i, i + n);
  let result = "";
  for (let i = 0; i < out.length; i++) {
    if (!hidden[i]) result += out[i];
    else if (i === 0 || !hidden[i - 1]) result += "[redacted]";
  }
  return result;
}
