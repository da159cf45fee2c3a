import * as pulumi from "@pulumi/pulumi";
import * as tailscale from "@pulumi/tailscale";
import type { MeshKeyPlan, MeshPlan } from "../core/plan/types";
import { MeshJoin, type MeshJoinTarget } from "./mesh-join";
import { type SecretValues, secretValue } from "./secrets";

export interface MeshArgs {
  /** The mesh as planned: tailnet, rendered policy, and one auth key per static machine (plus `burst`). */
  readonly plan: MeshPlan;
  /** Secret values by stack config key; must hold `plan.apiKeySecret` when the plan names one. */
  readonly secrets: SecretValues;
  /**
   * Tailscale API base URL, e.g. a loopback fake in tests.
   * @default the provider's own (`TAILSCALE_BASE_URL`, else https://api.tailscale.com)
   */
  readonly baseUrl?: string;
  /**
   * Static machines to join to the tailnet over SSH (`tailscale up` with the machine's key). Each
   * `machine` must be a key role of the plan; `burst` cannot be joined this way (burst hosts get
   * their key at creation).
   * @default [] (join machines yourself, e.g. with the `keys` output)
   */
  readonly join?: readonly MeshJoinTarget[];
}

/**
 * The tailnet as the plan describes it: a Tailscale provider for the tailnet, the policy file, one
 * auth key per key role (each static machine, and `burst`), MagicDNS on, and optionally the static
 * machines joined over SSH.
 *
 * The `Acl` replaces the WHOLE tailnet policy file (`overwriteExistingContent`): exactly one stack
 * per tailnet may own it, or stacks overwrite each other's policy on every `pulumi up`. Destroying
 * the stack leaves the last policy in place (`resetAclOnDestroy` is off): Tailscale's default policy
 * allows everything, which is the wrong thing to fall back to.
 *
 * Keys depend on the `Acl`: a key can carry a tag only once the policy names an owner for it.
 * Keys are recreated when Tailscale reports them invalid (`recreateIfInvalid: "always"`); that shows
 * up on a refresh, so run `pulumi up --refresh` to replace expired keys.
 */
export class Mesh extends pulumi.ComponentResource {
  /** Provider for the tailnet; every child uses it. */
  readonly provider: tailscale.Provider;
  /** The tailnet policy file. */
  readonly acl: tailscale.Acl;
  /** Auth key resources by key role (machine name, or `burst`). */
  readonly keyResources: ReadonlyMap<string, tailscale.TailnetKey>;
  /** Auth keys by key role, as secret Outputs. */
  readonly keys: Readonly<Record<string, pulumi.Output<string>>>;
  /** MagicDNS setting. */
  readonly dns: tailscale.DnsPreferences;
  /** SSH joins, by machine name (only those asked for in {@link MeshArgs.join}). */
  readonly joins: ReadonlyMap<string, MeshJoin>;

  constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:mesh:Mesh", name, {}, opts);
    const { plan } = args;
    const roles = plan.keys.map((k) => k.role);
    const duplicate = roles.find((r, i) => roles.indexOf(r) !== i);
    if (duplicate !== undefined) throw new pulumi.ResourceError(`mesh: key role '${duplicate}' is planned twice; roles: ${roles.join(", ")}`, this);
    const joinTargets = args.join ?? [];
    for (const target of joinTargets) {
      const key = plan.keys.find((k) => k.role === target.machine);
      if (!key) throw new pulumi.ResourceError(`mesh: cannot join '${target.machine}' over SSH: the plan has no key for it; key roles: ${roles.join(", ")}`, this);
      if (key.ephemeral) throw new pulumi.ResourceError(`mesh: '${target.machine}' has an ephemeral key; only static machines are joined over SSH`, this);
    }

    const apiKey = plan.apiKeySecret === null ? undefined : pulumi.secret(secretValue(args.secrets, plan.apiKeySecret, "the Tailscale provider"));
    this.provider = new tailscale.Provider(`${name}-tailscale`, {
      tailnet: plan.tailnet,
      ...(apiKey ? { apiKey } : {}),
      ...(args.baseUrl !== undefined ? { baseUrl: args.baseUrl } : {}),
    }, { parent: this });
    const onTailnet = { parent: this, provider: this.provider };

    this.acl = new tailscale.Acl(`${name}-policy`, {
      acl: plan.policyHujson,
      overwriteExistingContent: true,
      resetAclOnDestroy: false,
    }, onTailnet);

    const keyResources = new Map<string, tailscale.TailnetKey>();
    for (const key of plan.keys) {
      keyResources.set(key.role, new tailscale.TailnetKey(`${name}-key-${key.role}`, tailnetKeyArgs(key), { ...onTailnet, dependsOn: [this.acl] }));
    }
    this.keyResources = keyResources;
    this.keys = Object.fromEntries([...keyResources].map(([role, k]) => [role, pulumi.secret(k.key)]));

    this.dns = new tailscale.DnsPreferences(`${name}-dns`, { magicDns: true }, onTailnet);

    this.joins = new Map(joinTargets.map((target) => {
      const key = keyResources.get(target.machine) as tailscale.TailnetKey;
      const planned = plan.keys.find((k) => k.role === target.machine) as MeshKeyPlan;
      return [target.machine, new MeshJoin(`${name}-join-${target.machine}`, {
        ...target,
        tags: planned.tags,
        authKey: pulumi.secret(key.key),
        keyId: key.id,
      }, { parent: this })];
    }));

    this.registerOutputs({ tailnet: plan.tailnet, keys: this.keys, joined: [...this.joins.keys()] });
  }
}

/** The provider's arguments for one planned key (exported so the fake-API test sends the same key). */
export function tailnetKeyArgs(key: MeshKeyPlan): tailscale.TailnetKeyArgs {
  return {
    description: `fabric ${key.role}`.slice(0, 50),
    tags: [...key.tags],
    reusable: key.reusable,
    ephemeral: key.ephemeral,
    preauthorized: key.preauthorized,
    expiry: key.expirySeconds,
    recreateIfInvalid: "always",
  };
}
