// `fabric tune --stack S --machine M --recipes a,b,c`: the seed's tuner loop. Each candidate recipe is
// deployed in turn as a scratch stack on the machine (Automation API; the live stack is never
// touched), benched with one profile, destroyed; the report (table + chart) names the winner with
// its recipe hash, and the fleet change that adopts it is printed as a unified diff (--write applies it).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createTwoFilesPatch } from "diff";
import { isScalar, parseDocument } from "yaml";
import { renderBenchSvg } from "../core/bench/chart-svg";
import { type TuneCandidate, candidateOf, pickWinner, renderTuneMarkdown, renderTuneSummary, scratchFleet, scratchPort } from "../core/bench/tune";
import type { Fleet } from "../core/fleet/schema";
import { plan } from "../core/plan/plan";
import { profileFromFlags } from "./bench";
import { runBench } from "./bench/run";
import { type StackFleet, engineMetricsUrl, loadStackFleet } from "./bench/stack-target";
import { type CliIo, EXIT } from "./io";
import { destroyScratch, upScratch } from "./tune/scratch-stack";

export const TUNE_USAGE = `usage: fabric tune --stack S --machine M --recipes a,b[,c] [options]
  deploys each candidate recipe in turn as a scratch stack <S>-tune-<n> on machine M (one engine,
  named tune-candidate, on its own port; the live stack's engines are not touched), benches it
  directly with one profile, destroys it, and names the winner with its recipe hash.
  --cwd DIR             project directory (default .); PULUMI_CONFIG_PASSPHRASE as for pulumi up
  --port P              the scratch engine's port (default: the first from 18000 the fleet does not use)
  --gpus 0,1            GPU indices of the scratch engine (default the recipe's first tensorParallel GPUs)
  --concurrency 1,2     levels (default 1,2); --requests, --warmup, --input-tokens, --output-tokens,
                        --max-seconds, --seed as for fabric bench
  --report DIR          where report.md, report.json and chart.svg go (default out/tune/<S>-<M>)
  --deployment NAME     the deployment that adopts the winner (default: those on M that run a candidate)
  --write               put the winner into the fleet file (the diff is printed either way)
  --keep                leave the scratch stacks up (for a look; destroy them with pulumi destroy)`;

const OPTIONS = {
  stack: { type: "string" }, machine: { type: "string" }, recipes: { type: "string" }, cwd: { type: "string" },
  port: { type: "string" }, gpus: { type: "string" }, concurrency: { type: "string", default: "1,2" },
  requests: { type: "string" }, warmup: { type: "string" }, "input-tokens": { type: "string" }, "output-tokens": { type: "string" },
  "max-seconds": { type: "string" }, seed: { type: "string" }, report: { type: "string" }, deployment: { type: "string" },
  write: { type: "boolean", default: false }, keep: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
} as const;

/**
 * The fleet text with the winner adopted: by `deployment` when given, else by every deployment on
 * `machine` that runs one of `candidates`. Comments and layout are kept (yaml's Document).
 */
export function adoptWinner(text: string, fleet: Fleet, o: { machine: string; candidates: readonly string[]; winner: string; deployment?: string }): string {
  const doc = parseDocument(text, { keepSourceTokens: true });
  // Only the recipe scalars change, spliced at their source ranges (last first), so the diff is one
  // line per deployment and the rest of the file stays byte for byte.
  const edits = fleet.deployments.flatMap((d, i) => {
    const adopts = o.deployment !== undefined ? d.name === o.deployment : d.machine === o.machine && d.recipe !== undefined && o.candidates.includes(d.recipe);
    const node = doc.getIn(["deployments", i, "recipe"], true);
    return adopts && d.recipe !== o.winner && isScalar(node) && node.range ? [node.range] : [];
  });
  return edits.sort((a, b) => b[0] - a[0]).reduce((t, [start, end]) => `${t.slice(0, start)}${o.winner}${t.slice(end)}`, text);
}

async function tuneOne(stack: StackFleet, recipe: string, index: number, o: { stackName: string; machine: string; port: number; gpus?: number[]; projectDir: string; levels: { concurrency: number }[]; profile: ReturnType<typeof profileFromFlags>; keep: boolean; say: (l: string) => void }): Promise<TuneCandidate> {
  const scratch = scratchFleet(stack.fleet, recipe, { machine: o.machine, port: o.port, ...(o.gpus ? { gpuIndices: o.gpus } : {}) });
  const planned = plan(scratch);
  const errors = planned.violations.filter((v) => v.severity === "error");
  if (errors.length > 0) return candidateOf(stack.fleet, recipe, { failure: `the scratch fleet has violations: ${errors.map((v) => `[${v.rule}] ${v.path}: ${v.message}`).join("; ")}` });
  const deploy = { stackName: `${o.stackName}-tune-${index + 1}`, projectName: stack.projectName, projectDir: o.projectDir, plan: planned, secrets: stack.config, log: o.say };
  const engine = planned.engines[0]!;
  o.say(`fabric tune: candidate ${index + 1} ${recipe} (${engine.recipeHash}): pulumi up of scratch stack ${deploy.stackName}, engine on ${engine.address}:${engine.port}`);
  try {
    const t0 = Date.now();
    await upScratch(deploy);
    o.say(`fabric tune: ${recipe} up in ${((Date.now() - t0) / 1000).toFixed(1)} s; benching`);
    // A recipe's SLO was checked by the gate of the scratch up, with its own profile; this bench is
    // the tune's one profile for every candidate.
    const report = await runBench({
      target: { baseUrl: `http://${engine.address}:${engine.port}/v1`, apiKey: "", model: engine.servedName },
      describe: `${recipe} on ${o.machine} (scratch stack ${deploy.stackName})`, profile: o.profile, levels: o.levels,
      engineMetrics: [engineMetricsUrl(engine) ?? []].flat(),
    });
    return candidateOf(stack.fleet, recipe, { report });
  } catch (e) {
    o.say(`fabric tune: ${recipe} FAILED: ${(e as Error).message}`);
    return candidateOf(stack.fleet, recipe, { failure: (e as Error).message });
  } finally {
    if (!o.keep) {
      await destroyScratch(deploy).catch((e: Error) => o.say(`fabric tune: destroying ${deploy.stackName} failed (destroy it by hand): ${e.message.split("\n")[0]}`));
    }
  }
}

