// Network namespaces the tailnet tier creates and deletes: a hub (headscale and its embedded DERP
// on a bridge) and one namespace per tailnet node, each joined to the hub's bridge by a veth pair
// in a private /24. No namespace has a default route, so nothing in them can reach an address
// outside loopback and the test's own /24; every process started in them is killed at teardown.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

/** The private (RFC 1918) /24 the namespaces share; it exists only on the hub's bridge. */
export const SUBNET = "10.213.77";
export const HUB_ADDRESS = `${SUBNET}.1`;

function ip(args: readonly string[]): string {
  const run = spawnSync("ip", args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ip ${args.join(" ")}: ${run.stderr.trim() || run.error?.message}`);
  return run.stdout;
}

/** Why namespaces cannot be made here (not root, no `ip`), or null when they can. */
export function namespacesUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "creating network namespaces needs root";
  const probe = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return `'ip netns' is not usable: ${probe.error?.message ?? probe.stderr.trim()}`;
  return null;
}

export class Namespaces {
  readonly hub: string;
  private readonly made: string[] = [];
  private readonly processes: ChildProcess[] = [];
  private nextHost = 10;

  constructor(readonly prefix = `fmesh${process.pid}`) {
    this.hub = `${prefix}-hub`;
  }

  /** The hub: loopback up and a bridge at HUB_ADDRESS/24. */
  createHub(): void {
    this.add(this.hub);
    ip(["-n", this.hub, "link", "add", "br0", "type", "bridge"]);
    ip(["-n", this.hub, "addr", "add", `${HUB_ADDRESS}/24`, "dev", "br0"]);
    ip(["-n", this.hub, "link", "set", "br0", "up"]);
  }

  /** A node namespace wired to the hub's bridge; returns its name and address. */
  createNode(node: string): { ns: string; address: string } {
    const ns = `${this.prefix}-${node}`;
    const host = this.nextHost++;
    const address = `${SUBNET}.${host}`;
    this.add(ns);
    ip(["-n", this.hub, "link", "add", `v${host}`, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    ip(["-n", this.hub, "link", "set", `v${host}`, "master", "br0", "up"]);
    ip(["-n", ns, "addr", "add", `${address}/24`, "dev", "eth0"]);
    ip(["-n", ns, "link", "set", "eth0", "up"]);
    return { ns, address };
  }

  private add(ns: string): void {
    ip(["netns", "add", ns]);
    this.made.push(ns);
    ip(["-n", ns, "link", "set", "lo", "up"]);
  }

  get names(): readonly string[] {
    return [...this.made];
  }

  /** The namespace's routes and addresses, for the no-way-out assertions. */
  routes(ns: string): string {
    return ip(["-n", ns, "-4", "route", "show", "table", "all"]);
  }

  /** IPv6 default routes of the namespace (empty: none). */
  defaultRoutes6(ns: string): string {
    return ip(["-n", ns, "-6", "route", "show", "default"]).trim();
  }

  /** What the kernel answers for a route lookup to `address` from `ns` (no packet is sent). */
  routeLookup(ns: string, address: string): { ok: boolean; text: string } {
    const run = spawnSync("ip", ["-n", ns, "route", "get", address], { encoding: "utf8" });
    return { ok: run.status === 0, text: (run.stdout + run.stderr).trim() };
  }

  /** Starts `command` inside `ns`; it is killed at teardown. */
  spawn(ns: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; log?: (chunk: string) => void } = {}): ChildProcess {
    const child = spawn("ip", ["netns", "exec", ns, command, ...args], { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const log = options.log;
    if (log) {
      child.stdout?.on("data", (b: Buffer) => log(b.toString()));
      child.stderr?.on("data", (b: Buffer) => log(b.toString()));
    }
    this.processes.push(child);
    return child;
  }

  /** Runs `command` inside `ns` to completion (bounded by `timeoutMs`). */
  run(ns: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}) {
    return spawnSync("ip", ["netns", "exec", ns, command, ...args], {
      encoding: "utf8", env: options.env ?? process.env, input: options.input, timeout: options.timeoutMs ?? 30_000,
    });
  }

  /** Like run, without blocking the event loop (so several nodes can join at once). */
  runAsync(ns: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = this.spawn(ns, command, args, { env: options.env });
      child.stdin?.end();
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (b: Buffer) => { stdout += b.toString(); });
      child.stderr?.on("data", (b: Buffer) => { stderr += b.toString(); });
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
      child.on("exit", (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  }

  /** Process ids living in `ns` (whoever started them inside it). */
  pids(ns: string): number[] {
    const run = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
    return run.stdout.split(/\s+/).filter(Boolean).map(Number);
  }

  /** Kills every process in the namespaces (all started by this test) and deletes them. */
  async destroy(): Promise<void> {
    for (const child of this.processes) if (child.exitCode === null) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    for (const ns of this.made) for (const pid of this.pids(ns)) killQuietly(pid, "SIGKILL");
    for (const child of this.processes) if (child.exitCode === null) child.kill("SIGKILL");
    for (const ns of [...this.made].reverse()) spawnSync("ip", ["netns", "del", ns]);
    this.made.length = 0;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
