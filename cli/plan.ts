import { shellQuote } from "../core/render/shell";
import { join } from "node:path";
import { flaggedSecretValues } from "../core/checks/secrets";
import { plan } from "../core/plan/plan";
import type { Plan } from "../core/plan/types";
import { renderPlanMarkdown } from "../core/render/pr-comment";
import { type CliIo, EXIT } from "./io";
import { parseFleetCommand } from "./fleet-command";
import { formatViolation, loadFleetFile, withLines } from "./load-fleet";
import { renderClusterManifests } from "../core/render/kubernetes/manifests-yaml";
import { planSummary } from "./plan-summary";

const USAGE = "usage: fabric plan <fleet.yaml> [--json | --markdown] [--out DIR]";

/** `fabric plan`: prints the Plan; exit codes as `fabric check`. */
export function runPlan(args: readonly string[], io: CliIo): number {
  const options = { json: { type: "boolean", default: false }, markdown: { type: "boolean", default: false }, out: { type: "string" } } as const;
  const parsed = parseFleetCommand(args, options, USAGE, io);
  if (typeof parsed === "number") return parsed;
  const { file } = parsed;
  const loaded = loadFleetFile(file, io);
  if (!loaded.ok) {
    for (const v of loaded.violations) io.err(formatViolation(file, v));
    return EXIT.badInput;
  }
  const computed = plan(loaded.fleet);
  // A value the secret check refused never reaches stdout or a file, whatever the output format.
  const result = redactPlan({ ...computed, violations: withLines(computed.violations, loaded.lineOf) }, flaggedSecretValues(loaded.fleet));
  const hasErrors = result.violations.some((v) => v.severity === "error");
  if (parsed.values.out) {
    if (hasErrors) io.err(`wrote nothing to ${parsed.values.out}: the fleet has errors (run 'fabric check ${file}'); fix them, then plan again`);
    else writeRenderedFiles(result, parsed.values.out, io);
  }
  if (parsed.values.json) io.out(JSON.stringify(result, null, 2));
  else if (parsed.values.markdown) io.out(renderPlanMarkdown({ fleetFile: file, plan: result }));
  else io.out(planSummary(file, result));
  return hasErrors ? EXIT.violations : EXIT.ok;
}

/** The plan with every occurrence of the given values replaced by `[redacted]`, in every string it holds. */
export function redactPlan(p: Plan, values: readonly string[]): Plan {
  if (values.length === 0) return p;
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return JSON.parse(JSON.stringify(p, (_key, value: unknown) =>
    typeof value === "string" ? sorted.reduce((s, secret) => s.split(secret).join("[redacted]"), value) : value)) as Plan;
}

/** The files a reviewer reads: gateway config, Prometheus config and rules, mesh policy, per-engine argv. */
export function renderedFiles(p: Plan): Record<string, string> {
  const files: Record<string, string> = { "plan.json": `${JSON.stringify(p, null, 2)}\n` };
  if (p.gateway) {
    files["litellm-config.yaml"] = p.gateway.configYaml;
    for (const m of p.gateway.modules) files[join("gateway", m.file)] = m.content;
  }
  if (p.monitoring) {
    files["prometheus.yml"] = p.monitoring.prometheusYml;
    files["prometheus-rules.yml"] = p.monitoring.rulesYml;
  }
  if (p.mesh) files["tailscale-policy.hujson"] = p.mesh.policyHujson;
  for (const c of p.clusters) files[join("kubernetes", `${c.name}.yaml`)] = renderClusterManifests(c);
  for (const e of p.engines) {
    files[join("engines", `${e.deployment}.argv`)] = `${e.argv.map((arg) => shellQuote(arg)).join(" \\\n  ")}\n`;
    for (const f of e.container.files) files[join("engines", e.deployment, f.containerPath.replace(/^\//, ""))] = f.content;
  }
  return files;
}

function writeRenderedFiles(p: Plan, dir: string, io: CliIo): void {
  for (const [name, content] of Object.entries(renderedFiles(p))) io.writeFile(join(dir, name), content);
  io.err(`wrote ${Object.keys(renderedFiles(p)).length} files to ${dir}`);
}
