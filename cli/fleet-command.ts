import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { type CliIo, EXIT } from "./io";

/** A fleet command's parsed arguments: the fleet file and its flags. */
export interface FleetCommandArgs<T> {
  readonly file: string;
  readonly values: T;
}

/**
 * Parses `<fleet.yaml> [flags]` for check and plan. Returns the exit code to stop with (after
 * printing the usage) when the arguments are unusable.
 */
export function parseFleetCommand<O extends ParseArgsOptionsConfig>(
  args: readonly string[], options: O, usage: string, io: CliIo,
): FleetCommandArgs<ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>["values"]> | number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options });
  } catch (e) {
    io.err(`${(e as Error).message}\n${usage}`);
    return EXIT.badInput;
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    io.err(usage);
    return EXIT.badInput;
  }
  return { file, values: parsed.values };
}
