import { BOOT_SHELL_FUNCTIONS } from "../burst/boot-shell-functions";
import type { ActivityProbe } from "../burst/engine-facts";
import type { CpuArch } from "../catalog/types";
import { shellQuote as shellWord } from "./shell";

/** Everything a burst host's boot script says. Holds names of secrets, never their values. */
export interface BurstBootScriptInput {
  /** Pool name; the host joins the tailnet as `<pool>-<hostIndex>`. */
  readonly pool: string;
  readonly hostIndex: number;
  /** Tailscale ACL tags the host joins with: its auth key carries them (logged, not advertised). */
  readonly tags: readonly string[];
  /** The engine's full command: the image entrypoint and the recipe's argv. */
  readonly command: readonly string[];
  /** Plain engine environment (no secrets). */
  readonly env: Readonly<Record<string, string>>;
  /** Secret variables the instance environment must carry for the engine, e.g. HF_TOKEN. */
  readonly secretEnvNames: readonly string[];
  /** Files the engine reads (e.g. a Modelfile), written before it starts. */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /** Port the engine listens on, on 127.0.0.1. */
  readonly port: number;
  readonly healthPath: string;
  readonly activity: ActivityProbe;
  /** Minutes without activity before the host destroys itself. */
  readonly idleMinutes: number;
  /** Hard stop: hours after the script starts, whatever the traffic. */
  readonly maxHours: number;
  /** Minutes the engine may take to become healthy before the host gives up. */
  readonly bootTimeoutMinutes: number;
  readonly cpuArch: CpuArch;
  /** Static Tailscale build from pkgs.tailscale.com, used when the image has none. */
  readonly tailscaleVersion: string;
  /** SHA-256 of that tarball; checked when given. */
  readonly tailscaleSha256?: string;
  /** @default "https://console.vast.ai/api/v0" */
  readonly vastApiUrl?: string;
  /** Directories the engine writes to (model cache), created first. */
  readonly directories: readonly string[];
  /** Where the script keeps the Tailscale socket, download and logs. @default "/var/lib/fabric-burst" */
  readonly stateDir?: string;
  /** Seconds between watchdog polls. @default 60 */
  readonly pollSeconds?: number;
  /**
   * Control server the host joins through (`tailscale up --login-server`), e.g. a headscale URL.
   * @default Tailscale's own (the flag is left out)
   */
  readonly loginServer?: string;
}

/** Instance-environment variables the script reads; set by the burst provider or by Vast. */
export const BOOT_SCRIPT_ENVIRONMENT = ["TS_AUTHKEY", "CONTAINER_ID", "CONTAINER_API_KEY"] as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One shell word, always single-quoted (the shared quoting with no plain-word shortcut). */
export function shellQuote(value: string): string {
  return shellWord(value, QUOTE_ALWAYS);
}
const QUOTE_ALWAYS = /(?!)/;

function checkInput(input: BurstBootScriptInput): void {
  const names = [...Object.keys(input.env), ...input.secretEnvNames];
  const bad = names.find((n) => !IDENTIFIER.test(n));
  if (bad !== undefined) throw new Error(`renderBurstBootScript: '${bad}' is not a shell variable name`);
  if (input.command.length === 0) throw new Error("renderBurstBootScript: the engine command is empty");
  const positive: ReadonlyArray<readonly [string, number]> = [
    ["idleMinutes", input.idleMinutes], ["maxHours", input.maxHours], ["bootTimeoutMinutes", input.bootTimeoutMinutes], ["port", input.port],
    ["pollSeconds", input.pollSeconds ?? 60],
  ];
  for (const [field, value] of positive) {
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`renderBurstBootScript: ${field} must be a positive number, got ${value}`);
  }
  if (input.loginServer !== undefined && !/^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~/-]*)?$/.test(input.loginServer)) {
    throw new Error(`renderBurstBootScript: loginServer '${input.loginServer}' must be an http(s) URL with a host and an optional path`);
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(input.pool) || !Number.isInteger(input.hostIndex) || input.hostIndex < 1) {
    throw new Error(`renderBurstBootScript: hostname '${input.pool}-${input.hostIndex}' must be a DNS label with a host index ≥ 1`);
  }
}

/** The probe as a shell function printing a fingerprint that changes when the engine works. */
function activityFunction(probe: ActivityProbe, port: number): string {
  if (probe.kind === "metrics") {
    return [
      "# Lines of the engine's request and token counters; scrapes and health checks leave them alone.",
      "activity_fingerprint() {",
      `  body=$(http_get ${shellQuote(`http://127.0.0.1:${port}${probe.path}`)}) || return 1`,
      `  printf '%s\\n' "$body" | grep -E ${shellQuote(probe.pattern)} | cksum`,
      "}",
    ].join("\n");
  }
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return [
    "# No metrics: established TCP connections to the engine port (state 01) stand in for requests.",
    "activity_fingerprint() {",
    `  open=$(awk -v port=${shellQuote(hexPort)} 'FNR > 1 && $4 == "01" && substr($2, length($2) - 4) == port { n++ } END { print n + 0 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)`,
    '  if [ "${open:-0}" -gt 0 ]; then date +%s; else echo idle; fi',
    "}",
  ].join("\n");
}

