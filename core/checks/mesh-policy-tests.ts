import type { MeshPlan, Violation } from "../plan/types";
import type { PolicyGrant, PolicyTest } from "../render/tailscale-policy";
import { error } from "./check";

/**
 * A device on the tailnet as grants see it: a name (for messages) and the selectors it matches —
 * its tags for a tagged device; `autogroup:member`, `autogroup:admin` or `user@` for a user's.
 */
export interface TailnetDevice {
  readonly name: string;
  readonly selectors: readonly string[];
}

/** The parts of a tailnet policy this module reads (a rendered policy or the one applied to a tailnet). */
export interface PolicyGrantsAndTests {
  readonly grants: readonly PolicyGrant[];
  readonly tests?: readonly PolicyTest[];
}

/** One test entry that does not hold: `from` may (accept) or must not (deny) open `target`. */
export interface PolicyTestFailure {
  readonly src: string;
  readonly target: string;
  readonly expected: "accept" | "deny";
  /** `source → destination` device pairs that disagree with the test. */
  readonly offenders: readonly string[];
}

/** Whether `src` may open TCP `port` on `dst` under the grants (network-layer grants only). */
export function grantAllows(grants: readonly PolicyGrant[], src: TailnetDevice, dst: TailnetDevice, port: number): boolean {
  return grants.some((g) => g.src.some((s) => src.selectors.includes(s))
    && g.dst.some((d) => dst.selectors.includes(d))
    && g.ip.includes(`tcp:${port}`));
}

/** `tag:machine-gw:4000` → selector and port; null when the text is not `<selector>:<port>`. */
export function splitTarget(target: string): { selector: string; port: number } | null {
  const at = target.lastIndexOf(":");
  const port = Number(target.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { selector: target.slice(0, at), port };
}

/**
 * Evaluates a policy's `tests` against its grants the way Tailscale reads them: a test from a tag
 * holds for a device carrying only that tag and for every known device carrying it; a target tag
 * means every known device carrying it (or, when none does, a device carrying only that tag).
 */
export function failingPolicyTests(policy: PolicyGrantsAndTests, devices: readonly TailnetDevice[]): PolicyTestFailure[] {
  const failures: PolicyTestFailure[] = [];
  const carrying = (selector: string) => devices.filter((d) => d.selectors.includes(selector));
  for (const test of policy.tests ?? []) {
    const sources = [{ name: test.src, selectors: [test.src] }, ...carrying(test.src)];
    const cases = [...(test.accept ?? []).map((t) => [t, "accept"] as const), ...(test.deny ?? []).map((t) => [t, "deny"] as const)];
    for (const [target, expected] of cases) {
      const parsed = splitTarget(target);
      if (!parsed) {
        failures.push({ src: test.src, target, expected, offenders: [`'${target}' is not <tag>:<port>`] });
        continue;
      }
      const known = carrying(parsed.selector);
      const destinations = known.length > 0 ? known : [{ name: parsed.selector, selectors: [parsed.selector] }];
      const offenders = sources.flatMap((s) => destinations
        .filter((d) => d !== s && grantAllows(policy.grants, s, d, parsed.port) !== (expected === "accept"))
        .map((d) => `${s.name} → ${d.name}`));
      if (offenders.length > 0) failures.push({ src: test.src, target, expected, offenders: [...new Set(offenders)] });
    }
  }
  return failures;
}

/** The devices a mesh plan puts on the tailnet: each static machine with its key's tags, and a burst host. */
export function planDevices(mesh: MeshPlan): TailnetDevice[] {
  return mesh.keys.map((k) => ({ name: k.ephemeral ? `${k.role} host` : k.role, selectors: [...k.tags] }));
}

function describe(f: PolicyTestFailure): string {
  const says = `the applied tailnet policy's test says ${f.src} ${f.expected === "accept" ? "may open" : "must not open"} ${f.target}`;
  return f.expected === "deny"
    ? `${says}, but this fleet's grants open it (${f.offenders.join(", ")}): keep those roles on separate machines`
    : `${says}, but this fleet's grants close it (${f.offenders.join(", ")})`;
}

/**
 * Refuses a fleet change that breaks the tests of the policy applied to the tailnet: the new plan's
 * grants, with the devices it tags, are evaluated against the applied policy's `tests` (what the
 * tailnet promised so far). Tailscale only runs the tests of the policy being applied, which the
 * renderer regenerates, so a change that silently widens access would pass there; here it does not.
 * An intended change is accepted by writing the new policy (`fabric plan --out`) and reviewing the
 * diff of its `tests` section.
 */
export function appliedPolicyTestsHold(applied: PolicyGrantsAndTests, mesh: MeshPlan): Violation[] {
  const next = mesh.policy as PolicyGrantsAndTests;
  return failingPolicyTests({ grants: next.grants, tests: applied.tests ?? [] }, planDevices(mesh)).map((f) => error(
    "mesh-policy-tests", "mesh",
    `${describe(f)}; if the change is meant, write the new policy with 'fabric plan --out' and review the diff of its tests before applying it`,
  ));
}

/** The plan's own policy: its tests must hold against its grants (a renderer bug otherwise). */
export function ownPolicyTestsHold(mesh: MeshPlan): Violation[] {
  return failingPolicyTests(mesh.policy as PolicyGrantsAndTests, planDevices(mesh)).map((f) =>
    error("mesh-policy-tests", "mesh", `the generated tailnet policy's test says ${f.src} ${f.expected === "accept" ? "may" : "must not"} open ${f.target}, which its own grants break (${f.offenders.join(", ")})`));
}
