// Runs the pack's policies the way the analyzer does, without the engine: the pattern of
// pulumi-policy's internal tests/util.ts (runResourcePolicy / runStackPolicy), with props behind
// pulumi-policy's own unknown-checking proxy and secrets already unwrapped, as its server hands
// them over. Also turns a Plan into the resources `pulumi preview` would show the pack, through the
// components' own mapping (containerArgs), so the policies see what the program creates.
import type { EnforcementLevel, Policies, Policy, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { containerArgs, oneShotContainerArgs } from "../../components/docker/container-args";
import { machineNeeds } from "../../components/machine-needs";
import { placedContainers } from "../../components/plan-containers";
import { requiredSecretKeys, STORE_READ_ONLY_KEYS } from "../../components/secrets";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { serviceImage } from "../../core/catalog/services";
import { parseFleet } from "../../core/fleet/load";
import type { Fleet } from "../../core/fleet/schema";
import { plan as planFleet } from "../../core/plan/plan";
import type { Plan } from "../../core/plan/types";
import { recordSecretPaths } from "../../policies/secret-paths";
import { fakeSecrets } from "./program";
import { mockImageId } from "./pulumi-mocks";
import { repoRoot } from "./stacks";

/** pulumi-policy's proxy (internal, so not in its typings): throws UnknownValueError on a value unknown during preview. */
const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T extends object>(o: T): T; unknownStringValue: string };

/** What a string prop holds during preview when its value is not known yet (an image id before the pull). */
export const UNKNOWN_STRING: string = proxy.unknownStringValue;

/** A resource as the analyzer sees it: type token, name and (secret-unwrapped) props. */
export interface TestResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  /**
   * Props paths that came from secret Outputs, as the engine marks them (the Docker provider marks
   * the enclosing list: `envs`, `healthcheck.tests`); undefined: not recorded, as outside the pack's server.
   */
  readonly secretPaths?: readonly string[];
  /** The Docker provider it is created with (stack policies read its `host`). */
  readonly provider?: { readonly name: string; readonly host: string };
}

/** The props a policy gets: behind pulumi-policy's proxy, with the resource's secret paths recorded as the pack's server does. */
function policyProps(r: TestResource): Record<string, unknown> {
  const props = structuredClone(r.props);
  if (r.secretPaths !== undefined) recordSecretPaths(props, r.secretPaths);
  return proxy.unknownCheckingProxy(props);
}

export interface PolicyViolation {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly message: string;
  readonly urn?: string;
}

/** Policy config per policy name, as a `--policy-pack-config` file holds it. */
export type PackConfig = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export function urnOf(r: Pick<TestResource, "type" | "name">): string {
  return `urn:pulumi:test::inference-fabric::${r.type}::${r.name}`;
}

const emptyOptions = {
  protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

class NotApplicable extends Error {}

function isTypeOf(type: string, cls: unknown): boolean {
  return (cls as { __pulumiType?: string }).__pulumiType === type;
}

/** ResourceValidationArgs for one resource, with the policy's config. */
export function resourceArgs(r: TestResource, config: Readonly<Record<string, unknown>> = {}): ResourceValidationArgs {
  const props = policyProps(r);
  return {
    type: r.type, props, urn: urnOf(r), name: r.name, opts: emptyOptions, stackTags: new Map(),
    isType: (cls) => isTypeOf(r.type, cls),
    asType: (cls) => (isTypeOf(r.type, cls) ? props : undefined) as never,
    getConfig: <T extends object>() => ({ ...config }) as T,
    notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
  };
}

/** StackValidationArgs for a stack of resources, with the policy's config. */
export function stackArgs(resources: readonly TestResource[], config: Readonly<Record<string, unknown>> = {}): StackValidationArgs {
  return {
    resources: resources.map((r): PolicyResource => {
      const props = policyProps(r);
      return {
        type: r.type, props, urn: urnOf(r), name: r.name, opts: emptyOptions, dependencies: [], propertyDependencies: {},
        ...(r.provider ? { provider: { type: "pulumi:providers:docker", name: r.provider.name, urn: urnOf({ type: "pulumi:providers:docker", name: r.provider.name }), props: { host: r.provider.host } } } : {}),
        isType: (cls) => isTypeOf(r.type, cls),
        asType: (cls) => (isTypeOf(r.type, cls) ? props : undefined) as never,
      };
    }),
    stackTags: new Map(),
    getConfig: <T extends object>() => ({ ...config }) as T,
    notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
  };
}

function levelOf(p: Policy, config: PackConfig): EnforcementLevel {
  return (config[p.name]?.enforcementLevel as EnforcementLevel | undefined) ?? p.enforcementLevel ?? "advisory";
}

/** Calls a validation as the analyzer server does: an unknown value becomes an advisory "can't run during preview". */
async function guarded(p: Policy, out: PolicyViolation[], run: () => Promise<void> | void): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (e instanceof NotApplicable) return;
    if (e instanceof Error && e.constructor.name === "UnknownValueError") {
      out.push({ policy: p.name, enforcementLevel: "advisory", message: `can't run policy '${p.name}' during preview: ${e.message}` });
      return;
    }
    throw e;
  }
}

