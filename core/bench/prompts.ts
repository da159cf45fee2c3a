import { randomInt, randomLcg } from "d3-random";

/** One request of a benchmark: the user message and the completion length asked for. */
export interface BenchPrompt {
  readonly content: string;
  readonly maxTokens: number;
}

// Short, common English words: about one token each in the usual BPE vocabularies.
const WORDS = [
  "the", "of", "and", "to", "in", "is", "it", "for", "on", "as", "with", "at", "by", "from", "or", "an",
  "be", "this", "which", "are", "was", "but", "not", "all", "can", "one", "has", "more", "new", "time",
  "data", "model", "light", "river", "stone", "green", "blue", "city", "day", "night", "road", "tree",
];

/**
 * `count` synthetic prompts of about `inputTokens` tokens (±10%, one word ≈ one token) asking for
 * `outputTokens` tokens. The same seed gives the same prompts, so two candidates are benched with
 * identical requests. Every prompt starts with its index so no two share a cached prefix.
 */
export function syntheticPrompts(count: number, inputTokens: number, outputTokens: number, seed: number): BenchPrompt[] {
  const source = randomLcg(seedFraction(seed));
  const length = randomInt.source(source)(Math.max(1, Math.floor(inputTokens * 0.9)), Math.floor(inputTokens * 1.1) + 1);
  const word = randomInt.source(source)(0, WORDS.length);
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: Math.max(1, length() - 1) }, () => WORDS[word()]);
    return { content: `${i} ${words.join(" ")}`, maxTokens: outputTokens };
  });
}

/** d3's LCG takes a seed in [0, 1); integer seeds map to distinct fractions. */
function seedFraction(seed: number): number {
  return ((seed * 0.6180339887498949) % 1 + 1) % 1;
}

/**
 * Prompts from a JSONL file: one object per line with `prompt` (or `content`) and optional
 * `max_tokens` / `output_tokens`. Blank lines are skipped; a bad line throws with its number.
 */
export function promptsFromJsonl(text: string, defaultOutputTokens: number): BenchPrompt[] {
  const prompts: BenchPrompt[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const content = row.prompt ?? row.content;
    if (typeof content !== "string" || content === "") throw new Error(`line ${i + 1}: needs a non-empty "prompt" string`);
    const maxTokens = row.max_tokens ?? row.output_tokens ?? defaultOutputTokens;
    if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`line ${i + 1}: max_tokens must be a positive integer`);
    prompts.push({ content, maxTokens });
  });
  if (prompts.length === 0) throw new Error("no prompts in the file");
  return prompts;
}
