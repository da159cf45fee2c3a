// What `fabric burst sweep` needs to know about a stack, read through the pulumi CLI (whatever
// backend the environment points it at): the Vast instance ids its state owns, its burst pools, and
// the Vast API key and URL. The state and config are read with secrets shown, in memory only.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { parseFleet } from "../core/fleet/load";

/** The resource type of a rented host in the state. */
export const VAST_INSTANCE_TYPE = "pulumi-nodejs:dynamic/vast:Instance";

export interface StackBurstState {
  /** Instance ids of the stack's `vast:Instance` resources. */
  readonly ownedIds: readonly number[];
  /** Labels of resources recorded by label only (a rent whose answer was lost). */
  readonly unconfirmedLabels: readonly string[];
  /** Pools named by the fleet file and by the state's resources; null when neither names one. */
  readonly pools: readonly string[] | null;
  /** The Vast API key: stack config named by the fleet, else the state's resources. Null when neither has it. */
  readonly apiKey: string | null;
  /** The Vast API root the stack's hosts were rented through, when the state says. */
  readonly baseUrl: string | null;
  /** Whether the fleet or the state has any burst pool at all. */
  readonly hasBurst: boolean;
}

/** Runs the pulumi CLI; resolves with its exit code and output. */
export type PulumiRunner = (args: readonly string[]) => Promise<{ status: number; stdout: string; stderr: string }>;

/** The real pulumi CLI in `cwd` (bounded in time; the environment names the backend and passphrase). */
export function pulumiRunner(cwd: string): PulumiRunner {
  return (args) => new Promise((done) => {
    execFile("pulumi", [...args, "--non-interactive"], { cwd, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      done({ status, stdout, stderr: error && !stderr ? error.message : stderr });
    });
  });
}

/** Reads the stack; throws with pulumi's own words when the state or config cannot be read. */
export async function readStackBurstState(stack: string, cwd: string, pulumi: PulumiRunner, readFile: (path: string) => string): Promise<StackBurstState> {
  const exported = await pulumi(["stack", "export", "--stack", stack, "--show-secrets"]);
  if (exported.status !== 0) throw new Error(`pulumi stack export --stack ${stack} failed: ${exported.stderr.trim() || exported.stdout.trim()}`);
  const resources = (parseJson(exported.stdout) as { deployment?: { resources?: StateResource[] } }).deployment?.resources ?? [];
  const hosts = resources.filter((r) => r.type === VAST_INSTANCE_TYPE);
  const config = await pulumi(["config", "--stack", stack, "--show-secrets", "--json"]);
  const values = config.status === 0 ? parseJson(config.stdout) as Record<string, { value?: unknown }> : {};
  const fleetPath = typeof values["fabric:fleet"]?.value === "string" ? values["fabric:fleet"].value : null;
  const parsed = fleetPath ? parseFleet(readFile(resolve(cwd, fleetPath))) : null;
  const burst = parsed?.ok ? parsed.fleet.burst : undefined;
  const keyName = burst?.apiKey && typeof burst.apiKey === "object" ? `fabric:${burst.apiKey.secret}` : null;
  const configKey = keyName ? values[keyName]?.value : undefined;
  const stateKey = hosts.map((h) => plain(h.outputs?.apiKey)).find((k): k is string => typeof k === "string" && k.length > 0);
  const pools = [...new Set([...(burst?.pools.map((p) => p.name) ?? []), ...hosts.map((h) => plain(h.outputs?.pool)).filter((p): p is string => typeof p === "string")])].sort();
  const baseUrl = hosts.map((h) => plain(h.outputs?.baseUrl)).find((u): u is string => typeof u === "string" && u.length > 0) ?? null;
  return {
    ownedIds: hosts.map((h) => Number(h.id)).filter((id) => Number.isInteger(id) && id > 0),
    unconfirmedLabels: hosts.filter((h) => String(h.id).startsWith("label:")).map((h) => String(h.id).slice("label:".length)),
    pools: pools.length > 0 ? pools : null,
    apiKey: typeof configKey === "string" && configKey.length > 0 ? configKey : stateKey ?? null,
    baseUrl,
    hasBurst: (burst?.pools.length ?? 0) > 0 || hosts.length > 0,
  };
}

interface StateResource {
  readonly type: string;
  readonly id?: string;
  readonly outputs?: Record<string, unknown>;
}

/** A value of `pulumi stack export --show-secrets`: secrets come as `{…, plaintext: "<json>"}`. */
function plain(value: unknown): unknown {
  if (typeof value === "object" && value !== null && typeof (value as { plaintext?: unknown }).plaintext === "string") {
    try { return JSON.parse((value as { plaintext: string }).plaintext); } catch { return undefined; }
  }
  return value;
}

/** The JSON document in a CLI's stdout (warnings may come before it). */
function parseJson(stdout: string): unknown {
  const start = stdout.indexOf("{");
  if (start < 0) throw new Error("pulumi printed no JSON");
  return JSON.parse(stdout.slice(start));
}
