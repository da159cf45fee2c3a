// Which props of a resource came from a secret Output.
//
// pulumi-policy unwraps secrets before a validation sees `props` (its server deserializes them with
// `deserializeProperties(props, false)`), so `props` alone cannot tell `pulumi.secret(x)` from `x`.
// The engine does send the secret markers: this module wraps that deserializer once, in the pack's
// process, and records for every deserialized object the paths that were marked secret, keyed by
// the object that `args.props` proxies (pulumi-policy's proxy hands its target out). Policies see
// exactly the props they saw before.
//
// Granularity: the Docker provider (a Terraform bridge) lifts secretness to the enclosing list or
// top-level property before the engine calls the pack, so `envs: ["A=1", secret]` arrives as a
// secret `envs`. A rule can therefore tell "this list holds no secret" (then every value in it is
// plain text) from "some value of this list is secret" (then it cannot tell which).

/** pulumi-policy's marker of a secret value in the engine's wire form. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** pulumi-policy's proxy hands out its target under this key (proxy.getSpecialProxyTarget). */
const PROXY_TARGET = "__getSpecialProxyTarget";

const recorded = new WeakMap<object, readonly string[]>();
let installed = false;

/** Dotted paths (`envs`, `healthcheck.tests`, `uploads.0.content`) of every secret-marked value in wire-form props. */
export function secretPathsOfWire(value: unknown, path: readonly string[] = [], out: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => secretPathsOfWire(v, [...path, String(i)], out));
  } else if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) out.push(path.join("."));
    else for (const [k, v] of Object.entries(obj)) secretPathsOfWire(v, [...path, k], out);
  }
  return out;
}

/** Records the secret paths of a props object (what the pack's server wrapper and the test harness do). */
export function recordSecretPaths(props: object, paths: readonly string[]): void {
  recorded.set(props, paths);
}

/**
 * Wraps pulumi-policy's deserializer so every props object it returns has its secret paths recorded.
 * Idempotent; the pack's entry point calls it before the analyzer server starts.
 */
export function installSecretPathTracking(): void {
  if (installed) return;
  installed = true;
  // Internal module of @pulumi/policy (1.21.0): server.js calls it through the module object.
  const deserialize = require("@pulumi/policy/deserialize") as { deserializeProperties: (s: { toJavaScript(): unknown }, proxySecrets: boolean) => object };
  const original = deserialize.deserializeProperties;
  deserialize.deserializeProperties = (struct, proxySecrets) => {
    const props = original(struct, proxySecrets);
    recordSecretPaths(props, secretPathsOfWire(struct.toJavaScript()));
    return props;
  };
}

/**
 * The secret paths of a resource's props as a policy got them, or undefined when nobody recorded
 * them (the props did not come through the pack's server or the harness): rules then fall back to
 * what is declared secret.
 */
export function secretPathsOf(props: object): readonly string[] | undefined {
  let target: unknown;
  try {
    target = (props as Record<string, unknown>)[PROXY_TARGET];
  } catch {
    target = undefined;
  }
  return recorded.get((typeof target === "object" && target !== null ? target : props) as object);
}

/** Whether `path` (dotted) is a secret path or lies inside one. */
export function isUnderSecret(paths: readonly string[], path: string): boolean {
  return paths.some((p) => p === "" || path === p || path.startsWith(`${p}.`));
}
