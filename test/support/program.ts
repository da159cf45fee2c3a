import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { requiredSecretKeys } from "../../components/secrets";
import { parseFleet } from "../../core/fleet/load";
import { plan } from "../../core/plan/plan";
import type { Plan } from "../../core/plan/types";
import { settle } from "./pulumi-mocks";

export const projectRoot = resolve(__dirname, "../..");

/** What the program exports. */
export interface ProgramOutputs {
  readonly gatewayUrl: string | undefined;
  readonly endpoints: Readonly<Record<string, string>>;
  readonly prometheusUrl: string | undefined;
  readonly storeEndpoint: string | undefined;
  readonly planSummary: { engines: { deployment: string; machine: string; engine: string; recipeHash: string; fits: boolean | null }[]; waves: string[][] };
}

/** The plan of a fleet file (path relative to the project root or absolute); throws if it does not parse. */
export function planOf(fleetPath: string): Plan {
  const parsed = parseFleet(readFileSync(resolve(projectRoot, fleetPath), "utf8"));
  if (!parsed.ok) throw new Error(`${fleetPath} does not parse: ${parsed.violations.map((v) => v.message).join("; ")}`);
  return plan(parsed.fleet);
}

/** A recognisable fake value per secret key (LiteLLM wants master keys starting with `sk-`). */
export function fakeSecrets(keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, `sk-fake-${k}-5e3c1`]));
}

/** The fake secrets a fleet's plan needs. */
export function fakeSecretsFor(fleetPath: string): Record<string, string> {
  return fakeSecrets(requiredSecretKeys(planOf(fleetPath)));
}

/**
 * Runs the Pulumi program (index.ts's exported function, as `pulumi up` would call it) with stack
 * config `fabric:fleet` and the secrets set as secret config, then waits for every registration.
 * Call {@link installMocks} first.
 */
export async function runProgram(fleetPath: string, secrets: Readonly<Record<string, string>>, plainConfig: Readonly<Record<string, string>> = {}): Promise<ProgramOutputs> {
  const config: Record<string, string> = { "fabric:fleet": fleetPath, ...plainConfig };
  for (const [k, v] of Object.entries(secrets)) config[`fabric:${k}`] = v;
  pulumi.runtime.setAllConfig(config, Object.keys(secrets).map((k) => `fabric:${k}`));
  const deployFleet = (await import("../../index")).default as unknown as () => ProgramOutputs;
  const outputs = deployFleet();
  await settle();
  return outputs;
}
