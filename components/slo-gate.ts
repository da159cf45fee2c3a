import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { RecipeSlo } from "../core/fleet/slo";
import type { EnginePlan } from "../core/plan/types";
import type { Engine } from "./docker/engine";

/** One engine the gate benchmarks: its OpenAI-compatible base URL, the model name and its recipe's SLO. */
interface GatedEngine {
  readonly deployment: string;
  readonly recipe: string;
  readonly url: string;
  readonly model: string;
  readonly slo: RecipeSlo;
}

interface GateInputs {
  readonly wave: number;
  readonly engines: readonly GatedEngine[];
  /** A replaced engine (new container id) is benchmarked again. */
  readonly containerIds: readonly string[];
}

/** The CLI the gate runs (`fabric bench … --slo … --json`), resolved where the program runs. */
const FABRIC_CLI = join(__dirname, "..", "cli", "fabric.js");

/**
 * Benchmarks every engine of the wave with `fabric bench` (a child process: the dynamic provider
 * runs serialized code, so it calls the CLI rather than importing it) and throws, naming each
 * figure missed and by how much, when one misses its SLO.
 */
async function gate(inputs: GateInputs): Promise<void> {
  const { execFile } = require("node:child_process") as typeof import("node:child_process");
  const misses: string[] = [];
  for (const e of inputs.engines) {
    const p = e.slo.profile;
    const args = [FABRIC_CLI, "bench", "--url", e.url, "--model", e.model, "--concurrency", String(e.slo.atConcurrency),
      "--requests", String(p.requests), "--warmup", String(p.warmup), "--input-tokens", String(p.inputTokens),
      "--output-tokens", String(p.outputTokens), "--max-seconds", String(p.maxSeconds), "--seed", String(p.seed),
      "--slo", JSON.stringify({ ttftP95Ms: e.slo.ttftP95Ms, minOutputTokensPerSecond: e.slo.minOutputTokensPerSecond, atConcurrency: e.slo.atConcurrency, maxErrorRate: e.slo.maxErrorRate }),
      "--json"];
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { timeout: (p.maxSeconds * 2 + 120) * 1000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 70) : 0, stdout, stderr });
      });
    });
    if (result.code === 0) continue;
    let found: string[] = [];
    try {
      found = (JSON.parse(result.stdout) as { slo?: { misses: { message: string }[] } }).slo?.misses.map((m) => m.message) ?? [];
    } catch {
      found = [`the benchmark did not run (exit ${result.code}): ${result.stderr.trim().split("\n").slice(0, 3).join(" ")}`];
    }
    misses.push(`${e.deployment} (recipe ${e.recipe}) at concurrency ${e.slo.atConcurrency}: ${found.join("; ")}`);
  }
  if (misses.length > 0) {
    throw new Error(`SLO gate after rollout wave ${inputs.wave}: ${misses.join(" | ")}. The earlier waves keep serving and the next wave was not started; roll back by reverting the recipe change in the fleet file (git revert) and running pulumi up.`);
  }
}

const gateProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: GateInputs, news: GateInputs) {
    return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
  },
  async create(inputs: GateInputs) {
    await gate(inputs);
    return { id: `slo-gate-${inputs.wave}-${Date.now().toString(36)}`, outs: inputs };
  },
  async update(_id: string, _olds: GateInputs, news: GateInputs) {
    await gate(news);
    return { outs: news };
  },
};

/**
 * The SLO check after a rollout wave: benchmarks the wave's engines whose recipe declares an `slo`,
 * each directly (not through the gateway), and fails the `up` before the next wave when one misses.
 * Runs again when an engine is replaced or an SLO changes.
 */
export class SloGate extends pulumi.dynamic.Resource {
  constructor(name: string, args: { readonly wave: number; readonly engines: readonly GatedEngine[]; readonly containerIds: pulumi.Input<pulumi.Input<string>[]> }, opts?: pulumi.CustomResourceOptions) {
    super(gateProvider, name, args, opts, "fabric-slo-gate");
  }

  /** The gate of a wave, or none when no engine of it has an SLO. */
  static forWave(name: string, wave: number, planned: readonly EnginePlan[], built: readonly Engine[], parent: pulumi.Resource): SloGate[] {
    const gated = planned.flatMap((e): GatedEngine[] => (e.slo
      ? [{ deployment: e.deployment, recipe: e.recipe, url: `http://${e.address}:${e.port}/v1`, model: e.servedName, slo: e.slo }]
      : []));
    if (gated.length === 0) return [];
    return [new SloGate(name, { wave, engines: gated, containerIds: built.map((e) => e.container.id) }, { parent, dependsOn: built.map((e) => e.container) })];
  }
}
