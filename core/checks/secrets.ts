import type { SecretField } from "../fleet/primitives";
import type { Fleet } from "../fleet/schema";
import type { Violation } from "../plan/types";
import { type Check, error } from "./check";
import { CREDENTIAL_FLAG, flagName, inlineValue } from "./flag-args";

/** Shapes of real credentials: OpenAI/LiteLLM, Anthropic, Hugging Face, Tailscale, AWS, GitHub, Vast-style hex keys. */
const KEY_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/, /\bhf_[A-Za-z0-9]{20,}/, /\btskey-[A-Za-z0-9-]{10,}/, /\bAKIA[0-9A-Z]{16}\b/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/, /\b[a-f0-9]{40,}\b/, /\bxox[abp]-[A-Za-z0-9-]{10,}/,
];
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

/** Whether a string looks like a credential. */
export function looksLikeSecret(value: string): boolean {
  return KEY_PATTERNS.some((p) => p.test(value));
}

/** Every secret-bearing field of the fleet with a suggested stack config key. */
function secretFields(fleet: Fleet): { path: string; value: SecretField | undefined; key: string }[] {
  return [
    { path: "huggingFaceToken", value: fleet.huggingFaceToken, key: "huggingFaceToken" },
    { path: "gateway.masterKey", value: fleet.gateway?.masterKey, key: "litellmMasterKey" },
    ...(fleet.gateway?.providers ?? []).map((p, i) => ({ path: `gateway.providers[${i}].apiKey`, value: p.apiKey, key: camel(`${p.name}-api-key`) })),
    { path: "burst.apiKey", value: fleet.burst?.apiKey, key: "vastApiKey" },
    { path: "mesh.apiKey", value: fleet.mesh?.apiKey, key: "tailscaleApiKey" },
    { path: "storage.rootUser", value: fleet.storage?.rootUser, key: "minioRootUser" },
    { path: "storage.rootPassword", value: fleet.storage?.rootPassword, key: "minioRootPassword" },
  ];
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Secrets are references to encrypted stack config, never values in the fleet file. */
export const noInlineSecrets: Check = {
  name: "no-inline-secrets",
  description: "Secrets are references ({secret: <stack config key>}), never plain values; recipe env and args carry no credentials.",
  run({ fleet }) {
    const out: Violation[] = [];
    for (const f of secretFields(fleet)) {
      if (typeof f.value === "string") {
        out.push(error("no-inline-secrets", f.path,
          `plain-text secret in the fleet file: replace it with {secret: ${f.key}} and run 'pulumi config set --secret fabric:${f.key}' (then rotate the exposed value)`));
      }
    }
    for (const [name, recipe] of Object.entries(fleet.recipes)) {
      for (const [key, value] of Object.entries(recipe.env)) {
        if (looksLikeSecret(value) || (SECRET_NAME.test(key) && value.length > 0)) {
          out.push(error("no-inline-secrets", `recipes.${name}.env.${key}`,
            `environment variable ${key} holds a credential in plain text: engines get secrets from stack config (huggingFaceToken); remove it`));
        }
      }
      for (const { index, flag } of credentialArgs(recipe.extraArgs)) {
        out.push(error("no-inline-secrets", `recipes.${name}.extraArgs[${index}]`, flag
          ? `${flag} passes a credential on the command line, where every process and 'docker inspect' can read it: remove it (clients reach engines through the gateway, which holds the keys)`
          : `argument looks like a credential: never pass keys on the command line; remove it`));
      }
    }
    return out;
  },
};

/**
 * extraArgs that carry a credential: a key-shaped value anywhere, a credential flag in `--flag=value`
 * form, or the value after a credential flag. `index` points at the value; `flag` names the flag.
 */
function credentialArgs(args: readonly string[]): { index: number; value: string; flag?: string }[] {
  const out: { index: number; value: string; flag?: string }[] = [];
  args.forEach((arg, i) => {
    const flag = flagName(arg);
    const inline = inlineValue(arg);
    if (flag !== undefined && CREDENTIAL_FLAG.test(flag)) {
      const next = args[i + 1];
      if (inline !== undefined) out.push({ index: i, value: inline, flag });
      else if (next !== undefined && !next.startsWith("-")) out.push({ index: i + 1, value: next, flag });
      else out.push({ index: i, value: "", flag });
    } else if (looksLikeSecret(arg) && !out.some((o) => o.index === i)) {
      out.push({ index: i, value: arg });
    }
  });
  return out;
}

/**
 * Every plain-text value the secret check refuses, so that `fabric plan` can keep them out of what
 * it prints and writes: inline secret fields, credential-looking env values, credentials in extraArgs.
 */
export function flaggedSecretValues(fleet: Fleet): string[] {
  const values = new Set<string>();
  for (const f of secretFields(fleet)) if (typeof f.value === "string" && f.value.length > 0) values.add(f.value);
  for (const recipe of Object.values(fleet.recipes)) {
    for (const [key, value] of Object.entries(recipe.env)) {
      if (value.length > 0 && (looksLikeSecret(value) || SECRET_NAME.test(key))) values.add(value);
    }
    for (const { value } of credentialArgs(recipe.extraArgs)) if (value.length > 0) values.add(value);
  }
  return [...values];
}
