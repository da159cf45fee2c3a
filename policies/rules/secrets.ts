// Secrets: no credential reaches a container as plain text.
//
// pulumi-policy unwraps secrets before a policy sees them, but the pack records which props the
// engine marked secret (secret-paths.ts). The Docker provider marks a whole list secret when any
// value in it is, so for each list (envs, command/entrypoints, healthcheck tests, uploads):
// - no secret in the list: every value in it is plain text, so anything credential-shaped is
//   reported, whatever its name;
// - a secret in the list: the pack cannot tell which value it is. Names declared secret (the plan's
//   secretEnv with fleetFile, secretEnvNames, os.environ/ references of the container's config) are
//   trusted, set once. On containers fabric made (fabric.deployment or fabric.role label) other names
//   are plain text (the components fill only declared names from secrets); on other containers they
//   are not reported (they may be the secret);
// - nothing recorded (the rule run outside the pack's server): the declarations decide, as above.
// Reported values are redacted to four characters, and never come from a secret list.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { placedContainers } from "../../components/plan-containers";
import { CONTAINER, type ContainerView, containerView, describeContainer, LABEL, splitEnv } from "../container-props";
import { flagName, inlineValue } from "../../core/checks/flag-args";
import { CREDENTIAL_FLAG, holdsCredential, redact } from "../credentials";
import { isUnderSecret } from "../secret-paths";
import { type FleetConfig, fleetContext, fleetFileProperty } from "../fleet-context";

/**
 * Env vars fabric's components fill from secret stack config: the engines' HF token, the gateway's
 * master key, MinIO's root credentials, and the store's read-only key (model sync and store setup).
 */
export const FABRIC_SECRET_ENV: readonly string[] = [
  "HF_TOKEN", "LITELLM_MASTER_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "STORE_ACCESS_KEY", "STORE_SECRET_KEY", "RO_ACCESS", "RO_SECRET",
];

export interface NoPlaintextSecretsConfig extends FleetConfig {
  /** Env var names that hold secrets passed as secret Outputs. @default FABRIC_SECRET_ENV */
  readonly secretEnvNames?: readonly string[];
}

/** Flags whose value is a git revision: 40 hex digits that are not a credential. */
const REVISION_FLAG = /^--[a-z-]*revision$/;

/** Whether the list at `path` holds a secret: true, false, or undefined when the pack cannot know. */
function holdsSecret(c: ContainerView, ...paths: string[]): boolean | undefined {
  if (c.secretPaths === undefined) return undefined;
  return paths.some((p) => isUnderSecret(c.secretPaths ?? [], p) || (c.secretPaths ?? []).some((s) => s.startsWith(`${p}.`)));
}

/** Env var names a config file reads credentials from (`api_key: os.environ/CLOUD_API_KEY`). */
function environReferences(c: ContainerView): string[] {
  return c.uploads.flatMap((u) => [...u.content.matchAll(/os\.environ\/([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string));
}

/** Which env names of this container are secret, and which the plan sets as plain values. */
function declarations(c: ContainerView, config: NoPlaintextSecretsConfig, report: (m: string) => void): { secret: Set<string>; plain: Set<string> } {
  const secret = new Set([...(config.secretEnvNames ?? FABRIC_SECRET_ENV), ...environReferences(c)]);
  const plain = new Set<string>();
  const ctx = fleetContext(config);
  if (ctx.status === "invalid") report(ctx.message);
  if (ctx.status === "loaded") {
    const spec = placedContainers(ctx.plan).find((p) => p.spec.name === c.name)?.spec;
    spec?.secretEnv.forEach((s) => secret.add(s.name));
    Object.keys(spec?.env ?? {}).forEach((name) => plain.add(name));
  }
  plain.forEach((name) => secret.delete(name));
  return { secret, plain };
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description: "No container env value, argument, health check or uploaded file holds something that looks like a key or token in plain text (HF snapshot paths, revision SHAs and digests are not keys). A list with no secret Output in it is plain text throughout; in a list that holds a secret the pack cannot tell which value it is, so it trusts the names declared secret (the plan's secretEnv with fleetFile, secretEnvNames, os.environ/ references), once each, and reports nothing else there.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      fleetFile: fleetFileProperty,
      secretEnvNames: {
        type: "array", items: { type: "string" }, default: [...FABRIC_SECRET_ENV],
        description: "Env var names fabric fills from secret stack config (passed as secret Outputs).",
      },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const c = containerView(args.name, args.props);
    const who = describeContainer(c);
    const { secret } = declarations(c, args.getConfig<NoPlaintextSecretsConfig>(), report);
    const envSecret = holdsSecret(c, "envs");
    const counts = new Map<string, number>();
    c.envs.forEach((e) => counts.set(splitEnv(e)[0], (counts.get(splitEnv(e)[0]) ?? 0) + 1));
    const reported = new Set<string>();
    for (const entry of c.envs) {
      const [name, value] = splitEnv(entry);
      if (!holdsCredential(value) || reported.has(name)) continue;
      const times = counts.get(name) ?? 1;
      // fabric's components put secrets only under declared names, so on a container they made
      // (fabric.* labels) an undeclared name is plain text even beside a secret.
      const fabricMade = c.labels[LABEL.deployment] !== undefined || c.labels[LABEL.role] !== undefined;
      if (envSecret === false || ((envSecret === undefined || fabricMade) && !secret.has(name))) {
        const why = envSecret === false ? "(no value of this container's envs is a secret Output)" : "(not declared secret)";
        report(`${who}: environment variable ${name} holds a credential in plain text ${why} (${redact(value)}): pass it as a secret Output (pulumi.secret, or 'pulumi config set --secret'), then rotate it`);
      } else if (secret.has(name) && times > 1) {
        report(`${who}: environment variable ${name} is set ${times} times: only one is the secret from stack config, the others hold it in plain text; remove the plain one`);
      } else continue;
      reported.add(name);
    }
    if (holdsSecret(c, "entrypoints", "command") !== true) {
      c.argv.forEach((arg, i) => {
        if (i > 0 && REVISION_FLAG.test(c.argv[i - 1] ?? "")) return;
        const flag = flagName(arg) ?? "";
        const value = inlineValue(arg) ?? arg;
        const afterFlag = i > 0 && CREDENTIAL_FLAG.test(c.argv[i - 1] ?? "") && !arg.startsWith("-") && !arg.startsWith("$");
        const inlineFlag = arg.includes("=") && flag !== "" && CREDENTIAL_FLAG.test(flag) && value !== "" && !value.startsWith("$");
        if (holdsCredential(arg) || afterFlag || inlineFlag) {
          report(`${who}: argument ${i + 1} (${redact(value)}) looks like a credential: never pass keys on the command line (docker inspect and ps show them); pass them as secret env`);
        }
      });
    }
    if (holdsSecret(c, "healthcheck") !== true) {
      (c.healthcheckTests ?? []).forEach((test, i) => {
        if (holdsCredential(test)) {
          report(`${who}: health check test ${i + 1} (${redact(test)}) holds a credential in plain text (docker inspect shows it): probe an unauthenticated endpoint such as /health, or read the key from a secret env var inside the command`);
        }
      });
    }
    if (holdsSecret(c, "uploads") !== true) {
      for (const u of c.uploads) {
        u.content.split("\n").forEach((line, i) => {
          if (!line.includes("os.environ/") && holdsCredential(line)) {
            report(`${who}: uploaded file ${u.file} line ${i + 1} holds a credential in plain text: read it from the environment instead (os.environ/NAME in LiteLLM)`);
          }
        });
      }
    }
  },
};
