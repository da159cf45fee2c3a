// `fabric bench`: streaming chat completions against a route (through the stack's gateway), one
// engine (--deployment) or any OpenAI-compatible URL, at a sweep of concurrency levels or request
// rates; figures per level as vLLM's benchmark defines them (README "Benchmark and tune").
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderBenchSvg } from "../core/bench/chart-svg";
import { type BenchPrompt, promptsFromJsonl } from "../core/bench/prompts";
import { renderBenchMarkdown, renderBenchTable } from "../core/bench/report";
import type { GoodputSlo } from "../core/bench/summary";
import { BenchProfile, RecipeSlo } from "../core/fleet/slo";
import { type LoadTarget, clientFor } from "./bench/load";
import { type Level, runBench } from "./bench/run";
import { type StackTarget, deploymentTarget, loadStackFleet, routeTarget } from "./bench/stack-target";
import { type CliIo, EXIT } from "./io";

export const BENCH_USAGE = `usage: fabric bench (--route NAME --stack S | --deployment NAME --stack S | --url URL [--model M]) [options]
  --route NAME          a gateway route of the stack (the master key comes from the stack config)
  --deployment NAME     one engine of the stack directly, e.g. tiny-1
  --url URL             any OpenAI-compatible base URL (…/v1); key from --api-key-env VAR; --model default: the first of GET /models
  --stack S [--cwd DIR] the Pulumi stack whose fabric:fleet and config to read (PULUMI_CONFIG_PASSPHRASE as for pulumi up)
  --concurrency 1,2,4   concurrency levels (default 1,2,4)   | --rate 0.5,1  Poisson request rates instead
  --requests N          measured requests per level (default 32)
  --warmup N            requests first, not measured (default 2)
  --input-tokens N      prompt length (default 128)          --output-tokens N  completion length (default 64)
  --max-seconds S       a level stops sending after S seconds (default 120)
  --seed N              synthetic prompts seed (default 0)   --prompts FILE.jsonl  {"prompt": …, "max_tokens": …} lines
  --goodput ttft:MS,tpot:MS,e2el:MS   per-request thresholds of goodput
  --slo JSON            check an SLO ({"ttftP95Ms":…,"minOutputTokensPerSecond":…,"atConcurrency":…,"maxErrorRate":…}); exit 1 on a miss
  --engine-metrics URL[,URL]  engine /metrics to read before and after (with --url)
  --json | --markdown   output format (default a table)      --svg FILE  throughput and TTFT p95 chart`;

const OPTIONS = {
  route: { type: "string" }, deployment: { type: "string" }, url: { type: "string" }, model: { type: "string" },
  "api-key-env": { type: "string" }, stack: { type: "string" }, cwd: { type: "string" },
  concurrency: { type: "string" }, rate: { type: "string" }, requests: { type: "string" }, warmup: { type: "string" },
  "input-tokens": { type: "string" }, "output-tokens": { type: "string" }, "max-seconds": { type: "string" }, seed: { type: "string" },
  prompts: { type: "string" }, goodput: { type: "string" }, slo: { type: "string" }, "engine-metrics": { type: "string" },
  json: { type: "boolean", default: false }, markdown: { type: "boolean", default: false }, svg: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

class BadInput extends Error {}

function numbers(flag: string, value: string): number[] {
  const list = value.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !(n > 0))) throw new BadInput(`--${flag} takes positive numbers separated by commas, e.g. 1,2,4 (got '${value}')`);
  return list;
}

function intOption(values: Record<string, unknown>, flag: string): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new BadInput(`--${flag} takes an integer (got '${String(raw)}')`);
  return n;
}

/** `ttft:500,tpot:50,e2el:2000` → thresholds in ms (vLLM's --goodput keys). */
export function parseGoodput(value: string): GoodputSlo {
  const keys: Record<string, keyof GoodputSlo> = { ttft: "ttftMs", tpot: "tpotMs", e2el: "e2eMs" };
  const out: Record<string, number> = {};
  for (const part of value.split(",")) {
    const [k, v] = part.split(":");
    const key = keys[k?.trim() ?? ""];
    if (!key || !(Number(v) > 0)) throw new BadInput(`--goodput takes ttft:MS,tpot:MS,e2el:MS (got '${part}')`);
    out[key] = Number(v);
  }
  return out;
}

