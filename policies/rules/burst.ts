// Burst: rented hosts cannot outspend the budget, and they join the mesh with short-lived, self-removing keys.
import type { StackValidationPolicy } from "@pulumi/policy";
import { burstBudget as burstCheck } from "../../core/checks/burst";
import { known, type StackResource } from "../container-props";
import { fleetContext, type FleetConfig, fleetFileProperty, runCheck } from "../fleet-context";

/** Type token of a tailnet auth key. */
export const TAILNET_KEY = "tailscale:index/tailnetKey:TailnetKey";

export interface BurstBudgetConfig extends FleetConfig {
  /** Tags that mark a key as a burst host's. @default ["tag:burst"] */
  readonly burstTags?: readonly string[];
  /** Longest a burst key may live, seconds (the fleet's mesh.burstKeyExpirySeconds defaults to 3600). @default 86400 */
  readonly maxKeyExpirySeconds?: number;
}

export const DEFAULT_MAX_BURST_KEY_EXPIRY_SECONDS = 86_400;
/** What Tailscale gives a key with no expiry set. */
const TAILSCALE_DEFAULT_EXPIRY_SECONDS = 7_776_000;

/** What is wrong with one burst auth key. */
function keyFindings(key: StackResource, maxExpiry: number): string[] {
  const read = (field: string) => known(() => key.props[field] as unknown);
  const out: string[] = [];
  const who = `burst auth key ${key.name}`;
  if (read("ephemeral") !== true) out.push(`${who} is not ephemeral, so a burst host that is destroyed stays in the tailnet: set ephemeral: true`);
  if (read("preauthorized") !== true) out.push(`${who} is not preauthorized, so burst hosts wait for an admin to approve them: set preauthorized: true`);
  const expiry = read("expiry");
  const seconds = typeof expiry === "number" ? expiry : TAILSCALE_DEFAULT_EXPIRY_SECONDS;
  if (seconds > maxExpiry) {
    const what = typeof expiry === "number" ? `expires after ${seconds}s` : `sets no expiry (Tailscale's default is ${TAILSCALE_DEFAULT_EXPIRY_SECONDS}s)`;
    out.push(`${who} ${what}, longer than ${maxExpiry}s: a leaked key would let hosts join for that long; lower mesh.burstKeyExpirySeconds`);
  }
  return out;
}

export const burstBudget: StackValidationPolicy = {
  name: burstCheck.name,
  description: `${burstCheck.description} The budget needs the fleet (policy config fleetFile; without it that part is skipped). Always: every tailnet key tagged for burst hosts is ephemeral, preauthorized and expires within maxKeyExpirySeconds.`,
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      fleetFile: fleetFileProperty,
      burstTags: { type: "array", items: { type: "string" }, default: ["tag:burst"], description: "Tags that mark a key as a burst host's." },
      maxKeyExpirySeconds: { type: "number", minimum: 1, default: DEFAULT_MAX_BURST_KEY_EXPIRY_SECONDS, description: "Longest a burst key may live, seconds." },
    },
  },
  validateStack: (args, report) => {
    const config = args.getConfig<BurstBudgetConfig>();
    const ctx = fleetContext(config);
    if (ctx.status === "invalid") report(ctx.message);
    if (ctx.status === "loaded") runCheck(ctx, burstCheck).forEach((f) => report(f.message));
    const tags = config.burstTags ?? ["tag:burst"];
    const maxExpiry = config.maxKeyExpirySeconds ?? DEFAULT_MAX_BURST_KEY_EXPIRY_SECONDS;
    for (const key of args.resources.filter((r) => r.type === TAILNET_KEY)) {
      const keyTags = known(() => key.props.tags as unknown);
      if (!Array.isArray(keyTags) || !keyTags.some((t) => tags.includes(String(t)))) continue;
      keyFindings(key, maxExpiry).forEach((m) => report(m, key.urn));
    }
  },
};
