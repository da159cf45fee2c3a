// The GitHub workflows, checked offline: actionlint (built from Go modules by
// scripts/setup-actionlint.sh) on every file, a workflow with known mistakes that it must report,
// the stack-selection script of preview.yml run against a real git history, and the promises the
// workflows make (least privilege, environments, one deployment per stack).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { repoRoot } from "../support/stacks";

const workflowsDir = join(repoRoot, ".github", "workflows");
const workflowFiles = () => readdirSync(workflowsDir).filter((f) => f.endsWith(".yml")).sort().map((f) => join(workflowsDir, f));

function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/** The actionlint scripts/setup-actionlint.sh builds, else one on PATH; fails (never skips) without one. */
function actionlint(): string {
  const cache = process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric");
  const built = join(cache, "bin", "actionlint");
  const found = existsSync(built) ? built : which("actionlint");
  if (!found) assert.fail(`actionlint is not installed: run scripts/setup-actionlint.sh (builds it from Go modules into ${join(cache, "bin")})`);
  return found;
}

function runActionlint(files: readonly string[]) {
  const run = spawnSync(actionlint(), ["-no-color", ...files], { cwd: repoRoot, encoding: "utf8" });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Workflow YAML is untyped data. */
type Workflow = any;
const workflow = (name: string): Workflow => parse(readFileSync(join(workflowsDir, name), "utf8"));

describe("GitHub workflows", () => {
  test("actionlint finds no problem in .github/workflows/*.yml", (t) => {
    const files = workflowFiles();
    assert.deepEqual(files.map((f) => f.slice(workflowsDir.length + 1)), ["preview.yml", "up.yml"]);
    t.diagnostic(which("shellcheck") ? "shellcheck on PATH: run: scripts are shellchecked too" : "no shellcheck on PATH: run: scripts are not shellchecked (apt-get install shellcheck)");
    const run = runActionlint(files);
    assert.equal(run.code, 0, run.output);
  });

  test("actionlint reports a broken workflow", () => {
    const dir = mkdtempSync(join(tmpdir(), "fabric-actionlint-"));
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    const bad = join(dir, ".github", "workflows", "bad.yml");
    writeFileSync(bad, [
      "on: push",
      "jobs:",
      "  build:",
      "    steps:",
      "      - uses: actions/checkout@v6",
      "        with:",
      "          fetch-deep: 0",
      "      - run: echo ${{ matrix.stack }}",
      "",
    ].join("\n"));
    const run = runActionlint([bad]);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /bad\.yml:3:\d+: "runs-on" section is missing in job "build"/);
    assert.match(run.output, /input "fetch-deep" is not defined in action "actions\/checkout@v6"/);
    assert.match(run.output, /property "stack" is not defined in object type/);
  });

  test("preview.yml: read-only by default, only the comment job may write to pull requests", () => {
    const w = workflow("preview.yml");
    assert.deepEqual(Object.keys(w.on), ["pull_request"]);
    assert.deepEqual(w.permissions, { contents: "read" });
    for (const [name, job] of Object.entries<Workflow>(w.jobs)) {
      if (name === "comment") assert.deepEqual(job.permissions, { "pull-requests": "write" });
      else assert.equal(job.permissions, undefined, name);
    }
    const preview = w.jobs.preview.steps.find((s: Workflow) => s.id === "preview");
    assert.match(preview.run, /pulumi preview --stack "\$STACK" --policy-pack policies --json/);
    assert.equal(preview.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW, "true");
    assert.match(w.jobs.preview.env.PULUMI_BACKEND_URL, /secrets\[format\('PULUMI_BACKEND_URL_\{0\}', matrix\.key\)\]/);
  });

  test("up.yml: pulumi up per stack behind its environment, one run per stack, never cancelled", () => {
    const w = workflow("up.yml");
    assert.deepEqual(w.on.push.branches, ["main"]);
    assert.deepEqual(w.permissions, { contents: "read" });
    const up = w.jobs.up;
    assert.equal(up.environment.name, "${{ matrix.stack }}");
    assert.deepEqual(up.concurrency, { group: "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": false });
    assert.ok(up.strategy.matrix.include.some((m: Workflow) => m.stack === "homelab"));
    assert.ok(up.steps.some((s: Workflow) => s.run === 'pulumi up --yes --stack "$STACK" --policy-pack policies --non-interactive'));
  });

  test("up.yml: stacks with burst pools run fabric burst sweep --yes after pulumi up, whatever its outcome", () => {
    const up = workflow("up.yml").jobs.up;
    for (const entry of up.strategy.matrix.include as Workflow[]) {
      const fleet = parse(readFileSync(join(repoRoot, "stacks", `${entry.stack}.fleet.yaml`), "utf8"));
      assert.equal(entry.burst === true, (fleet.burst?.pools?.length ?? 0) > 0, `matrix entry ${entry.stack}: burst must say whether its fleet has burst pools`);
    }
    const steps = up.steps as Workflow[];
    const upIndex = steps.findIndex((s) => typeof s.run === "string" && s.run.startsWith("pulumi up "));
    const sweepIndex = steps.findIndex((s) => s.run === 'npx fabric burst sweep --stack "$STACK" --yes');
    assert.ok(sweepIndex > upIndex && upIndex >= 0, "the sweep runs after pulumi up");
    assert.equal(steps[sweepIndex].if, "${{ always() && matrix.burst }}", "even after a failed or cancelled up");
  });
});

