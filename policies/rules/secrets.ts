// Secrets: no credential reaches a container as plain text.
//
// pulumi-policy unwraps secrets before a policy sees them (`deserializeProperties(props, false)` in
// its server), so `props` cannot tell a secret Output from a plain string: `HF_TOKEN=hf_…` looks
// the same either way. What is "known to be secret" therefore comes from the declarations: the
// plan's `secretEnv` of the container (with fleetFile), the env vars fabric's components fill from
// stack secrets (config `secretEnvNames`), and the `os.environ/NAME` references of the container's
// own uploaded config. Anything else that looks like a key is plain text.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { looksLikeSecret } from "../../core/checks/secrets";
import { placedContainers } from "../../components/plan-containers";
import { CONTAINER, type ContainerView, containerView, describeContainer, splitEnv } from "../container-props";
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

/** Enough of a value to find it, never the whole credential. */
function redact(value: string): string {
  return `${value.slice(0, 4)}…`;
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
  description: "No container env value, argument or uploaded file holds something that looks like a key or token in plain text. Env vars declared secret (the plan's secretEnv with fleetFile, secretEnvNames, os.environ/ references of the container's config) may, once each.",
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
    const counts = new Map<string, number>();
    c.envs.forEach((e) => counts.set(splitEnv(e)[0], (counts.get(splitEnv(e)[0]) ?? 0) + 1));
    const reported = new Set<string>();
    for (const entry of c.envs) {
      const [name, value] = splitEnv(entry);
      if (!looksLikeSecret(value) || reported.has(name)) continue;
      const times = counts.get(name) ?? 1;
      if (!secret.has(name)) {
        report(`${who}: environment variable ${name} holds a credential in plain text (${redact(value)}): remove it (fabric passes credentials only from secret stack config, 'pulumi config set --secret'), then rotate it`);
      } else if (times > 1) {
        report(`${who}: environment variable ${name} is set ${times} times: only one is the secret from stack config, the others hold it in plain text; remove the plain one`);
      } else continue;
      reported.add(name);
    }
    c.argv.forEach((arg, i) => {
      if (i > 0 && REVISION_FLAG.test(c.argv[i - 1] ?? "")) return;
      const value = arg.startsWith("-") && arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : arg;
      if (looksLikeSecret(value)) {
        report(`${who}: argument ${i + 1} (${redact(value)}) looks like a credential: never pass keys on the command line (docker inspect and ps show them); pass them as secret env`);
      }
    });
    for (const u of c.uploads) {
      u.content.split("\n").forEach((line, i) => {
        if (!line.includes("os.environ/") && looksLikeSecret(line)) {
          report(`${who}: uploaded file ${u.file} line ${i + 1} holds a credential in plain text: read it from the environment instead (os.environ/NAME in LiteLLM)`);
        }
      });
    }
  },
};