export async function runResourcePolicy(p: ResourceValidationPolicy, r: TestResource, config: PackConfig = {}): Promise<PolicyViolation[]> {
  const out: PolicyViolation[] = [];
  const level = levelOf(p, config);
  if (level === "disabled") return out;
  const report = (message: string, urn?: string) => out.push({ policy: p.name, enforcementLevel: level, message, urn: urn ?? urnOf(r) });
  const validations = Array.isArray(p.validateResource) ? p.validateResource : p.validateResource ? [p.validateResource] : [];
  for (const validate of validations) await guarded(p, out, () => validate(resourceArgs(r, config[p.name]), report));
  return out;
}

export async function runStackPolicy(p: StackValidationPolicy, resources: readonly TestResource[], config: PackConfig = {}): Promise<PolicyViolation[]> {
  const out: PolicyViolation[] = [];
  const level = levelOf(p, config);
  if (level === "disabled") return out;
  const report = (message: string, urn?: string) => out.push({ policy: p.name, enforcementLevel: level, message, ...(urn ? { urn } : {}) });
  await guarded(p, out, () => p.validateStack(stackArgs(resources, config[p.name]), report));
  return out;
}

/** Every policy over a stack: resource policies on each resource, then stack policies, as a preview does. */
export async function runPolicies(policies: Policies, resources: readonly TestResource[], config: PackConfig = {}): Promise<PolicyViolation[]> {
  const out: PolicyViolation[] = [];
  for (const p of policies) {
    if ("validateStack" in p) out.push(...await runStackPolicy(p, resources, config));
    else for (const r of resources) out.push(...await runResourcePolicy(p, r, config));
  }
  return out;
}

/** Every pulumi Output inside a value resolved, secrets unwrapped (what the analyzer's props hold). */
export async function resolveInputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return resolveInputs(await new Promise<unknown>((resolve) => value.apply((v) => { resolve(v); return v; })));
  }
  if (value instanceof Promise) return resolveInputs(await value);
  if (Array.isArray(value)) return Promise.all(value.map(resolveInputs));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveInputs(v)] as const)));
  }
  return value;
}

/**
 * Resolved props and the paths the engine would mark secret: a secret Output marks the path down to
 * its first enclosing list (what the Docker provider's Check hands the engine), else its own path.
 */
export async function resolveWithSecretPaths(args: Record<string, unknown>): Promise<{ props: Record<string, unknown>; secretPaths: string[] }> {
  const paths = new Set<string>();
  const walk = async (value: unknown, path: readonly string[], listPath: readonly string[] | undefined): Promise<unknown> => {
    if (pulumi.Output.isInstance(value)) {
      if (await (value as unknown as { isSecret: Promise<boolean> }).isSecret) paths.add((listPath ?? path).join("."));
      return walk(await new Promise<unknown>((resolve) => value.apply((v) => { resolve(v); return v; })), path, listPath);
    }
    if (value instanceof Promise) return walk(await value, path, listPath);
    if (Array.isArray(value)) return Promise.all(value.map((v, i) => walk(v, [...path, String(i)], listPath ?? path)));
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await walk(v, [...path, k], listPath)] as const)));
    }
    return value;
  };
  const props = await walk(args, [], undefined) as Record<string, unknown>;
  return { props, secretPaths: [...paths].sort() };
}

/**
 * The resources a plan becomes, as the pack sees them: per machine the pulled images; every planned
 * container through the components' `containerArgs` (engines, model syncs, gateway, Prometheus with
 * its config upload, store, exporters), with fake secrets in secret env; the tailnet policy and keys.
 */
