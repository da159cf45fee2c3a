// A fake Vast.ai REST API on 127.0.0.1 (random port) speaking the documented shapes
// (REFERENCE.md §6; vast-python's vast.py): search (POST /bundles/), rent (PUT /asks/{id}/),
// show/list (GET /instances/[{id}/]), label (PUT /instances/{id}/), destroy (DELETE /instances/{id}/).
// Instances move null → loading → running as they are polled. Faults are injected per test.
// The instances it holds are the ground truth ("exists at Vast, bills"): it records every call, the
// live instances, and the high-water marks of how many were alive and what they cost per hour at
// any instant, so tests can prove nothing leaked and no cap was crossed even for a moment.
// Faults written from the fault-injection report of issue 11: rents created server-side later than
// their (failed) answer, a list that lags behind creations, 5xx, 429 with and without Retry-After,
// offers repriced between search and rent, error bodies that echo the Authorization header.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** An offer as search returns it (the fields the fake filters and sorts on; any others pass through). */
export type FakeOffer = { readonly id: number; readonly machine_id: number; readonly dph_total: number } & Readonly<Record<string, unknown>>;

/** An instance the fake holds (destroyed ones are removed). */
export interface FakeInstance {
  readonly id: number;
  readonly offerId: number;
  readonly machineId: number;
  label: string;
  readonly image: string;
  readonly body: Record<string, unknown>;
  /** GETs seen (status advances with them). */
  polls: number;
  readonly ports: Record<string, { HostIp: string; HostPort: string }[]>;
  readonly offer: FakeOffer;
  /** What it bills, $/h (the offer's price unless repriced). */
  readonly pricePerHour: number;
}

export interface FakeCall {
  /** Date.now() when the answer was decided. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
  readonly authorization: string | undefined;
}

/** Which calls a fault applies to: method, exact path and/or path prefix (all optional). */
export interface CallMatch {
  readonly method?: string;
  readonly path?: string;
  readonly pathPrefix?: string;
}

/**
 * How a 5xx body quotes the request's Authorization header: not at all, plainly, or placed so that
 * a client cutting the body at 300 characters before redacting keeps a 20-character key prefix.
 */
export type EchoAuth = false | true | "near-cut";

export interface FakeVastOptions {
  readonly apiKey: string;
  readonly offers: readonly FakeOffer[];
  /** GETs after which a new instance reports `running` (first GET: null, then loading). @default 2 */
  readonly pollsToRunning?: number;
  /** How a destroyed or unknown instance reads: HTTP 404, or 200 with `{"instances": null}`. @default "null" */
  readonly goneShape?: "404" | "null";
  /**
   * Container mode: renting an offer starts a real local container (host networking, 127.0.0.1)
   * and destroying the instance removes it; the instance reads `loading` until `docker run`
   * returned, then `running`. Without it instances are records only.
   */
  readonly containers?: FakeVastContainers;
}

/** What container mode runs for a rented instance (see fake-vast-containers.ts). */
export interface FakeVastContainers {
  /** Starts the instance's container; resolves with its name, rejects with docker's words. */
  start(instance: FakeInstance): Promise<string>;
  /** Removes it (docker rm -f); resolves when it is gone. */
  remove(name: string, instance: FakeInstance): Promise<void>;
}

interface CountedFault extends CallMatch { remaining: number }

export class FakeVast {
  readonly calls: FakeCall[] = [];
  /** Every instance id ever created (destroyed or not). */
  readonly created: number[] = [];
  private readonly live = new Map<number, FakeInstance>();
  private readonly rented = new Set<number>();
  private nextId = 7_000_001;
  private nextPort = 41_000;
  private readonly rateLimits: (CountedFault & { retryAfterSeconds: number | null })[] = [];
  private readonly serverErrors: (CountedFault & { echoAuth: EchoAuth })[] = [];
  private readonly lateRents: (CountedFault & { delayMs: number; answer: "502" | "hang"; then: () => void })[] = [];
  private readonly repriced = new Map<number, number>();
  /** List calls a new instance stays invisible for (eventual consistency). */
  private listLagCalls = 0;
  private readonly hiddenFor = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Most instances alive at once, and the highest Σ $/h of the live instances, since start. */
  maxAlive = 0;
  maxDollarsPerHour = 0;
  private readonly slow: (CountedFault & { ms: number; when: "before" | "after" })[] = [];
  private readonly gone = new Set<number>();
  private readonly contractErrors = new Set<number>();
  private readonly stuck = new Set<number>();
  private readonly failingDestroys = new Set<number>();
  private readonly forced = new Map<number, string>();
  private server: Server | undefined;
  url = "";
  /** Container mode: per instance id, its container start (name, or the error) and its events. */
  private readonly containerStarts = new Map<number, Promise<string | Error>>();
  private readonly containerNames = new Map<number, string>();
  readonly containerEvents: { at: number; instanceId: number; event: "started" | "start-failed" | "removed"; detail: string }[] = [];

