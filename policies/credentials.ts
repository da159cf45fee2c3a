// What looks like a credential in a container's env, argv, health check or uploaded file, minus the
// hex strings that are not credentials: Hugging Face snapshot paths (`…/snapshots/<40-hex commit>`),
// git revisions (`--revision <sha>` or `--revision=<sha>`, `revision: <sha>`), image digests and ids.
import { looksLikeSecret } from "../core/checks/secrets";

/** 40–128 hex digits that name a commit or a content digest, never a credential. */
const FALSE_FRIENDS: readonly RegExp[] = [
  /\/snapshots\/[0-9a-f]{40}\b/gi,
  /\b(?:sha1|sha256|sha384|sha512):[0-9a-f]{40,128}\b/gi,
  /--[a-z-]*revision(?:=|\s+)[0-9a-f]{40}\b/gi,
  /\b[a-z_-]*revision["']?\s*[:=]\s*["']?[0-9a-f]{40}\b/gi,
];

/** A bearer token or basic credentials in an HTTP header, whatever their shape. */
const HEADER_CREDENTIAL = /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/-]{12,}=*/i;

export { CREDENTIAL_FLAG } from "../core/checks/flag-args";

/** Whether a string holds something that looks like a credential, false friends excepted. */
export function holdsCredential(value: string): boolean {
  const rest = FALSE_FRIENDS.reduce((v, re) => v.replace(re, " "), value);
  return looksLikeSecret(rest) || HEADER_CREDENTIAL.test(rest);
}

/** Enough of a value to find it, never the whole credential. */
export function redact(value: string): string {
  return `${value.slice(0, 4)}…`;
}
