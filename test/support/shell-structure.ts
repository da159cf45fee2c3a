/**
 * The structure of a POSIX shell script, as a shell would split it: words and operators, with each
 * word's expansions (`$x`, `${x}`, `$(...)`, backticks) and unquoted glob characters. Two scripts with
 * the same structure run the same commands in the same shape; only the literal text of words may
 * differ. Used to prove that a hostile fleet value stays inside the word it was quoted into.
 */
export type ShellToken =
  | { readonly kind: "word"; readonly expansions: readonly string[]; readonly glob: boolean }
  | { readonly kind: "op"; readonly op: string };

const OPERATORS = ["&&", "||", ";;", ">>", "<<", ">&", "<&", ";", "&", "|", "(", ")", "<", ">", "\n"];

export function shellStructure(script: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let word: { expansions: string[]; glob: boolean } | null = null;
  const wordPart = () => (word ??= { expansions: [], glob: false });
  const endWord = () => {
    if (word) tokens.push({ kind: "word", ...word });
    word = null;
  };
  let i = 0;
  while (i < script.length) {
    const c = script[i] as string;
    if (c === " " || c === "\t") { endWord(); i++; continue; }
    if (c === "#" && word === null) { while (i < script.length && script[i] !== "\n") i++; continue; }
    if (c === "\\") {
      if (script[i + 1] === "\n") { i += 2; continue; } // line continuation
      wordPart(); i += 2; continue;
    }
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote at ${i}`);
      wordPart(); i = end + 1; continue;
    }
    if (c === "\"") {
      wordPart();
      i++;
      while (i < script.length && script[i] !== "\"") {
        if (script[i] === "\\") { i += 2; continue; }
        if (script[i] === "$" || script[i] === "`") { const [text, next] = expansion(script, i); word!.expansions.push(text); i = next; continue; }
        i++;
      }
      if (i >= script.length) throw new Error("unterminated double quote");
      i++;
      continue;
    }
    if (c === "$" || c === "`") {
      const [text, next] = expansion(script, i);
      wordPart().expansions.push(text);
      i = next;
      continue;
    }
    const op = OPERATORS.find((o) => script.startsWith(o, i));
    if (op) { endWord(); tokens.push({ kind: "op", op }); i += op.length; continue; }
    if (c === "*" || c === "?" || c === "[") wordPart().glob = true;
    else wordPart();
    i++;
  }
  endWord();
  return tokens;
}

/** An expansion starting at `start` (`$name`, `${...}`, `$(...)`, `` `...` ``): its text and where it ends. */
function expansion(script: string, start: number): [string, number] {
  if (script[start] === "`") {
    const end = script.indexOf("`", start + 1);
    if (end < 0) throw new Error("unterminated backtick");
    return [script.slice(start, end + 1), end + 1];
  }
  const next = script[start + 1];
  if (next === "(" || next === "{") {
    const close = next === "(" ? ")" : "}";
    let depth = 0;
    for (let i = start + 1; i < script.length; i++) {
      if (script[i] === next) depth++;
      else if (script[i] === close && --depth === 0) return [script.slice(start, i + 1), i + 1];
    }
    throw new Error(`unterminated $${next}`);
  }
  const name = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9?$!#@*-]/.exec(script.slice(start + 1));
  return name ? [`$${name[0]}`, start + 1 + name[0].length] : ["$", start + 1];
}

/** A one-line rendering of a structure, for assertion messages. */
export function describeStructure(tokens: readonly ShellToken[]): string {
  return tokens.map((t) => (t.kind === "op" ? JSON.stringify(t.op) : `W${t.glob ? "*" : ""}${t.expansions.length ? `[${t.expansions.join(",")}]` : ""}`)).join(" ");
}
