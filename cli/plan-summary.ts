import { shortErrorBand, widestErrorBandFor } from "../core/fit/error-band";
import type { FitResult } from "../core/fit/types";
import { describeAutoscale } from "../core/plan/autoscale";
import type { Plan } from "../core/plan/types";
import { describeRoute } from "../core/render/route-chain";
import { formatViolation } from "./load-fleet";

/** A human summary of the plan, the form people paste into reviews. */
export function planSummary(file: string, p: Plan): string {
  const lines: string[] = [`Plan for ${file}`, ""];
  lines.push(table(
    ["deployment", "machine", "engine", "port", "budget GiB", "weights GiB", "KV tokens", "KV error", "conc.", "fits", "image"],
    p.engines.map((e) => [e.deployment, e.machine, e.engine, String(e.port), ...memoryCells(e.memory, kvErrorCell(e.engine, e.hardware)), e.image]),
  ));
  if (p.gateway) {
    lines.push("", `${label("gateway")}${p.gateway.url} on ${p.gateway.machine}`);
    for (const r of p.gateway.routes) lines.push(`${label("  route")}${describeRoute(r)}`);
  }
  if (p.monitoring) lines.push(`${label("prometheus")}${p.monitoring.url} (${p.monitoring.targets.length} targets)`);
  if (p.store) lines.push(`${label("store")}${p.store.endpoint} buckets: ${p.store.buckets.join(", ")}`);
  if (p.mesh) lines.push(`${label("mesh")}tailscale ${p.mesh.tailnet}, keys: ${p.mesh.keys.map((k) => k.role).join(", ")}`);
  if (p.burst) {
    lines.push(`${label("burst")}${p.burst.pools.map((b) => `${b.name} (${b.desired}/${b.maxHosts} hosts ≤ $${b.maxPricePerHour}/h)`).join(", ") || "no pools"}, budget $${p.burst.budgetPerHour}/h`);
    for (const b of p.burst.pools) lines.push(`${label("  slots")}${b.name} serves ${b.servedName}: ${b.slots.map((s) => s.baseUrl).join(", ")}`);
  }
  for (const a of p.autoscale) lines.push(`${label("autoscale")}${describeAutoscale(a)}`);
  if (p.autoscaler) lines.push(`${label("  controller")} container on ${p.autoscaler.machine} (${p.autoscaler.container.image}), metrics ${p.autoscaler.metricsUrl}`);
  lines.push(`${label("waves")}${p.waves.map((w, i) => `${i + 1}: ${w.join(", ")}`).join(" | ")}`);
  lines.push("");
  for (const v of p.violations) lines.push(formatViolation(file, v));
  const errors = p.violations.filter((v) => v.severity === "error").length;
  lines.push(errors === 0 ? "no violations" : `${errors} violation${errors > 1 ? "s" : ""}`);
  return lines.join("\n");
}

const label = (name: string): string => name.padEnd(12);

function memoryCells(m: FitResult | null, kvError: string): string[] {
  if (!m) return ["-", "-", "-", "-", "-", "?"];
  return [m.budgetGiB.toFixed(1), m.weightsGiB.toFixed(1), String(m.kvCacheTokens), kvError, m.maxConcurrency.toFixed(2), m.fits ? "yes" : "NO"];
}

/**
 * The KV figure's error measured against real startup logs of this engine on this GPU class (the
 * wider of TP 1 and TP ≥ 2; `fabric fit` gives the exact class); "?" when none was checked, "-" for
 * engines that allocate what they need (llama.cpp, Ollama, TEI).
 */
function kvErrorCell(engine: string, hardware: string): string {
  if (engine !== "vllm" && engine !== "sglang") return "-";
  return shortErrorBand(widestErrorBandFor(engine, hardware));
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
