// headscale (the open-source Tailscale control server) in the hub namespace: HTTP and the embedded
// DERP relay on the hub's bridge address, SQLite, no update checks, no logtail, no DNS upstreams,
// the policy from a file. Its CLI talks to it over a unix socket in the test's directory.
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { HUB_ADDRESS, type Namespaces } from "./namespaces";

export const HEADSCALE_PORT = 8080;
export const LOGIN_SERVER = `http://${HUB_ADDRESS}:${HEADSCALE_PORT}`;

/** headscale's configuration for the tier; `policyPath` is the file a SIGHUP reloads. */
export function headscaleConfig(dir: string, policyPath: string, ephemeralTimeout: string): Record<string, unknown> {
  return {
    server_url: LOGIN_SERVER,
    listen_addr: `${HUB_ADDRESS}:${HEADSCALE_PORT}`,
    metrics_listen_addr: "127.0.0.1:19090",
    grpc_listen_addr: "127.0.0.1:50443",
    grpc_allow_insecure: false,
    noise: { private_key_path: join(dir, "noise_private.key") },
    prefixes: { v4: "100.64.0.0/10", v6: "fd7a:115c:a1e0::/48", allocation: "sequential" },
    derp: {
      server: {
        enabled: true,
        region_id: 999,
        region_code: "fabric-test",
        region_name: "inference-fabric tailnet tier",
        verify_clients: true,
        stun_listen_addr: `${HUB_ADDRESS}:3478`,
        private_key_path: join(dir, "derp_server_private.key"),
        automatically_add_embedded_derp_region: true,
        ipv4: HUB_ADDRESS,
      },
      urls: [],
      paths: [],
      auto_update_enabled: false,
    },
    disable_check_updates: true,
    node: { expiry: 0, ephemeral: { inactivity_timeout: ephemeralTimeout } },
    database: { type: "sqlite", sqlite: { path: join(dir, "db.sqlite"), write_ahead_log: true } },
    log: { level: "info", format: "text" },
    policy: { mode: "file", path: policyPath },
    dns: { magic_dns: false, override_local_dns: false, base_domain: "fabric.test", nameservers: { global: [], split: {} }, search_domains: [], extra_records: [] },
    unix_socket: join(dir, "headscale.sock"),
    unix_socket_permission: "0770",
    logtail: { enabled: false },
    taildrop: { enabled: false },
    auto_update: { enabled: false },
  };
}

export interface HeadscaleNode { id: string; name: string; tags: string[]; online: boolean; ephemeral: boolean }

export class Headscale {
  readonly configPath: string;
  readonly policyPath: string;
  private process: ChildProcess | null = null;
  log = "";

  constructor(private readonly ns: Namespaces, private readonly bin: string, readonly dir: string, ephemeralTimeout = "2m") {
    this.policyPath = join(dir, "policy.hujson");
    this.configPath = join(dir, "headscale.yaml");
    writeFileSync(this.configPath, stringify(headscaleConfig(dir, this.policyPath, ephemeralTimeout)));
  }

  writePolicy(policy: unknown): void {
    writeFileSync(this.policyPath, `${JSON.stringify(policy, null, 2)}\n`);
  }

  async start(): Promise<number> {
    const started = Date.now();
    this.process = this.ns.spawn(this.ns.hub, this.bin, ["serve", "-c", this.configPath], { log: (t) => { this.log += t; } });
    for (;;) {
      if (this.process.exitCode !== null) throw new Error(`headscale exited (${this.process.exitCode}):\n${this.log}`);
      const health = this.cli(["health"], 5_000);
      if (health.status === 0) return Date.now() - started;
      if (Date.now() - started > 30_000) throw new Error(`headscale not healthy after 30 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Runs the headscale CLI against the server (over its unix socket), inside the hub namespace. */
  cli(args: readonly string[], timeoutMs = 20_000) {
    return this.ns.run(this.ns.hub, this.bin, ["-c", this.configPath, ...args], { timeoutMs });
  }

  /** Like cli, but fails with headscale's own words when the command does. */
  must(args: readonly string[]): string {
    const run = this.cli(args);
    if (run.status !== 0) throw new Error(`headscale ${args.join(" ")} → ${run.status}: ${run.stderr}${run.stdout}`);
    return run.stdout;
  }

  createUser(name: string): string {
    this.must(["users", "create", name]);
    const users = JSON.parse(this.must(["users", "list", "-o", "json"])) as { id: string | number; name: string }[];
    const user = users.find((u) => u.name === name);
    if (!user) throw new Error(`headscale: user ${name} not listed after create`);
    return String(user.id);
  }

  /** A pre-auth key; tagged keys make tagged nodes (owned by their tags). */
  preAuthKey(options: { tags?: readonly string[]; userId?: string; ephemeral?: boolean; reusable?: boolean }): string {
    const args = ["preauthkeys", "create", "--expiration", "1h", "-o", "json"];
    if (options.tags && options.tags.length > 0) args.push("--tags", options.tags.join(","));
    if (options.userId) args.push("--user", options.userId);
    if (options.ephemeral) args.push("--ephemeral");
    if (options.reusable) args.push("--reusable");
    const key = (JSON.parse(this.must(args)) as { key?: string }).key;
    if (!key) throw new Error("headscale: preauthkeys create returned no key");
    return key;
  }

  nodes(): HeadscaleNode[] {
    const raw = JSON.parse(this.must(["nodes", "list", "-o", "json"])) as Record<string, unknown>[] | null;
    return (raw ?? []).map((n) => ({
      id: String(n.id),
      name: String(n.given_name ?? n.name),
      tags: (n.tags ?? n.forced_tags ?? []) as string[],
      online: n.online === true,
      ephemeral: Boolean((n.pre_auth_key as { ephemeral?: boolean } | undefined)?.ephemeral),
    }));
  }

  /** `headscale policy check -f FILE`: the policy's structure and its `tests` against the live nodes. */
  checkPolicy(file: string) {
    return this.cli(["policy", "check", "-f", file]);
  }

  /** SIGHUP: headscale reloads the policy file, keeping the old rules when the new file is refused. */
  reload(): void {
    this.process?.kill("SIGHUP");
  }
}
