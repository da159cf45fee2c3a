// Runs the test tiers with node's test runner and tsx. `unit`: pure core, CLI, mocked components
// (no engine, no Docker). `all`: unit plus the tiers that need real parts (engine parsers and the real
// llama-server of the conformance tier, promtool, pulumi, the tailnet of test/mesh — headscale and
// tailscaled in network namespaces —, docker).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const tiers = { unit: ["test/unit"], all: ["test/unit", "test/conformance", "test/tools", "test/engine", "test/mesh", "test/cluster", "test/e2e"] };
const tier = process.argv[2] ?? "unit";
if (!(tier in tiers)) {
  console.error(`unknown tier '${tier}'; use one of: ${Object.keys(tiers).join(", ")}`);
  process.exit(2);
}

function testFiles(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return []; }
  return entries.sort().flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return testFiles(path);
    return entry.endsWith(".test.ts") ? [path] : [];
  });
}

const files = tiers[tier].flatMap(testFiles);
const extra = process.argv.slice(3);
// End-to-end files share the local-test stack's fixed ports and container names: one at a time,
// after the rest (which run two at a time).
const e2e = files.filter((f) => f.startsWith(join("test", "e2e")));
const run = (batch, concurrency) => batch.length === 0 ? 0 : spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...extra, ...batch],
  { stdio: "inherit", env: { ...process.env, FABRIC_TEST_TIER: tier } },
).status ?? 1;
const first = run(files.filter((f) => !e2e.includes(f)), 2);
const second = run(e2e, 1);
process.exit(first !== 0 ? first : second);
