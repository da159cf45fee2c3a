// A burst host joining the tailnet for real: the boot script rendered for the fleet's burst pool
// (core/burst/boot-input + core/render/burst-boot-script, with headscale as its login server), run
// by `sh` in the host's own namespace with an ephemeral tagged key in its environment — only its
// Tailscale part: the rendered header and functions (install_tailscale finds the built tailscaled
// on PATH; join_mesh starts it in userspace networking and runs `tailscale up`; on_signal logs out),
// then a main that stops before the engine (the tier has no GPU) and waits for a stop signal.
import { join } from "node:path";
import { burstBootScriptInput } from "../../../core/burst/boot-input";
import type { Fleet } from "../../../core/fleet/schema";
import { renderBurstBootScript } from "../../../core/render/burst-boot-script";
import { type Headscale, LOGIN_SERVER } from "./headscale";
import type { Namespaces } from "./namespaces";
import { type TailnetNode, startListener, tailnetIp, tailscaleEnv } from "./nodes";
import type { TierNode } from "./tier";

/** The first steps of the rendered main, which the tier's main repeats; checked against the script. */
const RENDERED_MAIN_STEPS = ['  install_tailscale || destroy_self "could not install $TAILSCALE_PACKAGE"', '  join_mesh || destroy_self "could not join the tailnet"', "  unset TS_AUTHKEY"];

/** The rendered script with its main replaced by the Tailscale part of it. */
export function tailscalePart(script: string): string {
  const mainAt = script.indexOf("\nmain() {");
  if (mainAt < 0) throw new Error("the rendered boot script has no main()");
  const main = script.slice(mainAt);
  for (const step of RENDERED_MAIN_STEPS) if (!main.includes(step)) throw new Error(`the rendered main no longer runs: ${step.trim()}`);
  return [
    script.slice(0, mainAt),
    "tier_main() {",
    "  trap on_signal TERM INT",
    '  mkdir -p "$STATE_DIR"',
    '  [ -n "$TS_AUTHKEY" ] || { log "TS_AUTHKEY is not set"; exit 1; }',
    '  install_tailscale || { log "no tailscale"; exit 1; }',
    '  join_mesh || { log "could not join the tailnet"; exit 1; }',
    "  unset TS_AUTHKEY",
    '  log "tier: tailscale part done; the engine would start here"',
    "  while :; do sleep 3600 & wait $!; done",
    "}",
    "tier_main",
    "",
  ].join("\n");
}

export interface BurstHostArgs {
  readonly ns: Namespaces;
  readonly bin: string;
  readonly dir: string;
  readonly fleet: Fleet;
  readonly headscale: Headscale;
  readonly node: TierNode;
  readonly ports: readonly number[];
  readonly log: (t: string) => void;
}

/** Joins the pool's first burst host; `stop()` sends the script SIGTERM and ends the "container". */
export async function runBurstTailscalePart(args: BurstHostArgs): Promise<TailnetNode & { stop: () => Promise<void> }> {
  const { ns, bin, dir, fleet, headscale, node } = args;
  const pool = fleet.burst?.pools[0];
  if (!pool) throw new Error("the mesh fleet has no burst pool");
  const input = burstBootScriptInput(fleet, pool.name, { hostIndex: 1, hardwareId: pool.gpu[0] ?? "", pricePerHour: pool.maxPricePerHour });
  if (`${input.pool}-${input.hostIndex}` !== node.name) throw new Error(`burst host is named ${input.pool}-${input.hostIndex}, the tier expects ${node.name}`);
  const stateDir = join(dir, "burst-host");
  const script = tailscalePart(renderBurstBootScript({ ...input, stateDir, loginServer: LOGIN_SERVER }));
  const { ns: nodeNs } = ns.createNode(node.name);
  await startListener(ns, { name: node.name, ns: nodeNs }, args.ports);
  const key = headscale.preAuthKey({ tags: node.tags, ephemeral: true, reusable: true });
  let out = "";
  const child = ns.spawn(nodeNs, "sh", ["-c", script], {
    env: { ...tailscaleEnv(bin), TS_AUTHKEY: key },
    log: (t) => { out += t; args.log(t); },
  });
  const started = Date.now();
  while (!out.includes("tailscale part done")) {
    if (child.exitCode !== null) throw new Error(`burst boot script exited (${child.exitCode}):\n${out}`);
    if (Date.now() - started > 90_000) throw new Error(`burst host did not join in 90 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const socket = join(stateDir, "tailscaled.sock");
  const stop = async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    // The container ends with its script: whatever the script left running goes with it.
    for (const pid of ns.pids(nodeNs)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  return { name: node.name, ns: nodeNs, socket, ip: tailnetIp(ns, bin, nodeNs, socket), stop };
}
