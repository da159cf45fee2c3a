// Mesh: the tailnet policy grants named sources access to named ports, never everything to everyone.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { known } from "../container-props";

/** Type token of the tailnet policy file resource. */
export const TAILSCALE_ACL = "tailscale:index/acl:Acl";

export interface TailscaleAclConfig {
  /** Allow `src: ["*"]` (every device, shared nodes included) when the destination ports are named. @default false */
  readonly allowWildcardSource?: boolean;
}

/** HuJSON (JSON with comments and trailing commas, as Tailscale policy files are) parsed as JSON. */
export function parseHujson(text: string): unknown {
  return JSON.parse(scan(scan(text, dropComment), dropTrailingComma));
}

/** Copies `text`, letting `at` replace what starts at i outside strings: [replacement, next index], or undefined to copy one character. */
function scan(text: string, at: (text: string, i: number) => [string, number] | undefined): string {
  let out = "";
  for (let i = 0; i < text.length;) {
    if (text[i] === "\"") {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const replaced = at(text, i);
    if (replaced) {
      out += replaced[0];
      i = replaced[1];
    } else out += text[i++];
  }
  return out;
}

function dropComment(text: string, i: number): [string, number] | undefined {
  if (text.startsWith("//", i)) {
    const end = text.indexOf("\n", i);
    return ["", end < 0 ? text.length : end];
  }
  if (text.startsWith("/*", i)) {
    const end = text.indexOf("*/", i + 2);
    return [" ", end < 0 ? text.length : end + 2];
  }
  return undefined;
}

function dropTrailingComma(text: string, i: number): [string, number] | undefined {
  return text[i] === "," && /^\s*[}\]]/.test(text.slice(i + 1)) ? ["", i + 1] : undefined;
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "\"") return i + 1;
  }
  return text.length;
}

interface Grant { readonly src?: readonly string[]; readonly dst?: readonly string[]; readonly ip?: readonly string[]; readonly app?: unknown }
interface LegacyAcl { readonly action?: string; readonly src?: readonly string[]; readonly dst?: readonly string[] }
interface TailnetPolicy { readonly grants?: readonly Grant[]; readonly acls?: readonly LegacyAcl[] }

/** Whether an `ip` entry of a grant leaves the port open: `*`, `tcp:*`, `*:*` or a bare protocol other than ICMP. */
function allPorts(entry: string): boolean {
  if (entry === "*" || entry.endsWith(":*")) return true;
  return !entry.includes(":") && !/^\d/.test(entry) && !/^(icmp|ipv6-icmp|1|58)$/i.test(entry);
}

/** What is too broad in a tailnet policy. */
export function aclFindings(policy: TailnetPolicy, config: TailscaleAclConfig): string[] {
  const out: string[] = [];
  (policy.grants ?? []).forEach((g, i) => {
    const src = g.src ?? [];
    const dst = g.dst ?? [];
    const ip = g.ip ?? [];
    if (src.includes("*") && dst.includes("*") && (ip.length === 0 || ip.some(allPorts))) {
      out.push(`grants[${i}] accepts everything (src '*', dst '*', all ports): grant named tags the ports they need`);
      return;
    }
    if (src.includes("*") && !config.allowWildcardSource) out.push(`grants[${i}] lets every device (src '*') reach ${dst.join(", ")}: name the tags or groups that need it`);
    if (dst.includes("*")) out.push(`grants[${i}] reaches every device (dst '*') from ${src.join(", ")}: name the destination tags`);
    if (ip.length === 0 && g.app === undefined) out.push(`grants[${i}] names no ports (no 'ip'): list them, e.g. ["tcp:8000"]`);
    ip.filter(allPorts).forEach((e) => out.push(`grants[${i}] opens all ports ('${e}') from ${src.join(", ")} to ${dst.join(", ")}: list the ports`));
  });
  (policy.acls ?? []).forEach((a, i) => {
    if ((a.action ?? "accept") !== "accept") return;
    const src = a.src ?? [];
    const dst = a.dst ?? [];
    if (src.includes("*") && dst.some((d) => d === "*:*")) {
      out.push(`acls[${i}] accepts everything (src '*', dst '*:*'): grant named tags the ports they need`);
      return;
    }
    if (src.includes("*") && !config.allowWildcardSource) out.push(`acls[${i}] lets every device (src '*') reach ${dst.join(", ")}: name the tags or groups that need it`);
    dst.filter((d) => d.endsWith(":*") || !d.includes(":")).forEach((d) => out.push(`acls[${i}] opens all ports of '${d}': list the ports`));
  });
  return out;
}

export const tailscaleAclLeastPrivilege: ResourceValidationPolicy = {
  name: "tailscale-acl-least-privilege",
  description: "The tailnet policy (tailscale Acl resource) has no accept-all rule, no wildcard source or destination, and every grant or ACL names its ports.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowWildcardSource: { type: "boolean", default: false, description: "Allow src '*' when destination ports are named." },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== TAILSCALE_ACL) return;
    const text = known(() => args.props.acl as unknown);
    if (typeof text !== "string") return;
    let policy: TailnetPolicy;
    try {
      policy = parseHujson(text) as TailnetPolicy;
    } catch (e) {
      return report(`the tailnet policy is not valid HuJSON: ${(e as Error).message}`);
    }
    aclFindings(policy, args.getConfig<TailscaleAclConfig>()).forEach((m) => report(`tailnet policy ${m}`));
  },
};
