import { policyTests } from "./tailscale-policy-tests";

/** What a fleet machine does on the mesh; each role is a tag (`tag:<role>`). */
export type MeshRole = "gateway" | "engine" | "monitoring" | "store" | "autoscaler";

export interface MeshMachine {
  /** Machine name (a DNS label); with `machineTags` it becomes `tag:machine-<name>`. */
  readonly name: string;
  readonly roles: readonly MeshRole[];
  /** Ports engines on this machine listen on: the gateway and Prometheus reach them. */
  readonly enginePorts: readonly number[];
  /** Exporter ports Prometheus scrapes besides engine and gateway ports (node 9100, DCGM 9400). */
  readonly metricsPorts: readonly number[];
}

export interface TailscalePolicyInput {
  readonly machines: readonly MeshMachine[];
  /** Gateway port on `gateway` machines; clients and Prometheus reach it. Null: no gateway. */
  readonly gatewayPort: number | null;
  /** Store API ports on `store` machines (MinIO 9000); engines and burst hosts pull models there. */
  readonly storePorts: readonly number[];
  /** MinIO console port, for admins only. */
  readonly storeConsolePort?: number | null;
  /** Prometheus UI port on `monitoring` machines, for admins only. */
  readonly monitoringPort?: number | null;
  /**
   * The autoscale controller container's /metrics port on `autoscaler` machines: Prometheus scrapes
   * it; the controller itself reaches the gateway (drain marks) and Prometheus (its signals).
   */
  readonly autoscalerPort?: number | null;
  /** Burst hosts join as `tag:burst`; the gateway and Prometheus reach their engine port. Null: no burst. */
  readonly burst: { readonly enginePort: number } | null;
  /**
   * Also tag each machine `tag:machine-<name>` and grant per machine, so the gateway reaches only the
   * ports each machine's engines listen on. Off: grants go to role tags with the union of ports.
   */
  readonly machineTags: boolean;
  /** Who owns the tags, may SSH in and open the consoles. @default "autogroup:admin" */
  readonly admins?: string;
  /** Who may call the gateway. @default ["autogroup:member"] */
  readonly clients?: readonly string[];
  /** Emit the `tests` section (Tailscale runs it before accepting the policy). @default true */
  readonly includeTests?: boolean;
}

/** A network-layer grant: `ip` entries are `tcp:<port>`. */
export interface PolicyGrant { readonly src: string[]; readonly dst: string[]; readonly ip: string[] }
/** A `tests` entry: from `src`, each `tag:x:port` in accept must open and each in deny must not. */
export interface PolicyTest { readonly src: string; readonly proto: "tcp"; readonly accept?: string[]; readonly deny?: string[] }

export interface TailscalePolicy {
  tagOwners: Record<string, string[]>;
  grants: PolicyGrant[];
  ssh: { action: "check"; src: string[]; dst: string[]; users: string[]; checkPeriod: string }[];
  tests?: PolicyTest[];
}

export const roleTag = (role: MeshRole | "burst") => `tag:${role}`;
export const machineTag = (machine: string) => `tag:machine-${machine}`;

