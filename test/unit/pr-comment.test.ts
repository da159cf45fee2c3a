import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { stringify } from "yaml";
import { parseFleet } from "../../core/fleet/load";
import { plan } from "../../core/plan/plan";
import type { Plan } from "../../core/plan/types";
import { gatewayRouteChains, renderFleetMermaid } from "../../core/render/fleet-diagram";
import { renderPlanMarkdown } from "../../core/render/pr-comment";
import { parsePreviewOutput, renderPolicyResults, resourceName } from "../../core/render/preview-policy";
import { prComment } from "../../scripts/pr-comment";
import { fleetFile, runCli } from "../support/cli";
import { validFleet } from "../support/fleets";
import { repoRoot } from "../support/stacks";

const raw = { serializers: [(v: unknown) => v] };
const homelabFile = "stacks/homelab.fleet.yaml";
const fixture = (name: string) => join(repoRoot, "test", "fixtures", name);

function planOf(text: string): Plan {
  const parsed = parseFleet(text);
  if (!parsed.ok) assert.fail(`fleet does not parse: ${parsed.violations.map((v) => v.message).join("; ")}`);
  return plan(parsed.fleet);
}

const homelab = () => planOf(readFileSync(join(repoRoot, homelabFile), "utf8"));
const homelabMarkdown = () => renderPlanMarkdown({ fleetFile: homelabFile, plan: homelab(), stack: "homelab" });

/** The fenced Mermaid block of a comment, without the fences. */
function mermaidBlock(markdown: string): string {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(markdown);
  assert.ok(m, "no ```mermaid block");
  return m[1] as string;
}

/** Table rows of the section under `### <title>`, as cell arrays (header and rule dropped). */
function tableRows(markdown: string, title: string): string[][] {
  const section = markdown.split(`### ${title}\n`)[1]?.split("\n### ")[0] ?? "";
  return section.split("\n").filter((l) => l.startsWith("| ")).slice(2).map((l) => l.slice(2, -2).split(" | "));
}

