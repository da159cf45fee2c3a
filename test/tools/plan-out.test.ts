import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli";
import { repoRoot } from "../support/stacks";

function promtool(args: string[], cwd: string) {
  const run = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  if (run.error) assert.fail(`promtool is not runnable (${run.error.message}): run scripts/setup.sh, which installs Debian's prometheus package`);
  return run;
}

for (const stack of ["homelab", "local"]) {
  test(`fabric plan ${stack} --out writes configs that promtool accepts`, () => {
    const out = mkdtempSync(join(tmpdir(), `fabric-plan-${stack}-`));
    const run = runCli(["plan", join(repoRoot, "stacks", `${stack}.fleet.yaml`), "--out", out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const file of ["plan.json", "litellm-config.yaml", "prometheus.yml", "prometheus-rules.yml"]) {
      assert.ok(existsSync(join(out, file)), `${file} written`);
    }
    const config = promtool(["check", "config", "prometheus.yml"], out);
    assert.equal(config.status, 0, config.stdout + config.stderr);
    assert.match(config.stdout, /SUCCESS: 1 rule files found/);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as { engines: { deployment: string }[] };
    for (const e of plan.engines) assert.ok(existsSync(join(out, "engines", `${e.deployment}.argv`)), `${e.deployment}.argv written`);
  });
}
