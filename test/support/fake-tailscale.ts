// A loopback fake of the parts of the Tailscale API v2 the mesh uses: the policy file, auth keys and
// DNS preferences, including the failure modes that matter (bad credentials, a policy whose `tests`
// fail, tags without owners on a key, a stale ETag, expired and deleted keys).
//
// The @pulumi/tailscale provider plugin cannot be built here (its Go modules are not reachable), so
// nothing drives this server through the provider. Tests talk to it with the request shapes the
// provider's client (tailscale.com/client/tailscale/v2) sends: HTTP Basic auth with the API key as
// user name, `Content-Type: application/hujson` for a policy given as text, JSON elsewhere, and
// `If-Match` with the ETag for a conditional policy update. A Tailscale provider given this
// server's `baseUrl` would talk to it the same way.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseHujson } from "../../policies/rules/mesh";

export interface FakeTailscaleOptions {
  /** The tailnet the API key belongs to; `-` (the key's default tailnet) is accepted too. */
  readonly tailnet: string;
  /** The one API key accepted. */
  readonly apiKey: string;
  /** Clock in ms, so tests can let keys expire. @default Date.now */
  readonly now?: () => number;
}

/** One request as the fake received it. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly ifMatch: string | undefined;
  readonly body: string;
}

/** The key creation request body (CreateKeyRequest in the Go client). */
export interface CreateKeyRequest {
  readonly capabilities: { readonly devices: { readonly create: { readonly reusable?: boolean; readonly ephemeral?: boolean; readonly preauthorized?: boolean; readonly tags?: readonly string[] } } };
  readonly expirySeconds?: number;
  readonly description?: string;
}

interface StoredKey {
  readonly id: string;
  readonly key: string;
  readonly description: string;
  readonly created: number;
  readonly expires: number;
  readonly capabilities: CreateKeyRequest["capabilities"];
}

/** Tailscale's longest auth key lifetime and its default (90 days). */
export const MAX_KEY_EXPIRY_SECONDS = 7_776_000;
/** What a new tailnet starts with: everyone reaches everything. */
export const DEFAULT_POLICY = "// Default tailnet policy\n{\n  \"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}]\n}\n";

const TOP_LEVEL = new Set([
  "acls", "grants", "ssh", "tagOwners", "groups", "hosts", "tests", "sshTests", "autoApprovers", "nodeAttrs",
  "postures", "defaultSrcPosture", "ipsets", "derpMap", "disableIPv4", "randomizeClientPort", "OneCGNATRoute", "attrConfig",
]);

class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly data?: { user: string; errors: string[] }[]) {
    super(message);
  }
}

export class FakeTailscale {
  /** Every request received, in order. */
  readonly requests: FakeRequest[] = [];
  /** The current policy file text. */
  policyText = DEFAULT_POLICY;
  /** MagicDNS on or off. */
  magicDNS = false;
  private readonly keys = new Map<string, StoredKey>();
  private readonly failures: { status: number; message: string }[] = [];
  private counter = 0;

  private constructor(private readonly server: Server, readonly baseUrl: string, private readonly options: FakeTailscaleOptions) {}

  /** Starts the fake on 127.0.0.1 on a free port. */
  static async start(options: FakeTailscaleOptions): Promise<FakeTailscale> {
    let fake: FakeTailscale | undefined;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    fake = new FakeTailscale(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  /** The policy's ETag (a digest of its text), as the API returns it in the `ETag` header. */
  get etag(): string {
    return createHash("sha256").update(this.policyText).digest("hex");
  }

  /** Makes the next request fail with this status and message (a 500, a 429), before any other check. */
  failNext(status: number, message: string): void {
    this.failures.push({ status, message });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done, fail) => this.server.close((e) => (e ? fail(e) : done())));
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", this.baseUrl);
    const request: FakeRequest = {
      method: req.method ?? "GET", path: url.pathname, query: url.search, contentType: req.headers["content-type"],
      ifMatch: req.headers["if-match"], body: Buffer.concat(chunks).toString("utf8"),
    };
    this.requests.push(request);
    try {
      const injected = this.failures.shift();
      if (injected) throw new ApiError(injected.status, injected.message);
      this.authenticate(req);
      const [, api, v2, tailnetWord, tailnet, ...rest] = url.pathname.split("/");
      if (api !== "api" || v2 !== "v2" || tailnetWord !== "tailnet" || tailnet === undefined) throw new ApiError(404, "not found");
      if (decodeURIComponent(tailnet) !== this.options.tailnet && tailnet !== "-") throw new ApiError(404, `tailnet '${decodeURIComponent(tailnet)}' not found`);
      this.route(request, url, rest.join("/"), req.headers.accept ?? "", res);
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(500, (e as Error).message);
      send(res, error.status, { message: error.message, ...(error.data ? { data: error.data } : {}) });
    }
  }

