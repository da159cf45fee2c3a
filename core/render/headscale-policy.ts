/**
 * The one substitution the tailnet tier (test/mesh) and operators trying a policy on headscale make
 * to the policy `fabric plan --out` writes: headscale does not know `autogroup:admin` (it accepts
 * only autogroup:member, :tagged and :danger-all), so every `autogroup:admin` — tag owners, admin
 * grants, SSH sources — becomes a headscale user, written `<user>@`. Nothing else changes: a policy
 * that needs any other difference to load on headscale fails the tier.
 */
export const ADMIN_GROUP = "autogroup:admin";

/** A headscale user reference (`name@`) from a user name; refuses names that are not DNS-label-like. */
export function headscaleUser(user: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(user)) throw new Error(`headscale user '${user}': use lowercase letters, digits, '.', '_' or '-'`);
  return `${user}@`;
}

/** The policy with every `autogroup:admin` string replaced by the headscale user `adminUser`. */
export function forHeadscale<T>(policy: T, adminUser: string): T {
  const admin = headscaleUser(adminUser);
  const swap = (value: unknown): unknown => {
    if (value === ADMIN_GROUP) return admin;
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return swap(policy) as T;
}

/**
 * Reads a HuJSON policy file (JSON with `//` and `/* *\/` comments and trailing commas), as
 * `fabric plan --out` and Tailscale's admin console write them.
 */
export function parseHujson(text: string): unknown {
  return JSON.parse(outsideStrings(outsideStrings(text, dropComment), dropTrailingComma));
}

/** Copies `text`, letting `step` rewrite what lies outside JSON strings (it returns [kept text, next index]). */
function outsideStrings(text: string, step: (text: string, i: number) => [string, number]): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else {
      const [kept, next] = step(text, i);
      out += kept;
      i = next;
    }
  }
  return out;
}

function dropComment(text: string, i: number): [string, number] {
  if (text.startsWith("//", i)) {
    const end = text.indexOf("\n", i);
    return ["", end < 0 ? text.length : end];
  }
  if (text.startsWith("/*", i)) {
    const end = text.indexOf("*/", i + 2);
    if (end < 0) throw new Error("HuJSON: a /* comment is never closed");
    return [" ", end + 2];
  }
  return [text[i] ?? "", i + 1];
}

function dropTrailingComma(text: string, i: number): [string, number] {
  if (text[i] === "," && /^\s*[}\]]/.test(text.slice(i + 1))) return ["", i + 1];
  return [text[i] ?? "", i + 1];
}

/** Index just past the JSON string starting at `start` (a double quote). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  if (i >= text.length) throw new Error("HuJSON: a string is never closed");
  return i + 1;
}
