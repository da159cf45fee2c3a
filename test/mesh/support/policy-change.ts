// The unsafe fleet change of the tier: the `embeddings` engine moves onto the gateway machine, so
// the gateway's key gains tag:engine and, with it, the engines' grant to the model store — which
// the applied policy's tests deny (`tag:gateway` must not open `tag:machine-store:9000`).
// `fabric check --against` refuses it offline; headscale refuses the changed grants under the
// applied tests (`policy check`, and a SIGHUP reload that keeps the old rules); the changed fleet's
// own policy loads. Everything is put back afterwards.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { forHeadscale } from "../../../core/render/headscale-policy";
import type { TailscalePolicy } from "../../../core/render/tailscale-policy";
import { type CliRun, runCli } from "../../support/cli";
import type { Headscale } from "./headscale";
import { ADMIN_USER, TIER_FLEET, type ProbeCase, loadFleet, meshPlan } from "./tier";

const BEFORE = "{name: embeddings, recipe: embed-nomic, machine: gpu, port: 8209}";
const AFTER = "{name: embeddings, recipe: embed-nomic, machine: gw, port: 8209}";

export interface PolicyChangeArgs {
  readonly dir: string;
  readonly headscale: Headscale;
  readonly written: TailscalePolicy;
  readonly probeAll: (cases: readonly ProbeCase[]) => Promise<(ProbeCase & { answer: string | null })[]>;
}

export interface PolicyChangeResult {
  readonly fabricCheck: CliRun;
  readonly ownPolicyCheck: { status: number | null; stdout: string; stderr: string };
  readonly carriedCheck: { status: number | null; stdout: string; stderr: string };
  readonly reloadRefused: boolean;
  readonly reloadLog: string;
  /** mon → gw:8209 after the refused reload (null: no answer, the old rules hold). */
  readonly afterRefusedReload: string | null;
  /** mon → gw:8209 after reloading the changed fleet's own policy. */
  readonly afterAcceptedReload: string | null;
}

async function until<T>(timeoutMs: number, attempt: () => Promise<T | null> | T | null): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== null || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function policyChange(args: PolicyChangeArgs): Promise<PolicyChangeResult> {
  const { dir, headscale, written } = args;
  const text = readFileSync(TIER_FLEET, "utf8");
  if (!text.includes(BEFORE)) throw new Error(`test/fixtures/mesh.fleet.yaml no longer has '${BEFORE}'`);
  const changedPath = join(dir, "changed.fleet.yaml");
  writeFileSync(changedPath, text.replace(BEFORE, AFTER));
  const fabricCheck = runCli(["check", changedPath, "--against", join(dir, "plan", "tailscale-policy.hujson")]);

  const changed = meshPlan(loadFleet(text.replace(BEFORE, AFTER)));
  const gwTags = changed.keys.find((k) => k.role === "gw")?.tags ?? [];
  const gw = headscale.nodes().find((n) => n.name === "gw");
  if (!gw || !gwTags.includes("tag:engine")) throw new Error("the change should give gw tag:engine");
  const originalTags = gw.tags;
  const ownPath = join(dir, "changed-own.hujson");
  const carriedPath = join(dir, "changed-with-applied-tests.hujson");
  writeFileSync(ownPath, JSON.stringify(forHeadscale(changed.policy, ADMIN_USER), null, 2));
  writeFileSync(carriedPath, JSON.stringify(forHeadscale({ ...(changed.policy as TailscalePolicy), tests: written.tests }, ADMIN_USER), null, 2));
  const original = readFileSync(headscale.policyPath, "utf8");
  const monToGw = { from: "mon", to: "gw", port: 8209, allowed: false };
  try {
    // The gateway re-joins with the changed plan's key: headscale gives it that key's tags.
    headscale.must(["nodes", "tag", "-i", gw.id, "-t", gwTags.join(",")]);
    const ownPolicyCheck = headscale.checkPolicy(ownPath);
    const carriedCheck = headscale.checkPolicy(carriedPath);

    const mark = headscale.log.length;
    writeFileSync(headscale.policyPath, readFileSync(carriedPath, "utf8"));
    headscale.reload();
    const refusal = await until(10_000, () => (/reloading policy/.test(headscale.log.slice(mark)) ? true : null));
    const reloadLog = headscale.log.slice(mark);
    const afterRefusedReload = (await args.probeAll([monToGw]))[0]?.answer ?? null;

    writeFileSync(headscale.policyPath, readFileSync(ownPath, "utf8"));
    headscale.reload();
    const afterAcceptedReload = await until(15_000, async () => (await args.probeAll([monToGw]))[0]?.answer ?? null);
    return { fabricCheck, ownPolicyCheck, carriedCheck, reloadRefused: refusal === true, reloadLog, afterRefusedReload, afterAcceptedReload };
  } finally {
    writeFileSync(headscale.policyPath, original);
    headscale.must(["nodes", "tag", "-i", gw.id, "-t", originalTags.join(",")]);
    headscale.reload();
  }
}
