/** Reading engine command-line arguments the way the engines' parsers split them: `--flag value` or `--flag=value`. */

/** A flag that takes a credential: `--api-key`, `--hf-token`, `--admin-secret`, `--password`. */
export const CREDENTIAL_FLAG = /^--?[A-Za-z0-9-]*(api-?key|token|secret|passw(or)?d)$/i;

/** The flag name of an argument: `--host=0.0.0.0` → `--host`; undefined for a value. */
export function flagName(arg: string): string | undefined {
  return arg.startsWith("-") ? (arg.split("=", 1)[0] as string) : undefined;
}

/** The value of a `--flag=value` argument; undefined for a bare flag or a value. */
export function inlineValue(arg: string): string | undefined {
  return arg.startsWith("-") && arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : undefined;
}
