// Where `fabric bench --route/--deployment` sends its requests: the stack's fleet file and plan give
// the gateway or engine address; the stack config (through the Automation API, with the passphrase
// `pulumi up` uses) gives the gateway's master key, held in memory only.
import { resolve } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseFleet } from "../../core/fleet/load";
import type { Fleet } from "../../core/fleet/schema";
import { plan } from "../../core/plan/plan";
import type { EnginePlan, Plan } from "../../core/plan/types";
import type { LoadTarget } from "./load";

/** A resolved target: where to send, what to call it in the report, and the engines behind it. */
export interface StackTarget {
  readonly target: LoadTarget;
  readonly describe: string;
  /** /metrics URLs of the engines that serve it. */
  readonly engineMetrics: readonly string[];
}

export interface StackFleet {
  /** The Pulumi project name (Pulumi.yaml). */
  readonly projectName: string;
  readonly fleetPath: string;
  readonly fleet: Fleet;
  readonly plan: Plan;
  /** Stack config by key without the `fabric:` prefix, secrets decrypted (never print). */
  readonly config: Readonly<Record<string, string>>;
}

/** The stack's fleet (from `fabric:fleet`), its plan and its config. Throws with the reason. */
export async function loadStackFleet(stackName: string, projectDir: string, readFile: (path: string) => string): Promise<StackFleet> {
  const stack = await LocalWorkspace.selectStack({ stackName, workDir: projectDir });
  const all = await stack.getAllConfig();
  const config = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith("fabric:")).map(([k, v]) => [k.slice("fabric:".length), v.value]));
  const fleetPath = config.fleet;
  if (!fleetPath) throw new Error(`stack ${stackName} has no fabric:fleet config`);
  const parsed = parseFleet(readFile(resolve(projectDir, fleetPath)));
  if (!parsed.ok) throw new Error(`${fleetPath}: ${parsed.violations.map((v) => `${v.path}: ${v.message}`).join("; ")}`);
  const projectName = (await stack.workspace.projectSettings()).name;
  return { projectName, fleetPath, fleet: parsed.fleet, plan: plan(parsed.fleet), config };
}

export function engineMetricsUrl(e: EnginePlan): string | null {
  return e.metricsPath === null ? null : `http://${e.address}:${e.port}${e.metricsPath}`;
}

/** A route through the stack's gateway, with the master key from the stack config. */
export function routeTarget(stack: StackFleet, route: string): StackTarget {
  const gateway = stack.plan.gateway;
  const masterKey = stack.fleet.gateway?.masterKey;
  if (!gateway || typeof masterKey !== "object") throw new Error(`${stack.fleetPath} has no gateway with a masterKey {secret: …}`);
  const planned = gateway.routes.find((r) => r.name === route);
  if (!planned) throw new Error(`${stack.fleetPath} has no route '${route}'; routes: ${gateway.routes.map((r) => r.name).join(", ") || "none"}`);
  const apiKey = stack.config[masterKey.secret];
  if (!apiKey) throw new Error(`the stack config has no fabric:${masterKey.secret} (the gateway's master key)`);
  const deployments = new Set(planned.targets.flatMap((t) => t.deployments));
  const engineMetrics = stack.plan.engines.filter((e) => deployments.has(e.deployment)).flatMap((e) => engineMetricsUrl(e) ?? []);
  return { target: { baseUrl: `${gateway.url}/v1`, apiKey, model: route }, describe: `route ${route} via ${gateway.url}`, engineMetrics };
}

/** One engine directly (a deployment instance, e.g. `tiny-1`); engines take no key. */
export function deploymentTarget(planned: Plan, deployment: string, fleetPath: string): StackTarget {
  const e = planned.engines.find((x) => x.deployment === deployment);
  if (!e) throw new Error(`${fleetPath} plans no engine '${deployment}'; engines: ${planned.engines.map((x) => x.deployment).join(", ") || "none"}`);
  const url = `http://${e.address}:${e.port}`;
  return { target: { baseUrl: `${url}/v1`, apiKey: "", model: e.servedName }, describe: `deployment ${deployment} at ${url}`, engineMetrics: [engineMetricsUrl(e) ?? []].flat() };
}