export function profileFromFlags(values: Record<string, unknown>): BenchProfile {
  const parsed = BenchProfile.safeParse({
    inputTokens: intOption(values, "input-tokens"), outputTokens: intOption(values, "output-tokens"), requests: intOption(values, "requests"),
    warmup: intOption(values, "warmup"), seed: intOption(values, "seed"),
    maxSeconds: values["max-seconds"] === undefined ? undefined : Number(values["max-seconds"]),
  });
  if (!parsed.success) throw new BadInput(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; "));
  return parsed.data;
}

/** Without --model: the first model the server lists (GET /models), else "default". */
async function firstModel(target: LoadTarget): Promise<string> {
  try {
    for await (const m of clientFor(target, 10_000).models.list()) return m.id;
  } catch {
    // A server without /models (or not up yet): the requests will say what is wrong.
  }
  return "default";
}

async function resolveTarget(values: Record<string, string | boolean | undefined>, io: CliIo): Promise<StackTarget> {
  const given = ["route", "deployment", "url"].filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new BadInput("give exactly one of --route, --deployment, --url");
  if (typeof values.url === "string") {
    const base = values.url.replace(/\/+$/, "");
    const keyEnv = values["api-key-env"];
    const apiKey = typeof keyEnv === "string" ? process.env[keyEnv] ?? "" : "";
    if (typeof keyEnv === "string" && !apiKey) throw new BadInput(`--api-key-env ${keyEnv}: that environment variable is empty`);
    const metrics = typeof values["engine-metrics"] === "string" ? values["engine-metrics"].split(",") : [];
    const model = typeof values.model === "string" ? values.model : await firstModel({ baseUrl: base, apiKey, model: "" });
    return { target: { baseUrl: base, apiKey, model }, describe: base, engineMetrics: metrics };
  }
  if (typeof values.stack !== "string") throw new BadInput(`--${given[0]} needs --stack (the stack whose fleet and config to read)`);
  const stack = await loadStackFleet(values.stack, resolve(typeof values.cwd === "string" ? values.cwd : process.cwd()), io.readFile);
  return typeof values.route === "string" ? routeTarget(stack, values.route) : deploymentTarget(stack.plan, values.deployment as string, stack.fleetPath);
}

export async function runBenchCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...args], options: OPTIONS }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${BENCH_USAGE}`);
    return EXIT.badInput;
  }
  if (values.help) {
    io.out(BENCH_USAGE);
    return EXIT.ok;
  }
  let target: StackTarget;
  let levels: Level[];
  let profile: BenchProfile;
  let prompts: BenchPrompt[] | undefined;
  let slo: RecipeSlo | undefined;
  let goodput: GoodputSlo | undefined;
  try {
    if (values.concurrency !== undefined && values.rate !== undefined) throw new BadInput("give --concurrency or --rate, not both");
    levels = values.rate !== undefined
      ? numbers("rate", values.rate).map((rate) => ({ rate }))
      : numbers("concurrency", values.concurrency ?? "1,2,4").map((c) => {
        if (!Number.isInteger(c)) throw new BadInput(`--concurrency takes whole numbers (got ${c})`);
        return { concurrency: c };
      });
    profile = profileFromFlags(values);
    if (values.prompts !== undefined) {
      try {
        prompts = promptsFromJsonl(io.readFile(values.prompts), profile.outputTokens);
      } catch (e) {
        throw new BadInput(`--prompts ${values.prompts}: ${(e as Error).message}`);
      }
    }
    if (values.slo !== undefined) {
      let raw: unknown;
      try {
        raw = JSON.parse(values.slo);
      } catch (e) {
        throw new BadInput(`--slo: not JSON (${(e as Error).message})`);
      }
      const parsed = RecipeSlo.safeParse({ ...(raw as object), profile });
      if (!parsed.success) throw new BadInput(`--slo: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      slo = parsed.data;
    }
    if (values.goodput !== undefined) goodput = parseGoodput(values.goodput);
    target = await resolveTarget(values, io);
  } catch (e) {
    io.err(`fabric bench: ${(e as Error).message}${e instanceof BadInput ? `\n${BENCH_USAGE}` : ""}`);
    return EXIT.badInput;
  }

  const run = await runBench({
    target: target.target, describe: target.describe, profile, levels, engineMetrics: target.engineMetrics,
    ...(prompts ? { prompts } : {}), ...(goodput ? { goodput } : {}), ...(slo ? { slo } : {}),
    progress: process.stderr.isTTY === true && !values.json,
  });
  if (values.json) io.out(JSON.stringify(run, null, 2));
  else if (values.markdown) io.out(renderBenchMarkdown(run));
  else io.out(renderBenchTable(run));
  if (values.svg) {
    io.writeFile(values.svg, renderBenchSvg([{ name: run.model, levels: run.levels }]));
    if (!values.json) io.out(`chart: ${values.svg}`);
  }
  return run.slo && run.slo.misses.length > 0 ? EXIT.violations : EXIT.ok;
}
