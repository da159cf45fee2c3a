// Prints the pull-request comment for one stack: the plan of its fleet file (core/render/pr-comment.ts)
// and, given the output of `pulumi preview --json`, the policy results of that preview.
//
//   npx tsx scripts/pr-comment.ts <fleet.yaml> [--stack NAME] [--preview preview.json] [--bench bench.json [--bench-chart URL]]
//
// --preview takes what `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json
// --policy-pack policies` printed: one engine event per line, the only JSON form that carries policy
// violations. The default `--json` document is accepted too, but says nothing about policies.
// Exit 0 when the comment was printed (violations are the comment's business, not the exit code's:
// the workflow gates on `fabric check` and the preview), 2 when an input cannot be read.
// --bench embeds what `fabric bench --json` printed (table and SLO verdict; --bench-chart: the chart's URL).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatViolation, loadFleetFile, withLines } from "../cli/load-fleet";
import { parseBenchReport, renderBenchSection } from "../core/bench/report";
import { plan } from "../core/plan/plan";
import type { Plan } from "../core/plan/types";
import { renderPlanMarkdown } from "../core/render/pr-comment";
import { parsePreviewOutput, renderPolicyResults } from "../core/render/preview-policy";

const USAGE = "usage: tsx scripts/pr-comment.ts <fleet.yaml> [--stack NAME] [--preview preview.json] [--bench bench.json [--bench-chart URL]]";

export function prComment(args: readonly string[], readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): { code: number; out: string; err: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { stack: { type: "string" }, preview: { type: "string" }, bench: { type: "string" }, "bench-chart": { type: "string" } } });
  } catch (e) {
    return { code: 2, out: "", err: `${(e as Error).message}\n${USAGE}` };
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) return { code: 2, out: "", err: USAGE };
  const { stack, preview, bench } = parsed.values;

  let policy = "";
  if (preview !== undefined) {
    try {
      policy = renderPolicyResults(parsePreviewOutput(readFile(preview)));
    } catch (e) {
      return { code: 2, out: "", err: `${preview}: ${(e as Error).message}` };
    }
  }

  let benchSection = "";
  if (bench !== undefined) {
    try {
      benchSection = renderBenchSection(parseBenchReport(readFile(bench)), parsed.values["bench-chart"]);
    } catch (e) {
      return { code: 2, out: "", err: `${bench}: ${(e as Error).message}` };
    }
  }

  const loaded = loadFleetFile(file, { readFile });
  let body: string;
  if (loaded.ok) {
    const computed = plan(loaded.fleet);
    const result: Plan = { ...computed, violations: withLines(computed.violations, loaded.lineOf) };
    body = renderPlanMarkdown({ fleetFile: file, plan: result, ...(stack === undefined ? {} : { stack }) });
  } else {
    // No plan without a valid fleet: the comment says why instead, so the PR still shows it.
    const title = stack === undefined ? `\`${file}\`` : `stack \`${stack}\``;
    const problems = loaded.violations.map((v) => `- ${formatViolation(file, v)}`);
    body = [`## inference-fabric plan: ${title}`, "", `❌ \`${file}\` cannot be planned:`, "", ...problems, ""].join("\n");
  }
  const withPolicy = policy === "" ? body : `${body}\n${policy}\n`;
  return { code: 0, out: benchSection === "" ? withPolicy : `${withPolicy}\n${benchSection}`, err: "" };
}

if (require.main === module) {
  const result = prComment(process.argv.slice(2));
  if (result.out) process.stdout.write(result.out);
  if (result.err) process.stderr.write(`${result.err}\n`);
  process.exitCode = result.code;
}
