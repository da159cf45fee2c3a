import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { main } from "../../cli/main";
import { processIo } from "../../cli/io";

export interface CliRun { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs the fabric CLI in-process with captured output and real file access. */
export function runCli(args: readonly string[]): CliRun {
  let stdout = "";
  let stderr = "";
  const code = main(args, {
    ...processIo,
    out: (t) => { stdout += `${t}\n`; },
    err: (t) => { stderr += `${t}\n`; },
  });
  if (typeof code !== "number") throw new Error(`fabric ${args[0]} is asynchronous: use runCliAsync`);
  return { code, stdout, stderr };
}

/** Runs an asynchronous fabric command (one that calls an API) in-process with captured output. */
export async function runCliAsync(args: readonly string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    ...processIo,
    out: (t) => { stdout += `${t}\n`; },
    err: (t) => { stderr += `${t}\n`; },
  });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), "fabric-cli-"));
let counter = 0;

/** Writes a fleet (object → YAML, or raw text) to a temp file and returns its path. */
export function fleetFile(content: unknown): string {
  const path = join(dir, `fleet-${++counter}.yaml`);
  writeFileSync(path, typeof content === "string" ? content : stringify(content));
  return path;
}
