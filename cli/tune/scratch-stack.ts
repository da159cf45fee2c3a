// A tune candidate's scratch stack through the Automation API: an inline program that puts only the
// candidate's engine (and its model sync) on the machine, with the SLO gate when the recipe has an
// SLO; then destroy and remove. Same backend and passphrase as the live stack; its own stack name,
// so the live stack's state and engines are never touched.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { Engine } from "../../components/docker/engine";
import { GpuHost } from "../../components/docker/gpu-host";
import { requiredSecretKeys, storeReadKey } from "../../components/secrets";
import { SloGate } from "../../components/slo-gate";
import type { Plan } from "../../core/plan/types";

export interface ScratchDeploy {
  /** Scratch stack name, e.g. `local-test-tune-1`. */
  readonly stackName: string;
  readonly projectName: string;
  /** The project directory (its node_modules serve the dynamic provider of the gate). */
  readonly projectDir: string;
  /** The scratch fleet's plan: exactly one engine. */
  readonly plan: Plan;
  /** Secret values by stack config key, from the live stack (held in memory only). */
  readonly secrets: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

/** The inline program: the engine's machine, the engine, the gate. Volumes are kept on destroy (shared caches). */
function program(d: ScratchDeploy): () => Promise<Record<string, unknown>> {
  return async () => {
    const engine = d.plan.engines[0]!;
    const machine = d.plan.machines.find((m) => m.name === engine.machine)!;
    const secrets = Object.fromEntries(requiredSecretKeys(d.plan).flatMap((k) => (d.secrets[k] === undefined ? [] : [[k, pulumi.secret(d.secrets[k]!)]])));
    const containers = [engine.container, ...(engine.modelSync ? [engine.modelSync.container] : [])];
    const host = new GpuHost("tune-host", {
      machine: { ...machine, exporters: [] },
      images: containers.map((c) => c.image),
      volumes: containers.flatMap((c) => c.volumes.map((v) => v.volume)),
      secrets,
    }, {
      transformations: [(a) => (a.type === "docker:index/volume:Volume" ? { props: a.props, opts: pulumi.mergeOptions(a.opts, { retainOnDelete: true }) } : undefined)],
    });
    const built = new Engine(`tune-engine-${engine.deployment}`, {
      plan: engine, host, secrets, storeReadKey: engine.modelSync ? storeReadKey(d.plan, secrets) : null,
    });
    SloGate.forWave("tune-slo", 1, [engine], [built], built);
    return { url: built.url };
  };
}

async function scratchStack(d: ScratchDeploy): Promise<Stack> {
  const workDir = join(d.projectDir, "out", "tune", d.stackName);
  mkdirSync(workDir, { recursive: true });
  return LocalWorkspace.createOrSelectStack(
    { stackName: d.stackName, projectName: d.projectName, program: program(d) },
    { workDir, projectSettings: { name: d.projectName, runtime: "nodejs" } },
  );
}

const output = (log: (line: string) => void) => (out: string) => {
  for (const line of out.split("\n")) if (line.trim() && !/using pulumi-resource-\w+ from \$PATH/.test(line)) log(`  pulumi: ${line.trimEnd()}`);
};

/** `pulumi up` of the scratch stack; throws with pulumi's error lines (the SLO gate's message among them). */
export async function upScratch(d: ScratchDeploy): Promise<void> {
  const stack = await scratchStack(d);
  const lines: string[] = [];
  try {
    await stack.up({ onOutput: (out) => { lines.push(out); output(d.log)(out); } });
  } catch (e) {
    const text = `${lines.join("")}\n${(e as Error).message}`;
    const errors = [...new Set(text.split("\n").map((l) => l.trim()).filter((l) => /^error: /.test(l) || /SLO gate after/.test(l)))];
    const gate = errors.find((l) => /SLO gate after/.test(l));
    // The gate's advice on rolling back is for a fleet's rollout, not for a candidate: keep the figures.
    throw new Error(gate ? gate.replace(/^.*?(SLO gate after)/, "$1").replace(/ The earlier waves[\s\S]*$/, "") : errors.slice(0, 3).join(" | ") || (e as Error).message.split("\n")[0]!);
  }
}

/** Destroys the scratch stack and removes it from the backend. */
export async function destroyScratch(d: ScratchDeploy): Promise<void> {
  const stack = await scratchStack(d);
  await stack.destroy({ onOutput: output(d.log) });
  await stack.workspace.removeStack(d.stackName);
  rmSync(join(d.projectDir, "out", "tune", d.stackName), { recursive: true, force: true });
}