  private authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization ?? "";
    const basic = header.startsWith("Basic ") ? Buffer.from(header.slice(6), "base64").toString("utf8").replace(/:$/, "") : undefined;
    const bearer = header.startsWith("Bearer ") ? header.slice(7) : undefined;
    if ((basic ?? bearer) !== this.options.apiKey) throw new ApiError(401, "API token invalid");
  }

  private route(req: FakeRequest, url: URL, path: string, accept: string, res: ServerResponse): void {
    const key = `${req.method} ${path.replace(/^keys\/[^/]+$/, "keys/{id}")}`;
    switch (key) {
      case "GET acl": return this.getPolicy(url, accept, res);
      case "POST acl": return this.setPolicy(req, accept, res);
      case "POST acl/validate": return this.validate(req, res);
      case "GET keys": return send(res, 200, { keys: [...this.keys.values()].map((k) => ({ id: k.id, description: k.description })) });
      case "POST keys": return send(res, 200, this.createKey(req.body));
      case "GET keys/{id}": return send(res, 200, this.keyMetadata(this.storedKey(path)));
      case "DELETE keys/{id}":
        this.keys.delete(this.storedKey(path).id);
        return send(res, 200, undefined);
      case "GET dns/preferences": return send(res, 200, { magicDNS: this.magicDNS });
      case "POST dns/preferences": {
        const body = parseJson(req.body) as { magicDNS?: unknown };
        if (typeof body.magicDNS !== "boolean") throw new ApiError(400, "magicDNS must be a boolean");
        this.magicDNS = body.magicDNS;
        return send(res, 200, { magicDNS: this.magicDNS });
      }
      default: throw new ApiError(404, `not found: ${req.method} ${req.path}`);
    }
  }

  private getPolicy(url: URL, accept: string, res: ServerResponse): void {
    const headers = { ETag: `"${this.etag}"` };
    if (url.searchParams.get("details") === "1") {
      return send(res, 200, { acl: Buffer.from(this.policyText).toString("base64"), warnings: [], errors: [] }, headers);
    }
    if (accept.includes("application/hujson")) return send(res, 200, this.policyText, headers, "application/hujson");
    return send(res, 200, parseHujson(this.policyText), headers);
  }

  private setPolicy(req: FakeRequest, accept: string, res: ServerResponse): void {
    if (req.ifMatch !== undefined) {
      const wanted = req.ifMatch.replace(/^"|"$/g, "");
      const matches = wanted === "ts-default" ? this.policyText === DEFAULT_POLICY : wanted === this.etag;
      if (!matches) throw new ApiError(412, "precondition failed, invalid old hash");
    }
    checkPolicy(req.body);
    this.policyText = req.body;
    const headers = { ETag: `"${this.etag}"` };
    if (accept.includes("application/hujson")) return send(res, 200, this.policyText, headers, "application/hujson");
    return send(res, 200, parseHujson(this.policyText), headers);
  }

  /** Validation answers 200 either way; a failure is a body with `message` (what the Go client reads). */
  private validate(req: FakeRequest, res: ServerResponse): void {
    try {
      const body = parseHujsonOr400(req.body);
      // A bare array is a list of tests to run against the current policy.
      if (Array.isArray(body)) checkPolicy(JSON.stringify({ ...(parseHujson(this.policyText) as object), tests: body }));
      else checkPolicy(req.body);
      send(res, 200, {});
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 400) throw e;
      send(res, 200, { message: e.message, ...(e.data ? { data: e.data } : {}) });
    }
  }

  private createKey(text: string): Record<string, unknown> {
    const body = parseJson(text) as Partial<CreateKeyRequest>;
    const create = body.capabilities?.devices?.create;
    if (!create) throw new ApiError(400, "capabilities.devices.create is required");
    const tags = create.tags ?? [];
    const owners = (parseHujson(this.policyText) as { tagOwners?: Record<string, unknown> }).tagOwners ?? {};
    const unowned = tags.filter((t) => !t.startsWith("tag:") || !(t in owners));
    if (unowned.length > 0) throw new ApiError(400, `requested tags [${unowned.join(" ")}] are invalid or not permitted`);
    const expirySeconds = body.expirySeconds ?? 0;
    if (!Number.isInteger(expirySeconds) || expirySeconds < 0 || expirySeconds > MAX_KEY_EXPIRY_SECONDS) {
      throw new ApiError(400, `expirySeconds ${expirySeconds} is out of range (0-${MAX_KEY_EXPIRY_SECONDS})`);
    }
    const description = body.description ?? "";
    if (description.length > 50 || !/^[A-Za-z0-9 -]*$/.test(description)) throw new ApiError(400, `description '${description}' must be at most 50 letters, digits, spaces or hyphens`);
    const id = `k${++this.counter}CNTRL`;
    const created = this.now();
    const stored: StoredKey = {
      id, key: `tskey-auth-${id}-${randomBytes(16).toString("hex")}`, description, created,
      expires: created + (expirySeconds || MAX_KEY_EXPIRY_SECONDS) * 1000,
      capabilities: { devices: { create: { reusable: create.reusable ?? false, ephemeral: create.ephemeral ?? false, preauthorized: create.preauthorized ?? false, tags: [...tags] } } },
    };
    this.keys.set(id, stored);
    return { ...this.keyMetadata(stored), key: stored.key };
  }

  private storedKey(path: string): StoredKey {
    const found = this.keys.get(decodeURIComponent(path.slice("keys/".length)));
    if (!found) throw new ApiError(404, "not found");
    return found;
  }

  /** A key as GET returns it: everything but the secret. */
  private keyMetadata(k: StoredKey): Record<string, unknown> {
    return {
      id: k.id, keyType: "auth", description: k.description, created: iso(k.created), expires: iso(k.expires),
      invalid: this.now() >= k.expires, capabilities: k.capabilities, tags: k.capabilities.devices.create.tags,
    };
  }
}

