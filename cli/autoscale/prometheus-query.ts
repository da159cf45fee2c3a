// Instant queries against Prometheus' HTTP API (GET /api/v1/query), bounded in time. Answers are
// plain numbers with their sample time; "no data" (empty result, NaN) is null, and an unreachable
// or failing Prometheus throws, so the controller can say which it was.

/** One number: the value of a query whose result is a single sample (or none). */
export interface Sample {
  readonly value: number | null;
  /** Sample time, ms since the epoch (null when there is no sample). */
  readonly at: number | null;
}

export class PrometheusUnreachable extends Error {}

interface ApiAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

type VectorItem = { metric?: Record<string, string>; value?: [number, string] };

export class PrometheusQuery {
  constructor(private readonly baseUrl: string, private readonly timeoutMs = 5_000) {}

  private async query(expr: string): Promise<{ resultType: string; result: unknown }> {
    const url = `${this.baseUrl.replace(/\/$/, "")}/api/v1/query?query=${encodeURIComponent(expr)}`;
    let answer: Response;
    try {
      answer = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new PrometheusUnreachable(`Prometheus at ${this.baseUrl} unreachable: ${(e as Error).message}`);
    }
    const body = await answer.json().catch(() => ({})) as ApiAnswer;
    if (!answer.ok || body.status !== "success" || !body.data) {
      throw new PrometheusUnreachable(`Prometheus at ${this.baseUrl} answered ${answer.status}: ${body.error ?? "no data"} (query ${expr.slice(0, 200)})`);
    }
    return { resultType: body.data.resultType ?? "", result: body.data.result };
  }

  /** A query meant to give one number: the sum of the vector's samples, or null when it is empty or NaN. */
  async scalar(expr: string): Promise<Sample> {
    const { resultType, result } = await this.query(expr);
    if (resultType === "scalar" && Array.isArray(result)) return sample(result as [number, string]);
    const items = Array.isArray(result) ? result as VectorItem[] : [];
    if (items.length === 0) return { value: null, at: null };
    const samples = items.map((i) => sample(i.value));
    if (samples.some((s) => s.value === null)) return { value: null, at: null };
    return { value: samples.reduce((sum, s) => sum + (s.value ?? 0), 0), at: Math.min(...samples.map((s) => s.at ?? 0)) };
  }

  /** A vector keyed by one label's value (e.g. `burst_host`); samples without the label are dropped. */
  async byLabel(expr: string, label: string): Promise<Map<string, Sample>> {
    const { result } = await this.query(expr);
    const out = new Map<string, Sample>();
    for (const item of Array.isArray(result) ? result as VectorItem[] : []) {
      const key = item.metric?.[label];
      if (key !== undefined) out.set(key, sample(item.value));
    }
    return out;
  }
}

function sample(pair: [number, string] | undefined): Sample {
  if (!pair) return { value: null, at: null };
  const value = Number(pair[1]);
  return { value: Number.isFinite(value) ? value : null, at: Math.round(pair[0] * 1000) };
}
