import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseFleet } from "../../core/fleet/load";
import type { Fleet } from "../../core/fleet/schema";

export const repoRoot = join(__dirname, "..", "..");

/** Loads a fleet from stacks/<name>.fleet.yaml, failing loudly if it does not parse. */
export function stackFleet(name: string): Fleet {
  const parsed = parseFleet(readFileSync(join(repoRoot, "stacks", `${name}.fleet.yaml`), "utf8"));
  if (!parsed.ok) throw new Error(`stacks/${name}.fleet.yaml: ${JSON.stringify(parsed.violations)}`);
  return parsed.fleet;
}