interface Grant { src?: string[]; dst?: string[]; ip?: string[]; app?: unknown }
interface LegacyAcl { action?: string; src?: string[]; dst?: string[] }
interface PolicyTest { src?: string; proto?: string; accept?: string[]; deny?: string[] }
interface Policy { tagOwners?: Record<string, string[]>; grants?: Grant[]; acls?: LegacyAcl[]; ssh?: { src?: string[]; dst?: string[] }[]; tests?: PolicyTest[] }

/** Parses and checks a policy as Tailscale does before accepting it; throws a 400 ApiError. */
export function checkPolicy(text: string): void {
  const parsed = parseHujsonOr400(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ApiError(400, "policy must be a JSON object");
  const unknown = Object.keys(parsed).filter((k) => !TOP_LEVEL.has(k));
  if (unknown.length > 0) throw new ApiError(400, `unknown field(s): ${unknown.join(", ")}`);
  const policy = parsed as Policy;
  const owners = policy.tagOwners ?? {};
  const errors: string[] = [];
  const checkTags = (where: string, names: readonly string[] | undefined) => {
    for (const name of names ?? []) {
      const tag = name.match(/^(tag:[^:]+)/)?.[1];
      if (tag && !(tag in owners)) errors.push(`${where}: tag '${tag}' is not defined in tagOwners`);
    }
  };
  (policy.grants ?? []).forEach((g, i) => {
    if (!g.src?.length || !g.dst?.length) errors.push(`grants[${i}]: src and dst are required`);
    if (!g.ip?.length && g.app === undefined) errors.push(`grants[${i}]: one of ip or app is required`);
    checkTags(`grants[${i}].src`, g.src);
    checkTags(`grants[${i}].dst`, g.dst);
  });
  (policy.acls ?? []).forEach((a, i) => { checkTags(`acls[${i}].src`, a.src); checkTags(`acls[${i}].dst`, a.dst); });
  (policy.ssh ?? []).forEach((s, i) => { checkTags(`ssh[${i}].src`, s.src); checkTags(`ssh[${i}].dst`, s.dst); });
  (policy.tests ?? []).forEach((t, i) => { checkTags(`tests[${i}].src`, t.src ? [t.src] : []); checkTags(`tests[${i}].accept`, t.accept); checkTags(`tests[${i}].deny`, t.deny); });
  if (errors.length > 0) throw new ApiError(400, errors.join("; "));

  const failed = (policy.tests ?? []).flatMap((t) => {
    const src = t.src ?? "";
    const wrong = [
      ...(t.accept ?? []).filter((d) => !allowed(policy, src, d)).map((d) => `${d}: expected accept, got deny`),
      ...(t.deny ?? []).filter((d) => allowed(policy, src, d)).map((d) => `${d}: expected deny, got accept`),
    ];
    return wrong.length > 0 ? [{ user: src, errors: wrong }] : [];
  });
  if (failed.length > 0) throw new ApiError(400, "test(s) failed", failed);
}

/** Whether `src` may open `dst` (`tag:x:port`, TCP) under the policy's grants and legacy ACLs. */
function allowed(policy: Policy, src: string, dst: string): boolean {
  const cut = dst.lastIndexOf(":");
  const host = dst.slice(0, cut);
  const port = Number(dst.slice(cut + 1));
  const srcMatches = (list: readonly string[] | undefined) => (list ?? []).some((s) => s === "*" || s === src);
  const portMatches = (spec: string) => {
    const ports = spec.replace(/^tcp:/, "");
    if (ports === "*" || spec === "*") return true;
    return ports.split(",").some((p) => {
      const [lo, hi] = p.split("-").map(Number);
      return lo !== undefined && port >= lo && port <= (hi ?? lo);
    });
  };
  const byGrant = (policy.grants ?? []).some((g) => srcMatches(g.src) && (g.dst ?? []).some((d) => d === "*" || d === host) && (g.ip ?? []).some(portMatches));
  const byAcl = (policy.acls ?? []).some((a) => (a.action ?? "accept") === "accept" && srcMatches(a.src) && (a.dst ?? []).some((d) => {
    const c = d.lastIndexOf(":");
    return (d.slice(0, c) === "*" || d.slice(0, c) === host) && portMatches(d.slice(c + 1));
  }));
  return byGrant || byAcl;
}

function parseHujsonOr400(text: string): unknown {
  try {
    return parseHujson(text);
  } catch (e) {
    throw new ApiError(400, `parsing HuJSON: ${(e as Error).message}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ApiError(400, `invalid JSON body: ${(e as Error).message}`);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = "application/json"): void {
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(text ? { "Content-Type": contentType } : {}) });
  res.end(text);
}
