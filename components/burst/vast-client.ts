// A small typed client over `fetch` for the documented Vast.ai REST API (REFERENCE.md §6).
// Every call has a timeout; 429 backs off like the official CLI (first pause 0.15–0.3 s, ×1.5 each
// retry) with jitter, or waits what a Retry-After asks, bounded in attempts and the call's deadline.
// Errors never carry a secret: every message and logged line passes through `redact`, which removes
// any fragment of 8 or more characters of any secret, before anything is cut short.
//
// This module is captured by Pulumi's function serialization (vast-provider.ts), so it imports
// only types and import-free core, and uses only globals (fetch, AbortSignal, setTimeout).
import { redact } from "../../core/burst/redact";
import { retryAfterMs } from "../../core/burst/retry-after";
import type { VastCreateBody, VastInstanceRecord } from "./vast-api";

export { MIN_SECRET_FRAGMENT, redact } from "../../core/burst/redact";
export { retryAfterMs } from "../../core/burst/retry-after";

export type { VastCreateBody, VastInstanceRecord, VastPortBinding } from "./vast-api";

/** Default API root. */
export const VAST_API_URL = "https://console.vast.ai/api/v0";

/**
 * What went wrong: `rate-limited` (429 after every allowed retry), `server` (5xx), `client` (other
 * 4xx, or `success: false`), `unauthorized` (401/403), `timeout` (no answer in time), `network`
 * (refused, reset, DNS), `protocol` (a 2xx answer not in the documented shape).
 */
export type VastErrorKind = "rate-limited" | "server" | "client" | "unauthorized" | "timeout" | "network" | "protocol";

/** Retry and timeout settings; every field has a CLI-like default. */
export interface VastRetryPolicy {
  /** Per-request timeout, ms. @default 30000 */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included. @default 8 */
  readonly maxAttempts: number;
  /** Wall-clock budget per call, retries and pauses included, ms. @default 120000 */
  readonly maxTotalMs: number;
  /** First pause after a 429 is uniform in [initialMinMs, initialMaxMs]. @default 150 / 300 */
  readonly initialMinMs: number;
  readonly initialMaxMs: number;
  /** Growth of the pause per retry. @default 1.5 */
  readonly factor: number;
  /** Cap on a single pause, ms. @default 10000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: VastRetryPolicy = {
  requestTimeoutMs: 30_000, maxAttempts: 8, maxTotalMs: 120_000, initialMinMs: 150, initialMaxMs: 300, factor: 1.5, maxDelayMs: 10_000,
};

export interface VastClientOptions {
  /** The API key, sent only as `Authorization: Bearer <key>`. */
  readonly apiKey: string;
  /** Other secrets this client sends (instance env values), redacted from errors like the key. @default [] */
  readonly alsoRedact?: readonly string[];
  /** @default VAST_API_URL */
  readonly baseUrl?: string;
  readonly retry?: Partial<VastRetryPolicy>;
  /** Receives one line per retry (already redacted). @default no logging */
  readonly log?: (line: string) => void;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** An error of the Vast API, with the numbers needed to act on it and never the key. */
export class VastError extends Error {
  override readonly name = "VastError";
  constructor(
    message: string,
    readonly kind: VastErrorKind,
    /** HTTP status, null when no answer came. */
    readonly status: number | null,
    /** e.g. `PUT /asks/1234/` (never the base URL's credentials, there are none). */
    readonly endpoint: string,
    /** Attempts made, the first included. */
    readonly attempts: number,
    /** The API's `error` field, e.g. `no_such_ask`, when it sent one. */
    readonly code: string | null,
    /** A contract (instance) id the answer carried despite the error: the instance may exist. */
    readonly contractId: number | null,
  ) {
    super(message);
  }
}

/** Longest piece of an API error body kept in a message (after redaction). */
export const MAX_ERROR_BODY_CHARS = 300;


/**
 * Pause before retry `retry` (1 = the first retry): the CLI's schedule, a first pause uniform in
 * [initialMinMs, initialMaxMs] growing ×factor, capped at maxDelayMs. `random` draws the start.
 */
export function retryDelayMs(retry: number, policy: VastRetryPolicy, random: () => number): number {
  const first = policy.initialMinMs + (policy.initialMaxMs - policy.initialMinMs) * random();
  return Math.min(policy.maxDelayMs, first * policy.factor ** Math.max(0, retry - 1));
}

interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  /** The Retry-After header, raw. */
  readonly retryAfter: string | null;
}

/** A call's retry rule: whether 5xx / timeouts / network errors may be retried (never for create). */
type Idempotence = "idempotent" | "not-idempotent";

export class VastClient {
  private readonly apiKey: string;
  private readonly secrets: readonly string[];
  private readonly baseUrl: string;
  private readonly policy: VastRetryPolicy;
  private readonly log: (line: string) => void;
  private readonly random: () => number;