describe("preview.yml stack selection", () => {
  const script: string = workflow("preview.yml").jobs.stacks.steps.find((s: Workflow) => s.id === "changed").run;
  const git = (cwd: string, ...args: string[]) => {
    const run = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
  };

  /** A repository whose origin/main has two stacks; the PR commit changes `changed`. Returns the matrix. */
  function select(changed: readonly string[]): { stacks: string[]; keys: string[] } {
    const repo = mkdtempSync(join(tmpdir(), "fabric-stacks-"));
    mkdirSync(join(repo, "stacks"));
    mkdirSync(join(repo, "core"));
    for (const f of ["stacks/Pulumi.homelab.yaml", "stacks/homelab.fleet.yaml", "stacks/Pulumi.local.yaml", "stacks/local.fleet.yaml",
      "stacks/Pulumi.edge-lab.yaml", "stacks/edge-lab.fleet.yaml", "core/plan.ts", "README.md"]) writeFileSync(join(repo, f), "x\n");
    git(repo, "init", "-q");
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "base");
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD");
    for (const f of changed) writeFileSync(join(repo, f), "changed\n");
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "pr", "--allow-empty");
    const output = join(repo, "github-output");
    const run = spawnSync("bash", ["-c", script], { cwd: repo, encoding: "utf8", env: { ...process.env, BASE_REF: "main", GITHUB_OUTPUT: output } });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    const values: Record<string, string> = Object.fromEntries(readFileSync(output, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    const include: { stack: string; key: string }[] = JSON.parse(values.matrix ?? "null").include;
    assert.equal(values.count, String(include.length));
    return { stacks: include.map((m) => m.stack), keys: include.map((m) => m.key) };
  }

  test("a stack's own files select that stack only", () => {
    assert.deepEqual(select(["stacks/homelab.fleet.yaml"]).stacks, ["homelab"]);
    assert.deepEqual(select(["stacks/Pulumi.local.yaml", "README.md"]).stacks, ["local"]);
  });

  test("program, policy or dependency changes select every stack, with secret-name keys", () => {
    assert.deepEqual(select(["core/plan.ts"]), { stacks: ["edge-lab", "homelab", "local"], keys: ["EDGE_LAB", "HOMELAB", "LOCAL"] });
  });

  test("unrelated changes select nothing", () => {
    assert.deepEqual(select(["README.md"]).stacks, []);
  });
});
