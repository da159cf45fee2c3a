// The load generator of `fabric bench`: streaming chat completions through the `openai` client
// (SSE parsing, errors), one RequestRecord per request, at a fixed concurrency or a Poisson rate.
// Failures (HTTP 429/500 from a gateway, refused connections, timeouts) are records, never throws.
import { randomExponential, randomLcg } from "d3-random";
import OpenAI from "openai";
import type { BenchPrompt } from "../../core/bench/prompts";
import type { RequestRecord } from "../../core/bench/summary";

/** An OpenAI-compatible endpoint: base URL ending in /v1, the key (never printed) and the model name. */
export interface LoadTarget {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly model: string;
}

export interface LevelLoad {
  readonly prompts: readonly BenchPrompt[];
  /** Requests in flight at once; or `rate` for Poisson arrivals. */
  readonly concurrency?: number;
  /** Requests per second (exponential gaps, seeded). */
  readonly rate?: number;
  readonly seed?: number;
  /** No request is sent after this many seconds; one in flight then gets the same again to finish. */
  readonly maxSeconds: number;
  /** Called after each request (the progress bar). */
  readonly onRequestDone?: () => void;
}

export interface LevelRun {
  readonly records: RequestRecord[];
  readonly durationSeconds: number;
}

export function clientFor(target: LoadTarget, timeoutMs: number): OpenAI {
  return new OpenAI({ baseURL: target.baseUrl, apiKey: target.apiKey || "none", maxRetries: 0, timeout: timeoutMs });
}

/** One streamed chat completion, timed. */
export async function measureRequest(client: OpenAI, model: string, prompt: BenchPrompt): Promise<RequestRecord> {
  const t0 = performance.now();
  let ttft: number | null = null;
  let last = t0;
  let lastContent = t0;
  const itl: number[] = [];
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  try {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: prompt.content }],
      max_tokens: prompt.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      const now = performance.now();
      last = now;
      if (chunk.usage) usage = chunk.usage;
      const content = chunk.choices[0]?.delta?.content;
      if (!content) continue;
      if (ttft === null) ttft = now - t0;
      else itl.push(now - lastContent);
      lastContent = now;
    }
  } catch (e) {
    return failed(e, t0);
  }
  if (!usage) return { ok: false, error: "the stream ended without a usage chunk (stream_options.include_usage)", ttftMs: ttft, e2eMs: last - t0, itlMs: itl, outputTokens: 0, inputTokens: 0 };
  if (ttft === null) return { ok: false, error: "the stream carried no content", ttftMs: null, e2eMs: last - t0, itlMs: itl, outputTokens: usage.completion_tokens, inputTokens: usage.prompt_tokens };
  return { ok: true, ttftMs: ttft, e2eMs: last - t0, itlMs: itl, outputTokens: usage.completion_tokens, inputTokens: usage.prompt_tokens };
}

function failed(e: unknown, t0: number): RequestRecord {
  const status = e instanceof OpenAI.APIError && e.status ? `HTTP ${e.status}: ` : "";
  const message = (e as Error).message?.split("\n")[0]?.slice(0, 200) ?? String(e);
  return { ok: false, error: `${status}${message}`, ttftMs: null, e2eMs: performance.now() - t0, itlMs: [], outputTokens: 0, inputTokens: 0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `prompts` at the level's concurrency (or rate) until all are sent or `maxSeconds` pass. */
export async function runLevel(client: OpenAI, model: string, load: LevelLoad): Promise<LevelRun> {
  const records: RequestRecord[] = [];
  const t0 = performance.now();
  const deadline = t0 + load.maxSeconds * 1000;
  const send = async (prompt: BenchPrompt) => {
    records.push(await measureRequest(client, model, prompt));
    load.onRequestDone?.();
  };
  if (load.rate !== undefined) {
    const gap = randomExponential.source(randomLcg(((load.seed ?? 0) * 0.7548776662466927) % 1))(load.rate);
    const inFlight: Promise<void>[] = [];
    for (const prompt of load.prompts) {
      if (performance.now() > deadline) break;
      inFlight.push(send(prompt));
      await sleep(gap() * 1000);
    }
    await Promise.all(inFlight);
  } else {
    let next = 0;
    const worker = async () => {
      while (next < load.prompts.length && performance.now() <= deadline) await send(load.prompts[next++]!);
    };
    await Promise.all(Array.from({ length: load.concurrency ?? 1 }, worker));
  }
  return { records, durationSeconds: (performance.now() - t0) / 1000 };
}