  constructor(private readonly options: FakeVastOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v0`;
    return this;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    // Container mode: nothing outlives the fake, whatever the test did.
    for (const id of [...this.containerStarts.keys()]) await this.removeContainer(id);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server ? this.server.close(() => resolve()) : resolve());
  }

  /** Live (not destroyed) instances. */
  instances(): FakeInstance[] {
    return [...this.live.values()];
  }

  // ---- faults ----
  /** The next `count` matching calls answer 429 "API requests too frequent", by default with no Retry-After (as Vast does). */
  rateLimitNext(count: number, match: CallMatch = {}, retryAfterSeconds: number | null = null): void { this.rateLimits.push({ ...match, remaining: count, retryAfterSeconds }); }
  /** The next `count` matching calls answer 5xx; `echoAuth` puts the Authorization header in the body. */
  serverErrorNext(count: number, match: CallMatch = {}, echoAuth: EchoAuth = false): void { this.serverErrors.push({ ...match, remaining: count, echoAuth }); }
  /**
   * The next `count` rents fail from the client's side yet create the instance `delayMs` after the
   * request: `502` answers an error at once, `hang` never answers (the client times out). `then`
   * runs when such a rent arrives (to inject the next fault at that moment).
   */
  lateCreationNext(count: number, delayMs: number, answer: "502" | "hang" = "502", then: () => void = () => undefined): void {
    this.lateRents.push({ method: "PUT", pathPrefix: "/asks/", remaining: count, delayMs, answer, then });
  }
  /** From now on a new instance is missing from `GET /instances/` for its first `calls` list answers; 0 also shows the hidden ones. */
  lagList(calls: number): void {
    this.listLagCalls = calls;
    if (calls === 0) this.hiddenFor.clear();
  }
  /** Instances rented from this offer bill `price` $/h, not the price search showed. */
  reprice(offerId: number, price: number): void { this.repriced.set(offerId, price); }
  /** Σ $/h of the live instances. */
  dollarsPerHour(): number { return this.instances().reduce((sum, i) => sum + i.pricePerHour, 0); }
  /**
   * The next `count` matching calls answer only after `ms`: "before" handling them (the request is
   * late) or "after" (the work is done, the answer is late: a client that gave up does not know).
   */
  slowNext(count: number, ms: number, match: CallMatch = {}, when: "before" | "after" = "before"): void { this.slow.push({ ...match, remaining: count, ms, when }); }
  /** Renting this offer answers 404 no_such_ask (someone else took it between search and rent). */
  offerGone(offerId: number): void { this.gone.add(offerId); }
  /** Renting this offer creates an instance but answers `success: false` with its `new_contract`. */
  createErrorWithContract(offerId: number): void { this.contractErrors.add(offerId); }
  /** Instances rented from this offer stay in `loading` forever. */
  stuckLoading(offerId: number): void { this.stuck.add(offerId); }
  /** DELETE of instances rented from this offer answers 500 (the instance stays). */
  failDestroy(offerId: number): void { this.failingDestroys.add(offerId); }
  /** Lets DELETE succeed again for this offer's instances. */
  healDestroy(offerId: number): void { this.failingDestroys.delete(offerId); }
  /** The host's container changed state on its own, e.g. `exited` (the engine crashed). */
  forceStatus(id: number, status: string): void { this.forced.set(id, status); }
  /** Someone destroyed the instance outside Pulumi (the console, the idle self-terminator). */
  destroyExternally(id: number): void { this.live.delete(id); }

  /** An instance someone (a lost rent of an earlier run) left, carrying `label`; returns its id. */
  plant(label: string, offer: FakeOffer = this.options.offers[0]!): number {
    return this.materialize(offer, { image: "planted", label }).id;
  }

  /** The calls matching method and path prefix. */
  callsTo(match: CallMatch): FakeCall[] { return this.calls.filter((c) => matches(c.method, c.path, match)); }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown = null;
    try { body = raw ? JSON.parse(raw) : null; } catch { body = raw; }
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/^\/api\/v0/, "");
    const authorization = req.headers.authorization;
    const slow = take(this.slow, method, path);
    const answer = (status: number, payload: unknown, text = false, headers: Record<string, string> = {}): void => {
      this.calls.push({ at: Date.now(), method, path, status, body, authorization });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(status, { "Content-Type": text ? "text/plain" : "application/json", ...headers });
        res.end(text ? String(payload) : JSON.stringify(payload));
      };
      if (slow?.when === "after") setTimeout(send, slow.ms);
      else send();
    };
    if (slow?.when === "before") await new Promise((r) => setTimeout(r, slow.ms));
    if (authorization !== `Bearer ${this.options.apiKey}`) {
      return answer(401, { success: false, error: "auth_error", msg: "Invalid user key" });
    }
    const limited = take(this.rateLimits, method, path);
    if (limited) return answer(429, "API requests too frequent", true, limited.retryAfterSeconds === null ? {} : { "Retry-After": String(limited.retryAfterSeconds) });
    const serverError = take(this.serverErrors, method, path);
    if (serverError) return answer(502, { success: false, error: "server_error", msg: echoed(serverError.echoAuth, authorization ?? "") });

    let m: RegExpMatchArray | null;
    if (method === "POST" && path === "/bundles/") return answer(200, { offers: this.search(body) });
    if (method === "PUT" && (m = path.match(/^\/asks\/(\d+)\/$/))) return this.rent(Number(m[1]), body, answer);
    if (method === "GET" && path === "/instances/") return answer(200, { instances: this.listed().map((i) => this.view(i)) });
    if ((m = path.match(/^\/instances\/(\d+)\/$/))) {
      const instance = this.live.get(Number(m[1]));
      if (method === "GET") {
        if (!instance) return this.options.goneShape === "404" ? answer(404, { success: false, error: "no_such_instance", msg: "Instance not found" }) : answer(200, { instances: null });
        return answer(200, { instances: this.view(instance) });
      }
      if (method === "PUT") {
        if (!instance) return answer(404, { success: false, error: "no_such_instance", msg: "Instance not found" });
        const label = (body as { label?: unknown } | null)?.label;
        if (typeof label === "string") instance.label = label;
        return answer(200, { success: true });
      }
      if (method === "DELETE") {
        if (!instance) return answer(404, { success: false, error: "no_such_instance", msg: "Instance not found" });
        if (this.failingDestroys.has(instance.offerId)) return answer(500, { success: false, error: "server_error", msg: "destroy failed" });
        await this.removeContainer(instance.id);
        this.live.delete(instance.id);
        this.hiddenFor.delete(instance.id);
        return answer(200, { success: true, msg: "Instance destroyed successfully" });
      }
    }
    return answer(404, { success: false, error: "not_found", msg: `no route ${method} ${path}` });
  }

  private rent(offerId: number, body: unknown, answer: (status: number, payload: unknown) => void): void {
    const offer = this.options.offers.find((o) => o.id === offerId);
    if (!offer || this.gone.has(offerId) || this.rented.has(offerId)) {
      return answer(404, { success: false, error: "no_such_ask", msg: `Instance type by id ${offerId} is not available.` });
    }
    const create = (body ?? {}) as Record<string, unknown>;
    if (typeof create.image !== "string" || create.image === "") return answer(400, { success: false, error: "invalid_args", msg: "image is required" });
    this.rented.add(offerId);
    const late = take(this.lateRents, "PUT", `/asks/${offerId}/`);
    if (late) {
      const timer = setTimeout(() => { this.timers.delete(timer); this.materialize(offer, create); }, late.delayMs);
      this.timers.add(timer);
      late.then();
      if (late.answer === "502") answer(502, { success: false, error: "server_error", msg: "upstream timed out" });
      return; // "hang": no answer at all; the client's timeout ends the request
    }
    const { id } = this.materialize(offer, create);
    if (this.contractErrors.has(offerId)) {
      return answer(200, { success: false, error: "start_failed", msg: "Instance created but failed to start", new_contract: id });
    }
    answer(200, { success: true, new_contract: id });
  }

  /** Creates an instance at the server: from now on it exists and bills. */
  private materialize(offer: FakeOffer, create: Record<string, unknown>): FakeInstance {
    const id = this.nextId++;
    const ports: FakeInstance["ports"] = { "22/tcp": [{ HostIp: "0.0.0.0", HostPort: String(this.nextPort++) }] };
    for (const key of Object.keys((create.env ?? {}) as object)) {
      const port = key.match(/^-p (\d+):(\d+)(\/udp)?$/);
      if (port) ports[`${port[2]}/${port[3] ? "udp" : "tcp"}`] = [{ HostIp: "0.0.0.0", HostPort: String(this.nextPort++) }];
    }
    const pricePerHour = this.repriced.get(offer.id) ?? offer.dph_total;
    const instance: FakeInstance = { id, offerId: offer.id, machineId: offer.machine_id, label: String(create.label ?? ""), image: String(create.image), body: create, polls: 0, ports, offer, pricePerHour };
    this.live.set(id, instance);
    this.created.push(id);
    if (this.options.containers) this.startContainer(instance, this.options.containers);
    if (this.listLagCalls > 0) this.hiddenFor.set(id, this.listLagCalls);
    this.maxAlive = Math.max(this.maxAlive, this.live.size);
    this.maxDollarsPerHour = Math.max(this.maxDollarsPerHour, this.dollarsPerHour());
    return instance;
  }

  /** What a list shows: live instances, minus those still hidden by the lag (each list counts down). */
  private listed(): FakeInstance[] {
    return this.instances().filter((i) => {
      const hidden = this.hiddenFor.get(i.id) ?? 0;
      if (hidden > 0) this.hiddenFor.set(i.id, hidden - 1);
      return hidden === 0;
    });
  }

  /** The instance as GET shows it; every GET advances its status. */
  private view(instance: FakeInstance): Record<string, unknown> {
    instance.polls++;
    const runningAt = this.options.pollsToRunning ?? 2;
    const containerPending = this.options.containers !== undefined && !this.containerNames.has(instance.id);
    const status = this.forced.get(instance.id) ?? (instance.polls <= 1 && runningAt > 0 ? null
      : this.stuck.has(instance.offerId) || instance.polls < runningAt || containerPending ? "loading" : "running");
    return {
      id: instance.id,
      machine_id: instance.machineId,
      label: instance.label,
      image_uuid: instance.image,
      actual_status: status,
      intended_status: "running",
      cur_state: "running",
      status_msg: status === "running" ? "success, running" : "pulling image",
      dph_total: instance.pricePerHour,
      inet_down: instance.offer.inet_down ?? null,
      inet_up: instance.offer.inet_up ?? null,
      gpu_name: instance.offer.gpu_name ?? null,
      num_gpus: instance.offer.num_gpus ?? 1,
      public_ipaddr: "127.0.0.1",
      ssh_idx: "1",
      ssh_host: "ssh1.vast.example",
      ssh_port: 20_000 + (instance.id % 10_000),
      ports: status === "running" ? instance.ports : {},
      start_date: 1_700_000_000,
    };
  }

  /** Container mode: starts the instance's container in the background, recording how it went. */
  private startContainer(instance: FakeInstance, containers: FakeVastContainers): void {
    const started = containers.start(instance).then((name) => {
      this.containerNames.set(instance.id, name);
      this.containerEvents.push({ at: Date.now(), instanceId: instance.id, event: "started", detail: name });
      return name;
    }, (e: Error) => {
      this.containerEvents.push({ at: Date.now(), instanceId: instance.id, event: "start-failed", detail: e.message });
      return e;
    });
    this.containerStarts.set(instance.id, started);
  }

  /** Container mode: waits for the start, then removes the container (nothing when there is none). */
  private async removeContainer(id: number): Promise<void> {
    const started = this.containerStarts.get(id);
    if (!started || !this.options.containers) return;
    this.containerStarts.delete(id);
    const name = await started;
    if (name instanceof Error) return;
    await this.options.containers.remove(name, this.live.get(id) as FakeInstance);
    this.containerNames.delete(id);
    this.containerEvents.push({ at: Date.now(), instanceId: id, event: "removed", detail: name });
  }

  /** Container mode: the instance's container name once it started. */
  containerOf(id: number): string | undefined { return this.containerNames.get(id); }

  /** Filters the fixed offer list by the body's operators, then `order` and `limit`. */
  private search(body: unknown): FakeOffer[] {
    const query = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    let offers = this.options.offers.filter((o) => !this.rented.has(o.id) && Object.entries(query).every(([field, ops]) => {
      if (["order", "type", "limit", "allocated_storage", "disable_bundling", "select_cols"].includes(field)) return true;
      if (typeof ops !== "object" || ops === null || !(field in o)) return true;
      return Object.entries(ops).every(([op, want]) => compare(o[field], op, want));
    }));
    const order = Array.isArray(query.order) ? query.order as [string, string][] : [];
    for (const [field, direction] of [...order].reverse()) {
      offers = [...offers].sort((a, b) => (Number(a[field]) - Number(b[field])) * (direction === "desc" ? -1 : 1));
    }
    return typeof query.limit === "number" ? offers.slice(0, query.limit) : offers;
  }
}

function compare(have: unknown, op: string, want: unknown): boolean {
  switch (op) {
    case "eq": return have === want;
    case "neq": return have !== want;
    case "gt": return Number(have) > Number(want);
    case "gte": return Number(have) >= Number(want);
    case "lt": return Number(have) < Number(want);
    case "lte": return Number(have) <= Number(want);
    case "in": return Array.isArray(want) && want.includes(have);
    case "notin": return Array.isArray(want) && !want.includes(have);
    default: return true;
  }
}

function matches(method: string, path: string, match: CallMatch): boolean {
  return (match.method === undefined || match.method === method) && (match.path === undefined || match.path === path)
    && (match.pathPrefix === undefined || path.startsWith(match.pathPrefix));
}

/** A 5xx body's message, echoing the Authorization header as asked. */
function echoed(echo: EchoAuth, authorization: string): string {
  if (echo === false) return "upstream failed";
  if (echo === true) return `upstream failed for ${authorization}`;
  // The client shows "server_error: <msg>"; put the key so that a cut at 300 characters keeps 20 of it.
  const lead = "upstream failed; request headers: Authorization: ";
  const keyStart = 300 - 20;
  const padding = ".".repeat(Math.max(0, keyStart - "server_error: ".length - lead.length - "Bearer ".length));
  return `${padding}${lead}${authorization}`;
}

function take<T extends CountedFault>(faults: T[], method: string, path: string): T | undefined {
  const fault = faults.find((f) => f.remaining > 0 && matches(method, path, f));
  if (fault) fault.remaining--;
  return fault;
}

/** Starts a fake on a random loopback port. */
export async function startFakeVast(options: FakeVastOptions): Promise<FakeVast> {
  return new FakeVast(options).start();
}

/**
 * Offers in the documented shape: four that a pool of RTX 5090s at ≤ $0.80/h and ≥ 1000 Mb/s
 * accepts (different speeds and prices, so rankings differ), one too expensive, one too slow.
 */
export function sampleOffers(): FakeOffer[] {
  const base = {
    host_id: 90, gpu_name: "RTX 5090", num_gpus: 1, gpu_ram: 32_607, gpu_mem_bw: 1_792, compute_cap: 1_200, cuda_max_good: 13.0,
    driver_version: "580.65.06", cpu_arch: "amd64", cpu_cores_effective: 16, cpu_ram: 128_000, disk_space: 500, disk_bw: 3_000, pcie_bw: 50,
    inet_up: 900, reliability: 0.995, reliability2: 0.995, verified: true, verification: "verified", direct_port_count: 40, geolocation: "Ohio, US",
    rentable: true, rented: false, static_ip: true, dlperf: 120, external: false,
  };
  return [
    { ...base, id: 1001, machine_id: 501, dph_total: 0.62, inet_down: 8_000 },
    { ...base, id: 1002, machine_id: 502, dph_total: 0.55, inet_down: 4_000 },
    { ...base, id: 1003, machine_id: 503, dph_total: 0.48, inet_down: 2_000 },
    { ...base, id: 1004, machine_id: 504, dph_total: 0.41, inet_down: 1_200 },
    { ...base, id: 1005, machine_id: 505, dph_total: 1.90, inet_down: 9_000 },
    { ...base, id: 1006, machine_id: 506, dph_total: 0.30, inet_down: 400 },
  ];
}