  constructor(options: VastClientOptions) {
    this.apiKey = options.apiKey;
    this.secrets = [options.apiKey, ...(options.alsoRedact ?? [])];
    this.baseUrl = (options.baseUrl ?? VAST_API_URL).replace(/\/+$/, "");
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.log = options.log ?? (() => undefined);
    this.random = options.random ?? Math.random;
  }

  /** `POST /bundles/`: the raw answer, `{"offers": [...]}`. Parse it with core's `parseVastOffers`. */
  async searchOffers(body: unknown): Promise<unknown> {
    return (await this.call("POST", "/bundles/", body, "idempotent")).json;
  }

  /**
   * `PUT /asks/{offerId}/`: rents the offer. Returns the new instance id. Throws a VastError whose
   * `contractId` is set when the API refused but still named a contract (that instance may exist),
   * and whose kind is "server"/"timeout"/"network" when the outcome is unknown (never retried).
   */
  async createInstance(offerId: number, body: VastCreateBody): Promise<number> {
    const endpoint = `/asks/${offerId}/`;
    const answer = await this.call("PUT", endpoint, body, "not-idempotent");
    const json = asRecord(answer.json);
    const contract = contractOf(json);
    if (json?.success === true && contract !== null) return contract;
    throw this.error(
      `PUT ${endpoint}: ${json?.success === false ? "refused" : "answer without new_contract"}: ${describe(answer, (t) => this.clean(t))}`,
      json?.success === false ? "client" : "protocol", answer.status, `PUT ${endpoint}`, 1, codeOf(json), contract,
    );
  }

  /** `GET /instances/{id}/`: the instance, or null when it no longer exists (404 or `instances: null`). */
  async showInstance(id: number): Promise<VastInstanceRecord | null> {
    const endpoint = `/instances/${id}/?owner=me`;
    const answer = await this.call("GET", endpoint, undefined, "idempotent", [404]);
    if (answer.status === 404) return null;
    const raw = asRecord(answer.json)?.instances;
    // The single-instance endpoint answers {"instances": {...}}; tolerate a one-element list.
    const record = Array.isArray(raw) ? raw[0] : raw;
    if (record === null || record === undefined) return null;
    const instance = instanceOf(record);
    if (!instance) throw this.error(`GET ${endpoint}: not an instance: ${describe(answer, (t) => this.clean(t))}`, "protocol", answer.status, `GET ${endpoint}`, 1, null, null);
    return instance;
  }

  /** `GET /instances/`: every instance of the key's owner. */
  async listInstances(): Promise<VastInstanceRecord[]> {
    const endpoint = "/instances/?owner=me";
    const answer = await this.call("GET", endpoint, undefined, "idempotent");
    const raw = asRecord(answer.json)?.instances;
    if (!Array.isArray(raw)) throw this.error(`GET ${endpoint}: no instances list: ${describe(answer, (t) => this.clean(t))}`, "protocol", answer.status, `GET ${endpoint}`, 1, null, null);
    return raw.flatMap((r) => instanceOf(r) ?? []);
  }

  /** `PUT /instances/{id}/` with a new label. */
  async setLabel(id: number, label: string): Promise<void> {
    await this.call("PUT", `/instances/${id}/`, { label }, "idempotent");
  }

  /**
   * `DELETE /instances/{id}/`. Returns "destroyed", or "already-gone" when the API says the
   * instance does not exist (404 or `no_such_instance`): either way nothing is left to pay for.
   */
  async destroyInstance(id: number): Promise<"destroyed" | "already-gone"> {
    const endpoint = `/instances/${id}/`;
    const answer = await this.call("DELETE", endpoint, undefined, "idempotent", [404]);
    const json = asRecord(answer.json);
    if (answer.status === 404 || codeOf(json) === "no_such_instance") return "already-gone";
    if (json?.success === false) {
      throw this.error(`DELETE ${endpoint}: refused: ${describe(answer, (t) => this.clean(t))}`, "client", answer.status, `DELETE ${endpoint}`, 1, codeOf(json), null);
    }
    return "destroyed";
  }

