import type { SecretField } from "../fleet/primitives";
import type { Fleet } from "../fleet/schema";
import type { Violation } from "../plan/types";
import { type Check, error } from "./check";

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
      recipe.extraArgs.forEach((arg, i) => {
        if (looksLikeSecret(arg)) {
          out.push(error("no-inline-secrets", `recipes.${name}.extraArgs[${i}]`, `argument looks like a credential: never pass keys on the command line; remove it`));
        }
      });
    }
    return out;
  },
};