export async function planResources(plan: Plan, mcImage: string): Promise<TestResource[]> {
  const secrets = Object.fromEntries(Object.entries(fakeSecrets(requiredSecretKeys(plan))).map(([k, v]) => [k, pulumi.secret(v)]));
  const storeKey = { STORE_ACCESS_KEY: pulumi.secret(`sk-fake-${STORE_READ_ONLY_KEYS.accessKey}-5e3c1`), STORE_SECRET_KEY: pulumi.secret(`sk-fake-${STORE_READ_ONLY_KEYS.secretKey}-5e3c1`) };
  const out: TestResource[] = [];
  for (const [machine, needs] of machineNeeds(plan, mcImage)) {
    const platform = plan.machines.find((m) => m.name === machine)?.platform;
    for (const image of needs.images) {
      out.push({ type: "docker:index/remoteImage:RemoteImage", name: `${machine}-image-${image}`, props: { name: image, platform, keepLocally: true } });
    }
  }
  for (const { spec } of placedContainers(plan)) {
    const oneShot = spec.labels["fabric.role"] === "model-sync";
    const wiring = { image: mockImageId(spec.image), secrets, volumeName: (v: string) => v, ...(oneShot ? { extraSecretEnv: storeKey } : {}) };
    const args = oneShot ? oneShotContainerArgs(spec, wiring) : containerArgs(spec, wiring);
    const { props, secretPaths } = await resolveWithSecretPaths(args as unknown as Record<string, unknown>);
    out.push({ type: "docker:index/container:Container", name: spec.name, props, secretPaths });
  }
  if (plan.mesh) {
    out.push({ type: "tailscale:index/acl:Acl", name: "tailnet-policy", props: { acl: plan.mesh.policyHujson, overwriteExistingContent: true } });
    for (const key of plan.mesh.keys) {
      out.push({
        type: "tailscale:index/tailnetKey:TailnetKey", name: `key-${key.role}`,
        props: { reusable: key.reusable, ephemeral: key.ephemeral, preauthorized: key.preauthorized, expiry: key.expirySeconds, tags: [...key.tags], description: `fabric ${key.role}` },
      });
    }
  }
  return out;
}

/** A copy of a resource with `change` applied to its props (AwsGuard's "change one field"). */
export function withProps(r: TestResource, change: (props: Record<string, any>) => void): TestResource {
  const props = structuredClone(r.props) as Record<string, any>;
  change(props);
  return { ...r, props };
}

/** A stack's fleet, its plan and the resources the pack sees, optionally changed first; `file` is written for fleetFile. */
export interface FleetUnderTest {
  readonly file: string;
  readonly fleet: Fleet;
  readonly plan: Plan;
  readonly resources: TestResource[];
}

let variantDir: string | undefined;

/**
 * stacks/<stack>.fleet.yaml with `change` applied to its YAML data, written to a temp file so a
 * policy's fleetFile can name it. Without a change, `file` is the stack's own (relative) path.
 */
export async function fleetUnderTest(stack: string, change?: (data: any) => void): Promise<FleetUnderTest> {
  const relative = `stacks/${stack}.fleet.yaml`;
  let file = relative;
  let text = readFileSync(join(repoRoot, relative), "utf8");
  if (change) {
    const data = YAML.parse(text);
    change(data);
    text = YAML.stringify(data);
    variantDir ??= mkdtempSync(join(tmpdir(), "fabric-policies-"));
    file = join(variantDir, `${stack}-${Math.random().toString(36).slice(2, 8)}.fleet.yaml`);
    writeFileSync(file, text);
  }
  const parsed = parseFleet(text);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.violations.map((v) => `${v.path}: ${v.message}`).join("; ")}`);
  const plan = planFleet(parsed.fleet);
  return { file, fleet: parsed.fleet, plan, resources: await planResources(plan, serviceImage("mc", parsed.fleet.images)) };
}

/**
 * The same config (e.g. `{fleetFile}`) for every policy whose configSchema declares its keys, as a
 * `--policy-pack-config` file must give it: the engine checks each policy's config against its schema.
 */
export function configForAll(policies: Policies, config: Readonly<Record<string, unknown>>): PackConfig {
  const declares = (p: Policy) => Object.keys(config).every((key) => p.configSchema?.properties[key] !== undefined);
  return Object.fromEntries(policies.filter(declares).map((p) => [p.name, config]));
}
