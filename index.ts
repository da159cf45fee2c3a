import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { formatViolation, loadFleetFile, withLines } from "./cli/load-fleet";
import { BurstPool } from "./components/burst/pool";
import type { VastTiming } from "./components/burst/vast-provider";
import { DESIRED_OVERRIDE_KEY, effectiveDesired } from "./core/burst/desired-override";
import { InferenceFabric } from "./components/fabric";
import { requiredSecretKeys, type SecretValues } from "./components/secrets";
import { serviceImage } from "./core/catalog/services";
import { plan } from "./core/plan/plan";
import type { Plan } from "./core/plan/types";

/** The part of `pulumi.Config` the program reads; tests pass their own. */
interface StackConfig {
  require(key: string): string;
  requireSecret(key: string): pulumi.Output<string>;
  get?(key: string): string | undefined;
  getSecret?(key: string): pulumi.Output<string> | undefined;
  getObject?<T>(key: string): T | undefined;
}

/** The stack outputs. */
interface FabricOutputs {
  /** LiteLLM gateway base URL. */
  readonly gatewayUrl: string | undefined;
  /** Per deployment, its engine's OpenAI-compatible base URL (`http://address:port/v1`). */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly prometheusUrl: string | undefined;
  readonly storeEndpoint: string | undefined;
  /** Per burst pool, the tailnet endpoints of its rented hosts. */
  readonly burstEndpoints: Readonly<Record<string, pulumi.Output<string[]>>>;
  /** Per engine its machine, engine kind, recipe hash and whether it fits; and the rollout waves. */
  readonly planSummary: PlanSummary;
}

interface PlanSummary {
  readonly engines: readonly { deployment: string; machine: string; engine: string; recipeHash: string; fits: boolean | null }[];
  readonly waves: readonly (readonly string[])[];
}

/**
 * The program: stack config → fleet file → plan → {@link InferenceFabric} → outputs. The only reader
 * of stack config: `fabric:fleet` (path of the fleet file, relative to the project root) and, as
 * secrets, every config key the plan names. A fleet with error-severity violations fails the
 * program with the same lines as `fabric check`.
 *
 * Pulumi calls the exported function with no arguments; tests call it with their own config.
 */
function deployFleet(config: StackConfig = new pulumi.Config("fabric"), projectRoot: string = __dirname): FabricOutputs {
  const file = config.require("fleet");
  const loaded = loadFleetFile(file, { readFile: (path) => readFileSync(resolve(projectRoot, path), "utf8") });
  if (!loaded.ok) throw violationError(file, loaded.violations);
  const computed = plan(loaded.fleet);
  const violations = withLines(computed.violations, loaded.lineOf);
  if (violations.some((v) => v.severity === "error")) throw violationError(file, violations);
  for (const v of violations) pulumi.log.warn(formatViolation(file, v));

  const secrets: SecretValues = Object.fromEntries(requiredSecretKeys(computed).map((key) => [key, config.requireSecret(key)]));
  const fabric = new InferenceFabric("fabric", {
    plan: computed,
    secrets,
    mcImage: serviceImage("mc", loaded.fleet.images),
  });
  // `fabric autoscale` sets host counts in stack config, never in the fleet file.
  let desired: Record<string, number>;
  try {
    desired = effectiveDesired(loaded.fleet, config.get?.(DESIRED_OVERRIDE_KEY));
  } catch (e) {
    throw new pulumi.RunError((e as Error).message);
  }
  // The Vast API root and the provider's poll/timeout settings (VastTiming), e.g. for a local fake.
  const vastApiUrl = config.get?.("vastApiUrl");
  const vastTiming = config.getObject?.<Partial<VastTiming>>("vastTiming");
  const burstPools = (loaded.fleet.burst?.pools ?? []).filter((pool) => (desired[pool.name] ?? 0) > 0).map((pool): [string, BurstPool] => {
    const apiKey = computed.burst?.apiKeySecret ? secrets[computed.burst.apiKeySecret] : undefined;
    // A fleet without a mesh section (its tailnet managed elsewhere) may give the hosts' ephemeral
    // auth key as the secret stack config fabric:burstMeshAuthKey.
    const meshAuthKey = fabric.mesh?.keys.burst ?? config.getSecret?.("burstMeshAuthKey");
    if (!apiKey || !meshAuthKey) {
      throw new pulumi.RunError(`burst.pools: pool '${pool.name}' wants ${desired[pool.name]} host(s) but ${!apiKey ? "burst.apiKey is not a {secret: …} reference" : "the fleet has no mesh section (nor the stack a secret fabric:burstMeshAuthKey), so rented hosts could not join the tailnet"}; fix the fleet or set desired: 0`);
    }
    const hfToken = typeof loaded.fleet.huggingFaceToken === "object" ? secrets[loaded.fleet.huggingFaceToken.secret] : undefined;
    return [pool.name, new BurstPool(`burst-${pool.name}`, {
      fleet: loaded.fleet, pool: pool.name, desired: desired[pool.name], apiKey, meshAuthKey, ...(vastApiUrl ? { baseUrl: vastApiUrl } : {}), ...(vastTiming ? { timing: vastTiming } : {}),
      ...(hfToken ? { secretEnv: { HF_TOKEN: hfToken } } : {}) })];
  });
  return {
    burstEndpoints: Object.fromEntries(burstPools.map(([name, pool]) => [name, pool.endpoints])),
    gatewayUrl: fabric.gateway?.url,
    endpoints: Object.fromEntries([...[...fabric.engines].map(([deployment, engine]) => [deployment, engine.url]), ...[...fabric.clusters.values()].flatMap((c) => Object.entries(c.urls))]),
    prometheusUrl: fabric.monitoring?.url,
    storeEndpoint: fabric.store?.endpoint,
    planSummary: planSummary(computed),
  };
}

function violationError(file: string, violations: readonly Parameters<typeof formatViolation>[1][]): pulumi.RunError {
  const errors = violations.filter((v) => v.severity === "error");
  const lines = violations.map((v) => formatViolation(file, v));
  return new pulumi.RunError(`${lines.join("\n")}\n${file}: ${errors.length} violation${errors.length === 1 ? "" : "s"}; fix them and run \`fabric check ${file}\``);
}

function planSummary(p: Plan): PlanSummary {
  return {
    engines: p.engines.map((e) => ({ deployment: e.deployment, machine: e.machine, engine: e.engine, recipeHash: e.recipeHash, fits: e.memory?.fits ?? null })),
    waves: p.waves,
  };
}

export = deployFleet;
