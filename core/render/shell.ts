/**
 * The one way a fleet value becomes part of a POSIX shell script: as a single word. Health checks,
 * sync scripts, start scripts, boot scripts and command lines for review all quote through here, so
 * a value can never end a word, start a command or expand (`;`, `$()`, backticks, newlines, globs).
 */

/** Words that need no quotes in any POSIX shell: letters, digits and `_ @ % + = : , . / -`. */
export const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One shell word. Plain words stay as they are (readable flags and paths); anything else is
 * single-quoted, with embedded single quotes closed, escaped and reopened. NUL cannot be in a
 * shell word or an argv entry at all, so it is refused.
 */
export function shellQuote(value: string, plain: RegExp = PLAIN_WORD): string {
  if (value.includes("\u0000")) throw new Error("a shell word cannot contain NUL");
  return value !== "" && plain.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argv: each argument one word. */
export function shellCommand(argv: readonly string[], plain: RegExp = PLAIN_WORD): string {
  return argv.map((arg) => shellQuote(arg, plain)).join(" ");
}
