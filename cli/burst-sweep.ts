// `fabric burst sweep --stack <name> [--yes]`: finds Vast instances whose label carries the stack's
// prefix (`fabric-<stack>-<pool>-<n>`) and that no resource of the stack's state owns: hosts left
// by an interrupted `pulumi up` or a rent whose answer was lost. Dry run by default; `--yes`
// destroys them. Exit codes like `fabric check`: 0 nothing left to do, 1 orphans found (dry run) or
// not all destroyed, 2 the stack, its key or the Vast API could not be read.
import { parseArgs } from "node:util";
import type { LiveHost } from "../core/burst/headroom";
import { decideBurstSweep } from "../core/burst/orphans";
import { VAST_API_URL, VastClient, type VastRetryPolicy } from "../components/burst/vast-client";
import { type CliIo, EXIT } from "./io";
import { type PulumiRunner, type StackBurstState, pulumiRunner, readStackBurstState } from "./stack-burst-state";

export const SWEEP_USAGE = `usage: fabric burst sweep --stack <name> [--yes] [--cwd DIR] [--api-url URL]
  lists the Vast instances labelled fabric-<stack>-… that the stack's state does not own and, with
  --yes, destroys them. Run it in the project directory (or --cwd) with the backend and passphrase
  'pulumi up' uses. The API key comes from the stack config the fleet names (burst.apiKey), else
  from VAST_API_KEY.`;

/** What the sweep touches; tests replace the pulumi CLI and the environment. */
export interface SweepDeps {
  readonly pulumi?: PulumiRunner;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The client's retry policy. @default DEFAULT_RETRY_POLICY */
  readonly retry?: Partial<VastRetryPolicy>;
}

export async function runBurstSweep(args: readonly string[], io: CliIo, deps: SweepDeps = {}): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...args], options: { stack: { type: "string" }, yes: { type: "boolean", default: false }, cwd: { type: "string" }, "api-url": { type: "string" } } }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${SWEEP_USAGE}`);
    return EXIT.badInput;
  }
  if (!values.stack) {
    io.err(SWEEP_USAGE);
    return EXIT.badInput;
  }
  const stack = values.stack;
  const cwd = values.cwd ?? process.cwd();
  const env = deps.env ?? process.env;
  let state: StackBurstState;
  try {
    state = await readStackBurstState(stack, cwd, deps.pulumi ?? pulumiRunner(cwd), io.readFile);
  } catch (e) {
    io.err(`fabric burst sweep: cannot read stack ${stack}: ${(e as Error).message}`);
    return EXIT.badInput;
  }
  const apiKey = state.apiKey ?? env.VAST_API_KEY ?? null;
  if (!apiKey) {
    if (!state.hasBurst) {
      io.out(`stack ${stack}: no burst pools in its fleet or state; nothing to sweep`);
      return EXIT.ok;
    }
    io.err(`fabric burst sweep: stack ${stack} has burst pools but no Vast API key: set the stack's secret config the fleet's burst.apiKey names, or VAST_API_KEY`);
    return EXIT.badInput;
  }
  const client = new VastClient({ apiKey, baseUrl: values["api-url"] ?? state.baseUrl ?? env.VAST_API_URL ?? VAST_API_URL, retry: deps.retry ?? {}, log: (line) => io.err(line) });
  let live: LiveHost[];
  try {
    live = (await client.listInstances()).filter((i) => i.cur_state !== "unloaded").map((i) => ({ id: i.id, label: i.label ?? null, pricePerHour: i.dph_total ?? null }));
  } catch (e) {
    io.err(`fabric burst sweep: cannot list Vast instances: ${client.clean((e as Error).message)}`);
    return EXIT.badInput;
  }
  const decision = decideBurstSweep({ stack, pools: state.pools, live, ownedIds: state.ownedIds });
  const describe = (h: LiveHost) => `${h.id} ${h.label}${h.pricePerHour === null ? "" : ` ($${h.pricePerHour.toFixed(2)}/h)`}`;
  io.out(`stack ${stack}: ${live.length} instance(s) at Vast; ${decision.owned.length} owned by the state, ${decision.orphans.length} orphaned, ${decision.others} not the stack's (left alone)`);
  for (const h of decision.owned) io.out(`  owned     ${describe(h)}`);
  if (state.unconfirmedLabels.length > 0) io.out(`  the state holds unconfirmed rents (label only): ${state.unconfirmedLabels.join(", ")}; their instances are orphans here`);
  if (decision.orphans.length === 0) {
    io.out("nothing to sweep");
    return EXIT.ok;
  }
  if (!values.yes) {
    for (const h of decision.orphans) io.out(`  orphan    ${describe(h)}`);
    io.out(`dry run: run again with --yes to destroy ${decision.orphans.length} orphaned instance(s)`);
    return EXIT.violations;
  }
  let failed = 0;
  for (const h of decision.orphans) {
    try {
      const result = await client.destroyInstance(h.id);
      io.out(`  destroyed ${describe(h)}${result === "already-gone" ? " (was already gone)" : ""}`);
    } catch (e) {
      failed++;
      io.out(`  FAILED    ${describe(h)}: ${client.clean((e as Error).message)}`);
    }
  }
  io.out(failed === 0 ? `destroyed ${decision.orphans.length} orphaned instance(s)` : `${failed} of ${decision.orphans.length} could not be destroyed; run the sweep again`);
  return failed === 0 ? EXIT.ok : EXIT.violations;
}
