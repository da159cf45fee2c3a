// Tailnet nodes of the tier: tailscaled in userspace networking, each in its own namespace with its
// own state, socket and loopback, plus a listener there that answers every port with the node's
// name — userspace tailscaled forwards incoming tailnet TCP to its namespace's 127.0.0.1, so the
// name in a reply says which node a connection really reached.
import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LOGIN_SERVER } from "./headscale";
import type { Namespaces } from "./namespaces";

/** tailscaled's environment: DERP over plain HTTP (headscale's embedded relay), no local endpoints, no logs. */
export function tailscaleEnv(bin: string): NodeJS.ProcessEnv {
  return {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: process.env.HOME,
    TS_DEBUG_USE_DERP_HTTP: "1",
    TS_DEBUG_OMIT_LOCAL_ADDRS: "1",
    TS_NO_LOGS_NO_SUPPORT: "true",
  };
}

export const LISTENER = join(__dirname, "listener.mjs");

export interface TailnetNode {
  readonly name: string;
  readonly ns: string;
  readonly socket: string;
  ip: string;
}

/** Starts a node's listener on `ports` (in its namespace), answering with `name`; resolves once it listens. */
export async function startListener(ns: Namespaces, node: { name: string; ns: string }, ports: readonly number[]): Promise<ChildProcess> {
  const child = ns.spawn(node.ns, process.execPath, [LISTENER, node.name, ...ports.map(String)]);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("listening")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`listener for ${node.name} exited (${code}): ${out}`)));
  });
  return child;
}

/** Starts tailscaled for `name` in `nsName` and joins it with `authKey`; resolves with the node once it has an IP. */
export async function joinNode(ns: Namespaces, bin: string, dir: string, name: string, nsName: string, authKey: string, log: (t: string) => void): Promise<TailnetNode> {
  const state = join(dir, name);
  mkdirSync(state, { recursive: true });
  const socket = join(state, "tailscaled.sock");
  const env = tailscaleEnv(bin);
  ns.spawn(nsName, join(bin, "tailscaled"), [
    "--tun=userspace-networking", "--no-logs-no-support", `--statedir=${state}`, `--socket=${socket}`, "--port=0",
  ], { env, log });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await ns.runAsync(nsName, join(bin, "tailscale"), [
      `--socket=${socket}`, "up", `--login-server=${LOGIN_SERVER}`, `--auth-key=${authKey}`, `--hostname=${name}`, "--accept-dns=false", "--timeout=30s",
    ], { env, timeoutMs: 40_000 });
    if (up.status === 0) break;
    if (Date.now() > deadline) throw new Error(`tailscale up for ${name} failed: ${up.stderr}${up.stdout}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { name, ns: nsName, socket, ip: tailnetIp(ns, bin, nsName, socket) };
}

export function tailnetIp(ns: Namespaces, bin: string, nsName: string, socket: string): string {
  const run = ns.run(nsName, join(bin, "tailscale"), [`--socket=${socket}`, "ip", "-4"], { env: tailscaleEnv(bin) });
  const ip = run.stdout.trim().split("\n")[0] ?? "";
  if (run.status !== 0 || !/^100\./.test(ip)) throw new Error(`tailscale ip -4 in ${nsName}: ${run.stderr}${run.stdout}`);
  return ip;
}

/**
 * Disco-pings `toIp` from `from` until it answers (bounded): the first contact between two nodes
 * goes through DERP and takes seconds, longer than a probe waits. Disco pings are not subject to
 * the policy, so warming every path first leaves the probes to judge the policy alone.
 */
export async function warmPath(ns: Namespaces, bin: string, from: TailnetNode, toIp: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const run = await ns.runAsync(from.ns, join(bin, "tailscale"), [`--socket=${from.socket}`, "ping", "-c", "1", "--until-direct=false", "--timeout=10s", toIp], { env: tailscaleEnv(bin), timeoutMs: 15_000 });
    if (run.status === 0 && /pong from/.test(run.stdout)) return true;
  }
  return false;
}

/**
 * Opens TCP `port` on `to` from `from`'s tailscaled (`tailscale nc`, through its netstack) and
 * returns the name the far listener answered with, or null when nothing answered in `timeoutMs`
 * (a denied port: the destination's packet filter drops the SYN, so the dial just waits).
 */
export function probe(ns: Namespaces, bin: string, from: TailnetNode, toIp: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const child = ns.spawn(from.ns, join(bin, "tailscale"), [`--socket=${from.socket}`, "nc", toIp, String(port)], { env: tailscaleEnv(bin) });
    let out = "";
    let done = false;
    const finish = (value: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
      resolve(value);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line !== undefined) finish(line.startsWith("node=") ? line.slice(5) : null);
    });
    child.on("exit", () => finish(out.startsWith("node=") ? out.slice(5).split("\n")[0] ?? null : null));
  });
}