export async function runTune(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...args], options: OPTIONS }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${TUNE_USAGE}`);
    return EXIT.badInput;
  }
  if (values.help) {
    io.out(TUNE_USAGE);
    return EXIT.ok;
  }
  const recipes = (values.recipes ?? "").split(",").map((r) => r.trim()).filter(Boolean);
  const levels = values.concurrency.split(",").map((c) => ({ concurrency: Number(c) }));
  const gpus = values.gpus?.split(",").map(Number);
  let profile;
  try {
    if (!values.stack || !values.machine || recipes.length === 0) throw new Error("--stack, --machine and --recipes are required");
    if (levels.some((l) => !Number.isInteger(l.concurrency) || l.concurrency < 1)) throw new Error(`--concurrency takes whole numbers ≥ 1 (got '${values.concurrency}')`);
    if (gpus?.some((g) => !Number.isInteger(g) || g < 0)) throw new Error(`--gpus takes GPU indices (got '${values.gpus}')`);
    profile = profileFromFlags(values);
  } catch (e) {
    io.err(`fabric tune: ${(e as Error).message}\n${TUNE_USAGE}`);
    return EXIT.badInput;
  }
  const projectDir = resolve(values.cwd ?? process.cwd());
  let stack: StackFleet;
  try {
    stack = await loadStackFleet(values.stack, projectDir, io.readFile);
    for (const r of recipes) scratchFleet(stack.fleet, r, { machine: values.machine, port: 1 });
    const d = values.deployment;
    if (d !== undefined && !stack.fleet.deployments.some((x) => x.name === d && x.machine === values.machine && !x.swap)) {
      throw new Error(`--deployment ${d}: ${stack.fleetPath} has no recipe deployment of that name on machine ${values.machine}`);
    }
  } catch (e) {
    io.err(`fabric tune: ${(e as Error).message}`);
    return EXIT.badInput;
  }
  const port = values.port ? Number(values.port) : scratchPort(stack.fleet);
  const say = (line: string) => io.err(line);
  const candidates: TuneCandidate[] = [];
  for (const [i, recipe] of recipes.entries()) {
    candidates.push(await tuneOne(stack, recipe, i, { stackName: values.stack, machine: values.machine, port, ...(gpus ? { gpus } : {}), projectDir, levels, profile, keep: values.keep, say }));
  }
  const winner = pickWinner(candidates);

  const reportDir = resolve(projectDir, values.report ?? `out/tune/${values.stack}-${values.machine}`);
  const title = `fabric tune: ${recipes.join(", ")} on ${values.machine} (stack ${values.stack})`;
  io.writeFile(resolve(reportDir, "chart.svg"), renderBenchSvg(candidates.flatMap((c) => (c.report ? [{ name: c.recipe, levels: c.report.levels }] : []))));
  io.writeFile(resolve(reportDir, "report.md"), renderTuneMarkdown(title, candidates, winner, "chart.svg"));
  io.writeFile(resolve(reportDir, "report.json"), `${JSON.stringify({ machine: values.machine, candidates, winner: winner ? { recipe: winner.recipe, recipeHash: winner.recipeHash } : null }, null, 2)}\n`);
  io.out(renderTuneSummary(candidates, winner));
  io.out(`report: ${resolve(reportDir, "report.md")} (chart.svg, report.json beside it)`);
  if (!winner) return EXIT.violations;

  const fleetFile = resolve(projectDir, stack.fleetPath);
  const before = io.readFile(fleetFile);
  const after = adoptWinner(before, stack.fleet, { machine: values.machine, candidates: recipes, winner: winner.recipe, ...(values.deployment ? { deployment: values.deployment } : {}) });
  if (after === before) {
    io.out(`${stack.fleetPath} already runs ${winner.recipe} on ${values.machine}: no change`);
    return EXIT.ok;
  }
  io.out(createTwoFilesPatch(`a/${stack.fleetPath}`, `b/${stack.fleetPath}`, before, after, "", "", { context: 3 }).replace(/^=+\n/, ""));
  if (values.write) {
    io.writeFile(fleetFile, after);
    io.out(`wrote ${stack.fleetPath}: review the diff above, commit it, and pulumi up rolls the fleet to ${winner.recipe}`);
  } else {
    io.out("not written: run again with --write (or apply the diff above) to adopt the winner");
  }
  return EXIT.ok;
}
