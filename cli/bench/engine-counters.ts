// An engine's own counters, read from its Prometheus /metrics with `parse-prometheus-text-format`,
// so a benchmark can be checked against what the engine says it did.
import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** Totals an engine reports; null where the engine has no such counter. */
export interface EngineCounters {
  readonly outputTokens: number | null;
  readonly promptTokens: number | null;
  readonly requests: number | null;
}

// Counter names per engine. llama.cpp has no request counter; its prompt tokens are split into
// processed and reused-from-cache, which add up to the prompt tokens of the requests.
const COUNTERS: Record<keyof EngineCounters, readonly string[][]> = {
  outputTokens: [["llamacpp:tokens_predicted_total"], ["vllm:generation_tokens_total"], ["sglang:generation_tokens_total"]],
  promptTokens: [["llamacpp:prompt_tokens_total", "llamacpp:prompt_tokens_cached_total"], ["vllm:prompt_tokens_total"], ["sglang:prompt_tokens_total"]],
  requests: [["vllm:request_success_total"], ["sglang:num_requests_total"]],
};

/** The counters of a /metrics text (every series of a family summed). */
export function engineCountersOf(text: string): EngineCounters {
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f.metrics.reduce((s, m) => s + Number(m.value ?? 0), 0)]));
  const pick = (options: readonly string[][]) => {
    const found = options.find((names) => names.every((n) => families.has(n)));
    return found ? found.reduce((s, n) => s + (families.get(n) ?? 0), 0) : null;
  };
  return { outputTokens: pick(COUNTERS.outputTokens), promptTokens: pick(COUNTERS.promptTokens), requests: pick(COUNTERS.requests) };
}

export async function readEngineCounters(metricsUrl: string): Promise<EngineCounters> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${metricsUrl}: HTTP ${res.status}`);
  return engineCountersOf(await res.text());
}

/** after − before, summed over engines; null where any engine lacks the counter. */
export function counterDelta(before: readonly EngineCounters[], after: readonly EngineCounters[]): EngineCounters {
  const sum = (list: readonly EngineCounters[], key: keyof EngineCounters) =>
    list.some((c) => c[key] === null) ? null : list.reduce((s, c) => s + (c[key] as number), 0);
  const delta = (key: keyof EngineCounters) => {
    const [a, b] = [sum(after, key), sum(before, key)];
    return a === null || b === null ? null : a - b;
  };
  return { outputTokens: delta("outputTokens"), promptTokens: delta("promptTokens"), requests: delta("requests") };
}