function engineFunction(input: BurstBootScriptInput): string {
  const exports = Object.keys(input.env).sort().map((k) => `    export ${k}=${shellQuote(input.env[k] ?? "")}`);
  // One line per flag with its value, so a reviewer reads the argv as written.
  const lines: string[] = [];
  input.command.forEach((word, i) => {
    const previous = input.command[i - 1];
    const pairsWithPrevious = i > 0 && previous !== undefined && previous.startsWith("-") && !word.startsWith("-");
    if (pairsWithPrevious && lines.length > 0) lines[lines.length - 1] += ` ${shellQuote(word)}`;
    else lines.push(shellQuote(word));
  });
  return [
    "# The engine runs without the mesh key and the instance key in its environment.",
    "start_engine() {",
    `  log ${shellQuote(`starting the engine: ${input.command.slice(0, 3).join(" ")} ...`)}`,
    "  (",
    "    unset TS_AUTHKEY CONTAINER_API_KEY",
    ...exports,
    `    exec ${lines.join(" \\\n      ")}`,
    "  ) &",
    "  ENGINE_PID=$!",
    "}",
  ].join("\n");
}

function fileLines(input: BurstBootScriptInput): string[] {
  const dirs = [...new Set([...input.directories, ...input.files.map((f) => f.path.replace(/\/[^/]*$/, "") || "/")])].sort();
  return [
    ...(dirs.length > 0 ? [`  mkdir -p ${dirs.map(shellQuote).join(" ")}`] : []),
    ...input.files.map((f) => `  printf '%s' ${shellQuote(f.content)} >${shellQuote(f.path)}`),
  ];
}

/**
 * The boot script of one Vast.ai burst host, POSIX sh. Launch it as the container's command:
 * `runtype: "args"`, `onstart: "sh"`, `args: ["-c", script]` (vast-cli sends `--entrypoint` as
 * `onstart` in args mode), so it stays in the foreground and the container ends with it. It:
 * 1. installs a pinned static Tailscale unless the image has one, starts `tailscaled
 *    --tun=userspace-networking --state=mem:` (ephemeral node) and runs `tailscale up` with every
 *    flag each attempt; the auth key is read from `$TS_AUTHKEY`, never written here;
 * 2. writes the engine's files and starts the engine on 127.0.0.1 (reached over the tailnet only);
 * 3. polls every minute (`pollSeconds`): destroys the instance through the Vast API (`$CONTAINER_ID`,
 *    `$CONTAINER_API_KEY`, injected by Vast) after `idleMinutes` without activity, when the engine
 *    exits or never becomes healthy, or after `maxHours` (budget guard).
 * Every value is single-quoted; the script holds no secret values.
 */
export function renderBurstBootScript(input: BurstBootScriptInput): string {
  checkInput(input);
  const hostName = `${input.pool}-${input.hostIndex}`;
  const tsArch = input.cpuArch === "arm64" ? "arm64" : "amd64";
  const secretChecks = [...input.secretEnvNames].sort().map((n) =>
    `  [ -n "\${${n}:-}" ] || log ${shellQuote(`warning: ${n} is not set in the instance environment`)}`);
  const header = [
    "#!/bin/sh",
    `# inference-fabric burst host ${hostName} (pool ${input.pool}). Rendered by renderBurstBootScript.`,
    "# Secrets come from the instance environment, never from this text: TS_AUTHKEY (an ephemeral,",
    "# tagged Tailscale auth key) and CONTAINER_ID / CONTAINER_API_KEY (set by Vast for this instance).",
    "set -u",
    "",
    `HOST_NAME=${shellQuote(hostName)}`,
    `TS_TAGS=${shellQuote(input.tags.join(","))}`,
    `TAILSCALE_PACKAGE=${shellQuote(`tailscale_${input.tailscaleVersion}_${tsArch}`)}`,
    `TAILSCALE_SHA256=${shellQuote(input.tailscaleSha256 ?? "")}`,
    `HEALTH_URL=${shellQuote(`http://127.0.0.1:${input.port}${input.healthPath}`)}`,
    `POLL_SECONDS=${Math.ceil(input.pollSeconds ?? 60)}`,
    `IDLE_SECONDS=${Math.round(input.idleMinutes * 60)}`,
    `MAX_SECONDS=${Math.floor(input.maxHours * 3600)}`,
    `BOOT_TIMEOUT_SECONDS=${Math.ceil(input.bootTimeoutMinutes * 60)}`,
    `VAST_API=${shellQuote(input.vastApiUrl ?? "https://console.vast.ai/api/v0")}`,
    `STATE_DIR=${shellQuote(input.stateDir ?? "/var/lib/fabric-burst")}`,
    ...(input.loginServer !== undefined ? [`TS_LOGIN_SERVER=${shellQuote(input.loginServer)}`] : []),
    'TS_SOCKET="$STATE_DIR/tailscaled.sock"',
    "STARTED_AT=$(date +%s)",
    "ENGINE_PID=''",
    "TAILSCALED_PID=''",
    ...BOOT_SCRIPT_ENVIRONMENT.map((n) => `${n}=\${${n}:-}`),
  ];
  const main = [
    "main() {",
    "  trap on_signal TERM INT",
    '  mkdir -p "$STATE_DIR"',
    '  [ -n "$TS_AUTHKEY" ] || destroy_self "TS_AUTHKEY is not set: this host cannot join the mesh"',
    ...secretChecks,
    '  install_tailscale || destroy_self "could not install $TAILSCALE_PACKAGE"',
    '  join_mesh || destroy_self "could not join the tailnet"',
    "  unset TS_AUTHKEY",
    ...fileLines(input),
    "  start_engine",
    "  watch_engine",
    "}",
  ];
  return [header.join("\n"), BOOT_SHELL_FUNCTIONS.trimEnd(), activityFunction(input.activity, input.port), engineFunction(input), main.join("\n"), 'main "$@"', ""].join("\n\n").replace(/\n\n$/, "\n");
}
