// The stack as the controller sees it, through the Pulumi Automation API (the same engine, state
// backend, passphrase and policy packs as a `pulumi up` in the project directory): host counts in
// force, and changing one pool's count by a stack-config override plus a `pulumi up` targeted at
// that pool's resources. Never edits the fleet file.
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { DESIRED_OVERRIDE_KEY, effectiveDesired } from "../../core/burst/desired-override";
import type { Fleet } from "../../core/fleet/schema";
import { VAST_API_URL } from "../../components/burst/vast-client";
import { VAST_INSTANCE_TYPE } from "../stack-burst-state";

/** What the controller needs from the stack; tests pass their own. */
export interface AutoscaleStack {
  /** Host count per pool in force (override, else the fleet). Throws when the backend cannot be read. */
  counts(): Promise<Record<string, number>>;
  /** Sets `pool`'s count and runs the targeted up; resolves with pulumi's summary, throws with its words. */
  apply(pool: string, desired: number): Promise<string>;
  /** The Vast API key and root, to check Vast answers before a change. */
  vast(): Promise<{ apiKey: string | null; baseUrl: string }>;
  /** Where the state lives (for the lock), e.g. `file:///root/.cache/inference-fabric/state`. */
  backendUrl(): Promise<string>;
}

/** The gateway's master key from the stack config the fleet names (gateway.masterKey), for the drain marks. */
export async function gatewayMasterKey(stack: PulumiAutoscaleStack, fleet: Fleet): Promise<string | null> {
  const key = fleet.gateway?.masterKey;
  if (typeof key !== "object") return null;
  return (await stack.config())[`fabric:${key.secret}`]?.value ?? null;
}

/**
 * URNs a pool's targeted up touches: the pool component and every host slot up to `slots` (those
 * that exist are updated or deleted, the new ones created). Nothing else of the stack changes.
 */
export function poolTargets(stack: string, project: string, pool: string, slots: number): string[] {
  const component = `urn:pulumi:${stack}::${project}::fabric:burst:BurstPool::burst-${pool}`;
  const hosts = Array.from({ length: slots }, (_, i) =>
    `urn:pulumi:${stack}::${project}::fabric:burst:BurstPool$${VAST_INSTANCE_TYPE}::burst-${pool}-host-${i + 1}`);
  return [component, ...hosts];
}

export class PulumiAutoscaleStack implements AutoscaleStack {
  private stack: Stack | undefined;

  constructor(
    private readonly stackName: string,
    private readonly projectDir: string,
    private readonly fleet: () => Fleet,
    private readonly log: (line: string) => void,
  ) {}

  private async selected(): Promise<Stack> {
    this.stack ??= await LocalWorkspace.selectStack({ stackName: this.stackName, workDir: this.projectDir });
    return this.stack;
  }

  /** The fleet file the stack deploys (`fabric:fleet`), relative to the project directory. */
  async fleetPath(): Promise<string> {
    const stack = await this.selected();
    const path = (await stack.getAllConfig())["fabric:fleet"]?.value;
    if (!path) throw new Error(`stack ${this.stackName} has no fabric:fleet config`);
    return path;
  }

  async counts(): Promise<Record<string, number>> {
    const stack = await this.selected();
    const all = await stack.getAllConfig();
    return effectiveDesired(this.fleet(), all[`fabric:${DESIRED_OVERRIDE_KEY}`]?.value);
  }

  async apply(pool: string, desired: number): Promise<string> {
    const stack = await this.selected();
    const before = await this.counts();
    const next = { ...overrideOf(await stack.getAllConfig()), [pool]: desired };
    await stack.setConfig(`fabric:${DESIRED_OVERRIDE_KEY}`, { value: JSON.stringify(next), secret: false });
    const project = (await stack.workspace.projectSettings()).name;
    const slots = Math.max(desired, before[pool] ?? 0);
    try {
      const result = await stack.up({
        target: poolTargets(this.stackName, project, pool, slots),
        onOutput: (out) => { for (const line of out.split("\n")) if (line.trim()) this.log(`  pulumi: ${line.trimEnd()}`); },
      });
      return JSON.stringify(result.summary.resourceChanges ?? {});
    } catch (e) {
      // The stack keeps the count it has: put the override back so the next poll starts from it.
      await stack.setConfig(`fabric:${DESIRED_OVERRIDE_KEY}`, { value: JSON.stringify({ ...next, [pool]: before[pool] ?? 0 }), secret: false }).catch(() => undefined);
      throw e;
    }
  }

  /** The stack's config, secrets decrypted (the Automation API asks with --show-secrets). */
  async config(): Promise<Record<string, { value: string }>> {
    return (await this.selected()).getAllConfig();
  }

  async vast(): Promise<{ apiKey: string | null; baseUrl: string }> {
    const stack = await this.selected();
    const all = await stack.getAllConfig();
    const key = this.fleet().burst?.apiKey;
    const apiKey = typeof key === "object" ? all[`fabric:${key.secret}`]?.value ?? null : null;
    return { apiKey: apiKey ?? process.env.VAST_API_KEY ?? null, baseUrl: all["fabric:vastApiUrl"]?.value ?? VAST_API_URL };
  }

  async projectName(): Promise<string> {
    return (await (await this.selected()).workspace.projectSettings()).name;
  }

  async backendUrl(): Promise<string> {
    const stack = await this.selected();
    const who = await stack.workspace.whoAmI();
    return who.url ?? process.env.PULUMI_BACKEND_URL ?? "";
  }
}

function overrideOf(all: Record<string, { value: string }>): Record<string, number> {
  const raw = all[`fabric:${DESIRED_OVERRIDE_KEY}`]?.value;
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return typeof parsed === "object" && parsed !== null ? parsed as Record<string, number> : {};
  } catch {
    return {};
  }
}