  /** One API call with timeout, bounded retries and backoff. `passStatuses` are returned, not thrown. */
  private async call(method: string, path: string, body: unknown, idempotence: Idempotence, passStatuses: readonly number[] = []): Promise<Answer> {
    const endpoint = `${method} ${path}`;
    const started = Date.now();
    const { maxAttempts, maxTotalMs, requestTimeoutMs } = this.policy;
    let last: VastError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const remaining = maxTotalMs - (Date.now() - started);
      if (remaining <= 0) break;
      let answer: Answer;
      try {
        answer = await this.send(method, path, body, Math.min(requestTimeoutMs, remaining));
      } catch (e) {
        const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
        // An attempt the call's deadline cut short says nothing new: keep what the server last
        // answered (a 429 storm stays a rate limit, not a "timeout" of a few milliseconds).
        if (timedOut && remaining < requestTimeoutMs && last !== undefined && last.status !== null) break;
        const cause = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
        last = this.error(
          timedOut ? `${endpoint}: no answer within ${Math.min(requestTimeoutMs, remaining)} ms (attempt ${attempt})` : `${endpoint}: ${cause} (attempt ${attempt})`,
          timedOut ? "timeout" : "network", null, endpoint, attempt, null, null,
        );
        if (idempotence === "not-idempotent") throw last;
        if (!(await this.pause(attempt, started, last))) break;
        continue;
      }
      if ((answer.status >= 200 && answer.status < 300) || passStatuses.includes(answer.status)) return answer;
      const json = asRecord(answer.json);
      const kind: VastErrorKind = answer.status === 429 ? "rate-limited"
        : answer.status >= 500 ? "server"
          : answer.status === 401 || answer.status === 403 ? "unauthorized" : "client";
      last = this.error(`${endpoint}: HTTP ${answer.status}: ${describe(answer, (t) => this.clean(t))} (attempt ${attempt})`, kind, answer.status, endpoint, attempt, codeOf(json), contractOf(json));
      const retryable = kind === "rate-limited" || (kind === "server" && idempotence === "idempotent");
      if (!retryable) throw last;
      const asked = answer.status === 429 || answer.status === 503 ? retryAfterMs(answer.retryAfter) : null;
      if (!(await this.pause(attempt, started, last, asked))) break;
    }
    const spent = ((Date.now() - started) / 1000).toFixed(2);
    const reason = last ? last.message : `${endpoint}: no attempt fitted in ${maxTotalMs} ms`;
    throw this.error(`${reason}; gave up after ${last?.attempts ?? 0} attempt(s) in ${spent} s (limits: ${maxAttempts} attempts, ${maxTotalMs} ms)`,
      last?.kind ?? "timeout", last?.status ?? null, endpoint, last?.attempts ?? 0, last?.code ?? null, last?.contractId ?? null);
  }

  /**
   * Sleeps before the next retry: what the server's Retry-After asks (`askedMs`), else the CLI's
   * schedule. False when another attempt would not fit the limits: a Retry-After longer than what
   * is left of the call's deadline ends the call now instead of retrying early.
   */
  private async pause(attempt: number, started: number, error: VastError, askedMs: number | null = null): Promise<boolean> {
    if (attempt >= this.policy.maxAttempts) return false;
    const delay = askedMs ?? retryDelayMs(attempt, this.policy, this.random);
    if (Date.now() - started + delay >= this.policy.maxTotalMs) {
      if (askedMs !== null) this.log(`vast: ${error.message}; the server asks to wait ${(askedMs / 1000).toFixed(2)} s (Retry-After), beyond the call's deadline of ${(this.policy.maxTotalMs / 1000).toFixed(2)} s: giving up`);
      return false;
    }
    this.log(`vast: ${error.message}; retrying in ${(delay / 1000).toFixed(2)} s${askedMs !== null ? " (Retry-After)" : ""}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return true;
  }

  private async send(method: string, path: string, body: unknown, timeoutMs: number): Promise<Answer> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.apiKey}`, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json: unknown = null;
    try { json = text.length > 0 ? JSON.parse(text) : null; } catch { json = null; }
    return { status: response.status, json, text, retryAfter: response.headers.get("retry-after") };
  }

  /** Removes every secret this client knows (and any 8-character fragment of one) from `text`. */
  clean(text: string): string {
    return redact(text, ...this.secrets);
  }

  private error(message: string, kind: VastErrorKind, status: number | null, endpoint: string, attempts: number, code: string | null, contractId: number | null): VastError {
    const clean = (text: string) => this.clean(text);
    return new VastError(clean(message), kind, status, clean(endpoint), attempts, code === null ? null : clean(code), contractId);
  }
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

function codeOf(json: Record<string, unknown> | null): string | null {
  return typeof json?.error === "string" ? json.error : null;
}

function contractOf(json: Record<string, unknown> | null): number | null {
  const value = json?.new_contract;
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * The API's own words (msg / message / error, else the body), redacted by `clean` first and only
 * then kept short: a cut made before redaction could leave a key's prefix that no longer matches it.
 */
function describe(answer: Answer, clean: (text: string) => string): string {
  const json = asRecord(answer.json);
  const words = [json?.error, json?.msg ?? json?.message].filter((w): w is string => typeof w === "string");
  const text = clean(words.length > 0 ? words.join(": ") : answer.text.trim());
  return text.length > MAX_ERROR_BODY_CHARS ? `${text.slice(0, MAX_ERROR_BODY_CHARS)}…` : text || "(empty body)";
}

function instanceOf(value: unknown): VastInstanceRecord | null {
  const record = asRecord(value);
  if (!record || typeof record.id !== "number") return null;
  return { ...record, id: record.id, actual_status: typeof record.actual_status === "string" ? record.actual_status : null } as VastInstanceRecord;
}