describe("renderPlanMarkdown", () => {
  test("renders the homelab PR comment", (t) => {
    t.assert.snapshot(homelabMarkdown(), raw);
  });

  test("is deterministic", () => {
    assert.equal(homelabMarkdown(), homelabMarkdown());
  });

  test("has a Mermaid flowchart with one subgraph per machine holding its engines", () => {
    const md = homelabMarkdown();
    const diagram = mermaidBlock(md);
    assert.match(diagram, /^flowchart LR\n/);
    assert.match(diagram, /subgraph m_rtx5090\["rtx5090 · rtx-5090"\]\n(?: {4}e_\w+\[.*\n){3} {2}end/);
    assert.match(diagram, /subgraph m_spark\["spark · dgx-spark"\]\n {4}e_reasoner\["reasoner<br\/>vllm :8120"\]\n {2}end/);
    assert.match(diagram, /p_cloud_deepseek\(\["cloud-deepseek<br\/>deepseek\/deepseek-chat"\]\)/);
  });

  test("draws the reason route's chain in fallback order", () => {
    const edges = mermaidBlock(homelabMarkdown()).split("\n").filter((l) => l.trim().startsWith("r_reason -->"));
    assert.deepEqual(edges.map((l) => l.trim()), [
      'r_reason -->|"primary"| e_reasoner',
      'r_reason -->|"fallback 1: reason-burst"| e_reason_burst_1',
      'r_reason -->|"fallback 1: reason-burst"| e_reason_burst_2',
      'r_reason -->|"fallback 2: r1-distill-14b-q4"| e_swap',
      'r_reason -->|"fallback 3"| p_cloud_deepseek',
      'r_reason -->|"fallback 4"| p_cloud_claude',
    ]);
  });

  test("reads route chains back from the LiteLLM config, providers included", () => {
    const chains = gatewayRouteChains(homelab().gateway?.config);
    assert.deepEqual(chains.map((c) => [c.name, c.targets.map((t) => `${t.kind}:${t.name}:${t.deployments.join("+")}`)]), [
      ["chat", ["group:orchestrator:orchestrator", "provider:cloud-deepseek:"]],
      ["reason", ["group:reasoner:reasoner", "group:reason-burst:reason-burst-1+reason-burst-2", "group:r1-distill-14b-q4:swap", "provider:cloud-deepseek:", "provider:cloud-claude:"]],
    ]);
  });

  test("lists every engine in the fit table", () => {
    const p = homelab();
    const rows = tableRows(homelabMarkdown(), "Memory fit");
    assert.deepEqual(rows.map((r) => r[0]), p.engines.map((e) => `\`${e.deployment}\``));
    for (const row of rows) assert.equal(row.at(-1), "✅", row.join(" | "));
    const reasoner = rows.find((r) => r[0] === "`reasoner`");
    assert.deepEqual(reasoner?.slice(1, 3), ["spark", "65.8"]);
    assert.match(reasoner?.[6] ?? "", /^\d+\.\d\d × 131,072$/);
  });

  test("marks an engine that does not fit with ❌, the numbers, and the verdict", () => {
    const f = validFleet();
    f.recipes["qwen-32b"].gpuMemoryUtilization = 0.2;
    const p = planOf(stringify(f));
    const md = renderPlanMarkdown({ fleetFile: "fleet.yaml", plan: p });
    const big = tableRows(md, "Memory fit").find((r) => r[0] === "`big`");
    assert.equal(big?.at(-1), "❌");
    assert.equal(tableRows(md, "Memory fit").find((r) => r[0] === "`chat`")?.at(-1), "✅");
    assert.match(md, /^## inference-fabric plan: `fleet.yaml`\n\n2 engines on 2 machines · ❌ \d+ errors?, ❌ 1 engine over budget/);
    assert.match(md, /### Violations\n\n- ❌ error `\[memory-fit\]` `deployments\[1\]` \(`fleet.yaml`\): big on spark .*needs \d+\.\d GiB/);
  });

  test("says so when there are no violations, and lists the waves in order", () => {
    const md = homelabMarkdown();
    assert.match(md, /### Violations\n\n✅ no violations\n$/);
    assert.match(md, /### Rollout waves\n\n1\. `embeddings`, `orchestrator`, `swap`\n2\. `reasoner`\n/);
  });

  test("Mermaid ids are sanitized and unique", () => {
    const p = homelab();
    const [a, b] = p.engines;
    const engines = [{ ...a!, deployment: "gpu.a-1" }, { ...b!, deployment: "gpu_a_1" }];
    const diagram = renderFleetMermaid({ ...p, engines, gateway: null });
    assert.match(diagram, /e_gpu_a_1\["gpu\.a-1<br\/>/);
    assert.match(diagram, /e_gpu_a_1_2\["gpu_a_1<br\/>/);
    for (const line of diagram.split("\n").slice(1)) {
      const id = /^\s*(?:subgraph )?([^\s[({]+)/.exec(line)?.[1];
      if (id !== "end") assert.match(id ?? "", /^[A-Za-z0-9_]+$/, line);
    }
  });
});

describe("fabric plan --markdown", () => {
  test("prints the comment instead of the summary, exit codes unchanged", () => {
    const ok = runCli(["plan", join(repoRoot, homelabFile), "--markdown"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^## inference-fabric plan: `.*homelab\.fleet\.yaml`/);
    assert.match(ok.stdout, /```mermaid\nflowchart LR/);
    assert.doesNotMatch(ok.stdout, /^Plan for/m);

    const f = validFleet();
    f.recipes["qwen-32b"].gpuMemoryUtilization = 0.2;
    const bad = runCli(["plan", fleetFile(f), "--markdown"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /\| ❌ \|/);
  });
});

describe("policy results from pulumi preview --json", () => {
  const events = () => readFileSync(fixture("pulumi-preview-events.ndjson"), "utf8");

  test("parses the streamed engine events: policy, level, resource, message", () => {
    const report = parsePreviewOutput(events());
    assert.equal(report.format, "events");
    assert.deepEqual(report.policyPacks, ["inference-fabric@0.1.0"]);
    assert.deepEqual(report.changes, { create: 6 });
    assert.equal(report.failed, true);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.findings.map((f) => [f.policy, f.level, resourceName(f.urn)]), [
      ["memory-fit", "mandatory", "fabric-engine-reasoner-container (docker:index/container:Container)"],
      ["image-pinned", "advisory", "fabric-engine-orchestrator-container (docker:index/container:Container)"],
      ["gpu-oversubscription", "mandatory", "stack"],
    ]);
    // The analyzer prefixes the policy's description; the comment keeps the violation itself.
    assert.match(report.findings[0]?.message ?? "", /^reasoner-31323aba \(deployment reasoner on spark\): needs 71\.2 GiB/);
  });

  test("renders mandatory findings first", () => {
    const section = renderPolicyResults(parsePreviewOutput(events()));
    assert.match(section, /^### Policy results\n\nPreview ❌ failed · 6 to create · policy packs: `inference-fabric@0\.1\.0`\n/);
    assert.deepEqual(tableRows(section, "Policy results").map((r) => `${r[0]} ${r[1]}`), [
      "`memory-fit` ❌ mandatory",
      "`gpu-oversubscription` ❌ mandatory",
      "`image-pinned` ⚠️ advisory",
    ]);
  });

  test("says 'no policy violations' for a clean preview", () => {
    const clean = events().split("\n")
      .filter((l) => !l.includes('"policyEvent"') && !l.includes('"severity":"error"'))
      .map((l) => l.replace('"result":"failed"', '"result":"succeeded"'))
      .join("\n");
    const section = renderPolicyResults(parsePreviewOutput(clean));
    assert.match(section, /Preview ✅ succeeded · 6 to create/);
    assert.match(section, /✅ no policy violations/);
  });

  test("the default --json document carries no policy events: says so instead of 'no violations'", () => {
    const report = parsePreviewOutput(readFileSync(fixture("pulumi-preview-digest.json"), "utf8"));
    assert.equal(report.format, "digest");
    assert.equal(report.failed, true);
    const section = renderPolicyResults(report);
    assert.match(section, /policy results unavailable: .*PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true/);
    assert.doesNotMatch(section, /no policy violations/);
  });

  test("rejects output that is not JSON, naming the line", () => {
    assert.throws(() => parsePreviewOutput('{"sequence":0,"timestamp":1,"policyLoadEvent":{}}\nerror: boom\n'), /line 2 is not a Pulumi engine event \(error: boom\)/);
    assert.throws(() => parsePreviewOutput("\n"), /empty/);
  });

  test("scripts/pr-comment.ts prints the plan and the policy results; exit 2 on an unreadable preview", () => {
    const run = prComment([join(repoRoot, homelabFile), "--stack", "homelab", "--preview", fixture("pulumi-preview-events.ndjson")]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^## inference-fabric plan: stack `homelab`/);
    assert.match(run.out, /### Memory fit[\s\S]*### Policy results[\s\S]*`memory-fit` \| ❌ mandatory/);
    const bad = prComment([join(repoRoot, homelabFile), "--preview", join(repoRoot, "README.md")]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /README\.md: line 1 is not a Pulumi engine event/);
    const schema = prComment([fleetFile("machines: 3\n"), "--stack", "x"]);
    assert.equal(schema.code, 0);
    assert.match(schema.out, /cannot be planned:\n\n- .*\[schema\] machines: expected array/);
  });
});