/** Tags a machine advertises when it joins (`--advertise-tags`, or the auth key's tags). */
export function meshTags(machine: MeshMachine, machineTags: boolean): string[] {
  const tags = [...new Set(machine.roles)].map(roleTag).sort();
  return machineTags ? [...tags, machineTag(machine.name)] : tags;
}

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what}: port ${port} is not a TCP port (1-65535)`);
  return port;
}

function checkInput(input: TailscalePolicyInput): void {
  const names = new Set<string>();
  for (const m of input.machines) {
    if (!dnsLabel.test(m.name)) throw new Error(`machine '${m.name}': not a DNS label, so it cannot name a tag`);
    if (names.has(m.name)) throw new Error(`machine '${m.name}' is listed twice`);
    names.add(m.name);
    [...m.enginePorts, ...m.metricsPorts].forEach((p) => checkPort(p, `machine '${m.name}'`));
    const has = (r: MeshRole) => m.roles.includes(r);
    if (has("engine") !== m.enginePorts.length > 0) {
      throw new Error(`machine '${m.name}': ${has("engine") ? "has the engine role but no engine ports" : `lists engine ports ${m.enginePorts.join(", ")} without the engine role`}`);
    }
    if (has("gateway") && input.gatewayPort === null) throw new Error(`machine '${m.name}' has the gateway role but gatewayPort is null`);
    if (has("store") && input.storePorts.length === 0) throw new Error(`machine '${m.name}' has the store role but storePorts is empty`);
    if (has("autoscaler") && (input.autoscalerPort ?? null) === null) throw new Error(`machine '${m.name}' has the autoscaler role but autoscalerPort is not set`);
  }
  [input.gatewayPort, input.storeConsolePort, input.monitoringPort, input.autoscalerPort, input.burst?.enginePort, ...input.storePorts]
    .forEach((p) => p === null || p === undefined || checkPort(p, "policy input"));
}

/** Collects (src, dst) → ports, so grants come out merged and sorted whatever the input order. */
class GrantSet {
  private readonly byKey = new Map<string, { src: string[]; dst: string; ports: Set<number> }>();
  add(src: readonly string[], dst: string, ports: readonly (number | null | undefined)[]): void {
    const real = ports.filter((p): p is number => typeof p === "number");
    if (real.length === 0) return;
    const sorted = [...new Set(src)].sort();
    const key = `${sorted.join(",")}>${dst}`;
    const entry = this.byKey.get(key) ?? { src: sorted, dst, ports: new Set<number>() };
    real.forEach((p) => entry.ports.add(p));
    this.byKey.set(key, entry);
  }
  grants(): PolicyGrant[] {
    return [...this.byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => ({
      src: g.src,
      dst: [g.dst],
      ip: [...g.ports].sort((a, b) => a - b).map((p) => `tcp:${p}`),
    }));
  }
}

/** The tag a grant uses to reach `machine` in its `role`. */
function destination(input: TailscalePolicyInput, machine: MeshMachine, role: MeshRole): string {
  return input.machineTags ? machineTag(machine.name) : roleTag(role);
}

function buildGrants(input: TailscalePolicyInput, admins: string, clients: readonly string[]): PolicyGrant[] {
  const set = new GrantSet();
  const gateway = roleTag("gateway");
  const monitoring = roleTag("monitoring");
  for (const m of input.machines) {
    for (const role of m.roles) {
      const dst = destination(input, m, role);
      // Prometheus scrapes what the role serves plus the machine's exporters; never the store API.
      const scraped = role === "engine" ? m.enginePorts : role === "gateway" ? [input.gatewayPort] : role === "autoscaler" ? [input.autoscalerPort] : [];
      set.add([monitoring], dst, [...scraped, ...m.metricsPorts]);
      set.add([admins], dst, [22]);
      if (role === "engine") set.add([gateway], dst, m.enginePorts);
      if (role === "gateway") set.add(clients, dst, [input.gatewayPort]);
      if (role === "store") set.add([roleTag("engine"), ...(input.burst ? [roleTag("burst")] : [])], dst, input.storePorts);
      if (role === "store") set.add([admins], dst, [input.storeConsolePort]);
      if (role === "monitoring") set.add([admins], dst, [input.monitoringPort]);
      // The controller marks draining hosts at the gateway and reads its signals from Prometheus.
      if (role === "gateway" && input.machines.some((x) => x.roles.includes("autoscaler"))) set.add([roleTag("autoscaler")], dst, [input.gatewayPort]);
      if (role === "monitoring" && input.machines.some((x) => x.roles.includes("autoscaler"))) set.add([roleTag("autoscaler")], dst, [input.monitoringPort]);
    }
  }
  if (input.burst) {
    set.add([gateway], roleTag("burst"), [input.burst.enginePort]);
    set.add([monitoring], roleTag("burst"), [input.burst.enginePort]);
  }
  return set.grants();
}

/** Every string in the policy, to prove no wildcard slipped in. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

/**
 * Renders the tailnet policy: role tags owned by the admins, least-privilege grants with explicit
 * ports, admin SSH with re-authentication, and `tests` that Tailscale checks before accepting it.
 */
export function renderTailscalePolicy(input: TailscalePolicyInput): { policy: TailscalePolicy; hujson: string } {
  checkInput(input);
  const admins = input.admins ?? "autogroup:admin";
  const clients = input.clients ?? ["autogroup:member"];
  const machines = [...input.machines].sort((a, b) => (a.name < b.name ? -1 : 1));
  const sorted = { ...input, machines };
  const grants = buildGrants(sorted, admins, clients);
  const fleetTags = [...new Set(machines.flatMap((m) => meshTags(m, input.machineTags)))].sort();
  const allTags = [...new Set([...fleetTags, ...(input.burst ? [roleTag("burst")] : [])])].sort();
  const sshTargets = input.machineTags ? fleetTags.filter((t) => t.startsWith("tag:machine-")) : fleetTags;

  const policy: TailscalePolicy = {
    tagOwners: Object.fromEntries(allTags.map((t) => [t, [admins]])),
    grants,
    // Admins only, as non-root users (sudo leaves who-did-what in the logs), re-authenticated every
    // 12 h so a stolen laptop does not keep root-capable shells on GPU hosts. Burst hosts are
    // rented and ephemeral: no SSH into them over the mesh.
    ssh: sshTargets.length === 0 ? [] : [{ action: "check", src: [admins], dst: sshTargets, users: ["autogroup:nonroot"], checkPeriod: "12h" }],
  };
  if (input.includeTests ?? true) policy.tests = policyTests(sorted, grants, (m) => meshTags(m, input.machineTags));
  const wildcard = strings(policy).find((s) => s.includes("*"));
  if (wildcard !== undefined) throw new Error(`tailnet policy would contain a wildcard ('${wildcard}'); every grant must name tags and ports`);
  const header = "// Generated by inference-fabric from the fleet file; do not edit by hand.\n"
    + "// Applied with @pulumi/tailscale Acl, which replaces the whole tailnet policy.\n";
  return { policy, hujson: header + JSON.stringify(policy, null, 2) + "\n" };
}
