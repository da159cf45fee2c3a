// Where a container's service listens: its published ports, or with host networking the address
// and port its own argv or env name (`--host`, `--port`, `--listen`, `--web.listen-address=`, and
// the env vars each engine honours: `OLLAMA_HOST`, llama.cpp's `LLAMA_ARG_HOST`/`LLAMA_ARG_PORT`,
// TEI's `HOSTNAME`/`PORT`), as the engines themselves read them: argv wins over env.
import { engineCatalog } from "../core/catalog/engines";
import type { EngineKind } from "../core/catalog/types";
import { type ContainerView, splitEnv } from "./container-props";

/** Where a service listens, read from its argv or env (`--host`, `--listen`, `OLLAMA_HOST`, ...). */
export interface ListenAddress {
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** The flag or variable it came from, for messages. */
  readonly source: string;
}

/** Flags whose value is `host` (with `--port` beside it) or `host:port`. */
const HOST_FLAGS = ["--host", "--hostname"];
const HOST_PORT_FLAGS = ["--listen", "--address", "--console-address", "--web.listen-address", "-a"];
/** Env vars holding `host:port`. */
const HOST_PORT_ENV = ["OLLAMA_HOST"];
/** Env vars an engine reads its listen host and port from when its argv names none (llama.cpp's common/arg.cpp, TEI's clap `env`). */
const ENGINE_LISTEN_ENV: Partial<Record<EngineKind, { readonly host: string; readonly port: string }>> = {
  llamacpp: { host: "LLAMA_ARG_HOST", port: "LLAMA_ARG_PORT" },
  tei: { host: "HOSTNAME", port: "PORT" },
};

/** `host:port`, `[v6]:port` or `:port` split. */
function hostPort(value: string): { host: string | undefined; port: number | undefined } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(value);
  if (!m) return { host: value, port: undefined };
  return { host: m[1] ?? m[2] ?? "", port: Number(m[3]) };
}

/** The value of `--flag value` or `--flag=value` at argv[i], if argv[i] is that flag. */
function flagValue(argv: readonly string[], i: number, flag: string): string | undefined {
  const arg = argv[i] ?? "";
  if (arg === flag) return argv[i + 1];
  if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  return undefined;
}

/** Every address the container's service listens on, as its argv and env say. */
export function listenAddresses(c: ContainerView): ListenAddress[] {
  const out: ListenAddress[] = [];
  let port: number | undefined;
  const hosts: { host: string; source: string }[] = [];
  c.argv.forEach((_, i) => {
    for (const flag of HOST_FLAGS) {
      const v = flagValue(c.argv, i, flag);
      if (v !== undefined) hosts.push({ host: v, source: flag });
    }
    const p = flagValue(c.argv, i, "--port");
    if (p !== undefined && /^\d+$/.test(p)) port = Number(p);
    for (const flag of HOST_PORT_FLAGS) {
      const v = flagValue(c.argv, i, flag);
      if (v !== undefined) out.push({ ...hostPort(v), source: flag });
    }
  });
  const env = new Map(c.envs.map(splitEnv));
  const engineEnv = c.engineKind === undefined ? undefined : ENGINE_LISTEN_ENV[c.engineKind];
  if (engineEnv && port === undefined && /^\d+$/.test(env.get(engineEnv.port) ?? "")) port = Number(env.get(engineEnv.port));
  if (engineEnv && hosts.length === 0 && out.length === 0 && env.has(engineEnv.host)) {
    hosts.push({ host: env.get(engineEnv.host) ?? "", source: engineEnv.host });
  }
  // An engine that names no port listens on its own default.
  if (port === undefined && out.length === 0 && c.engineKind !== undefined && !env.has("OLLAMA_HOST")) port = engineCatalog[c.engineKind].defaultPort;
  out.push(...hosts.map((h) => ({ host: h.host, port, source: h.source })));
  if (hosts.length === 0 && port !== undefined) out.push({ host: undefined, port, source: "--port" });
  for (const entry of c.envs) {
    const [name, value] = splitEnv(entry);
    if (HOST_PORT_ENV.includes(name)) out.push({ ...hostPort(value), source: name });
  }
  return out;
}

/** Ports the container takes on its machine: published ports, or with host networking the ports it listens on. */
export function hostPorts(c: ContainerView): number[] {
  if (c.networkMode === "host") return [...new Set(listenAddresses(c).flatMap((a) => (a.port === undefined ? [] : [a.port])))];
  return [...new Set(c.ports.flatMap((p) => (p.external === undefined ? [] : [p.external])))];
}
