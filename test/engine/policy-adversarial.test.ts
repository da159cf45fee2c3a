// The policy pack against hand-written Pulumi programs, previewed for real (issue 18): one program
// holding every violating case of test/support/adversarial.ts, one holding every compliant case
// (its package.json has no `version`, pulumi-policy#452). The Docker host is 127.0.0.1:1, never
// contacted by a preview. Two `pulumi preview` runs in all.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type AdversarialCase, compliantCases, programSource, violatingCases } from "../support/adversarial";
import { hasProviderPlugin, requestedPluginVersion } from "../support/pulumi-cli";
import { repoRoot } from "../support/stacks";

const dockerVersion = requestedPluginVersion("docker");
const policyPack = join(repoRoot, "policies");

/** A hand-written program in a temp dir, with its own file backend; previewed with the pack. */
function preview(cases: readonly AdversarialCase[], packageJson: Record<string, unknown>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "fabric-handwritten-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: handwritten\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify(packageJson));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2023", module: "commonjs", moduleResolution: "node", strict: true, esModuleInterop: true, skipLibCheck: true }, files: ["index.ts"] }));
  writeFileSync(join(dir, "index.ts"), programSource(cases));
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, ".state"));
  const env = {
    ...process.env, PULUMI_BACKEND_URL: `file://${join(dir, ".state")}`, PULUMI_CONFIG_PASSPHRASE: "handwritten-test-only",
    PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_HOME: process.env.PULUMI_HOME ?? join(homedir(), ".pulumi"),
  };
  const run = (args: readonly string[]) => {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: dir, env, encoding: "utf8", timeout: 600_000 });
    if (r.error) throw new Error(`pulumi could not run (${r.error.message}): source scripts/setup-pulumi.sh first`);
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  };
  assert.equal(run(["stack", "init", "dev"]).status, 0);
  return run(["preview", "--stack", "dev", "--policy-pack", policyPack]);
}

/** `rule → resource name` of every violation the preview printed (`- [mandatory]  rule  (type: name)`). */
function violations(output: string): { key: string; block: string }[] {
  const blocks = output.split(/\n(?=\s*- \[(?:mandatory|advisory)\])/);
  return blocks.flatMap((b) => {
    const m = /^\s*- \[(mandatory|advisory)\]\s+(\S+)\s+\((\S+): ([^)]+)\)/.exec(b);
    return m ? [{ key: `${m[2]} → ${m[4]}`, block: b }] : [];
  });
}

function skipWithoutDocker(t: { skip(message: string): void }): boolean {
  if (hasProviderPlugin("docker", dockerVersion)) return false;
  const reason = `pulumi-resource-docker ${dockerVersion} is not installed (tools/README.md)`;
  console.log(`SKIPPED: ${reason}`);
  t.skip(`SKIPPED: ${reason}`);
  return true;
}

describe("the policy pack against hand-written programs, previewed for real", () => {
  test("every violating case is caught by its rule, and nothing else", (t) => {
    if (skipWithoutDocker(t)) return;
    const result = preview(violatingCases, { name: "handwritten-violations", version: "0.0.1", main: "index.ts" });
    assert.notEqual(result.status, 0, result.output);
    const found = violations(result.output);
    const expected = violatingCases.flatMap((c) => (c.expect ? [`${c.expect.rule} → ${c.name}`] : []));
    assert.deepEqual([...new Set(found.map((f) => f.key))].sort(), expected.sort(), result.output);
    for (const c of violatingCases) {
      const expect = c.expect;
      if (!expect) continue;
      const block = found.filter((f) => f.key === `${expect.rule} → ${c.name}`).map((f) => f.block.replace(/\s+/g, " ")).join("\n");
      assert.ok(block.includes(expect.message), `${c.name} (${c.why}): '${expect.message}' in\n${block}`);
    }
    assert.doesNotMatch(result.output, /hf_Zq3vR8nT|Bearer 9f8e7d6c/, "no credential printed");
    console.log(`caught ${expected.length} of ${expected.length} violating cases (${violatingCases.length} hand-written resources)`);
  });

  test("the compliant program (secret Outputs, snapshot paths, LLAMA_ARG_HOST, cloud api_base, scrape by address; no version in package.json) is clean", (t) => {
    if (skipWithoutDocker(t)) return;
    const result = preview(compliantCases, { name: "handwritten-compliant", main: "index.ts" });
    assert.equal(result.status, 0, result.output);
    assert.deepEqual(violations(result.output), [], result.output);
    assert.match(result.output, /Policies:\s*\n\s*✅ inference-fabric@v[\d.]+/, result.output);
    console.log(`${compliantCases.length} compliant hand-written containers: zero violations`);
  });
});
