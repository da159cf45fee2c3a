// `fabric bench`, `fabric tune` and the SLO gate against the real local-test stack (real llama.cpp
// server on CPU with the tiny GGUF, real LiteLLM, Prometheus, MinIO; real pulumi and Docker). The
// figures are asserted for consistency, never for speed: the tokens the bench counted (from the
// usage each response reported) are what the engines' own /metrics counters moved by, the gateway's
// own request counter moved by the requests sent, percentiles are ordered; the gate fails a
// candidate (and a rollout) given an SLO it cannot meet, naming the figure.
// Set-up as test/e2e/local-up.test.ts (Docker, the fabric-test images, pulumi); run under
// `flock /tmp/fabric-e2e.lock` (fixed ports and container names). Missing parts FAIL, never skip.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseDocument } from "yaml";
import type { BenchRun } from "../../cli/bench/run";
import { isHostPath } from "../../components/docker/container-args";
import { placedContainers } from "../../components/plan-containers";
import { engineCountersOf } from "../../cli/bench/engine-counters";
import { renderBenchMarkdown } from "../../core/bench/report";
import type { TuneCandidate } from "../../core/bench/tune";
import type { Distribution } from "../../core/bench/summary";
import type { Plan } from "../../core/plan/types";
import { runCli } from "../support/cli";
import { type ScratchProject, scratchProject } from "../support/pulumi-cli";
import { repoRoot } from "../support/stacks";

const PASSPHRASE = "local-only-not-secret"; // the documented throwaway passphrase of stacks/Pulumi.local*.yaml
const STACK = "local-test";
const FLEET = "stacks/local-test.fleet.yaml";
const SETUP = "run `scripts/setup-docker.sh && scripts/build-test-images.sh` and `source scripts/setup-pulumi.sh` first";
const cacheDir = process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric");
const keep = process.env.FABRIC_KEEP_SCRATCH === "1";
const ENGINE_METRICS = ["http://127.0.0.1:8081/metrics", "http://127.0.0.1:8082/metrics"];
/**
 * A run must end this long after a probe round was over for exact counts: LiteLLM starts the next
 * round healthCheckSeconds (15) after the last one ended.
 */
const QUIET_SECONDS = 10;
/** A round is over when no engine counter has moved for this long (its probes can be seconds apart on a loaded machine). */
const ROUND_SETTLED_MS = 3_000;

interface Run { status: number | null; stdout: string; stderr: string; seconds: number }

function runAsync(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { stderr += `\n[killed after ${timeoutMs} ms]`; child.kill("SIGINT"); }, timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); resolve({ status: null, stdout, stderr: `${stderr}\n${e.message}`, seconds: (Date.now() - t0) / 1000 }); });
    child.on("close", (status) => { clearTimeout(timer); resolve({ status, stdout, stderr, seconds: (Date.now() - t0) / 1000 }); });
  });
}

const tail = (r: Run, lines = 40) => `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => l.trim() && !/from \$PATH/.test(l)).slice(-lines).join("\n");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function docker(args: readonly string[]): Run {
  const t0 = Date.now();
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) assert.fail(`docker ${args[0]} could not run (${r.error.message}); ${SETUP}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

/** Names of this machine's fabric containers (label fabric.machine=local), running or not. */
function stackContainers(): string[] {
  return docker(["ps", "-a", "--filter", "label=fabric.machine=local", "--format", "{{.Names}}"]).stdout.split("\n").filter(Boolean).sort();
}

function state(name: string): string {
  const r = docker(["inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name]);
  return r.status === 0 ? r.stdout.trim() : "missing";
}

/** The engines' own counters, read by the test itself (independently of the bench's reading). */
async function engineCounters(): Promise<{ out: number; prompt: number; at: number }> {
  const all = await Promise.all(ENGINE_METRICS.map(async (u) => engineCountersOf(await (await fetch(u, { signal: AbortSignal.timeout(5_000) })).text())));
  return { out: all.reduce((s, c) => s + (c.outputTokens ?? NaN), 0), prompt: all.reduce((s, c) => s + (c.promptTokens ?? NaN), 0), at: Date.now() };
}

/** LiteLLM's own count of proxied requests (its Prometheus callback), every label set summed. */
async function gatewayRequests(gatewayUrl: string): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}/metrics/`, { signal: AbortSignal.timeout(5_000) })).text();
  return text.split("\n").filter((l) => /^litellm_proxy_total_requests_metric_total\{/.test(l)).reduce((s, l) => s + Number(l.split(" ").at(-1)), 0);
}

function assertOrdered(name: string, d: Distribution | null): void {
  assert.ok(d, `${name} measured`);
  assert.ok(d.p50 <= d.p95 && d.p95 <= d.p99, `${name}: p50 ${d.p50} ≤ p95 ${d.p95} ≤ p99 ${d.p99}`);
  assert.ok(d.p50 >= 0);
}

describe("fabric bench, tune and the SLO gate on the real local-test stack", () => {
  let project: ScratchProject;
  let env: NodeJS.ProcessEnv;
  let plan0: Plan;
  let masterKey = "";

  const fabric = (args: readonly string[], timeoutMs = 300_000) => runAsync(process.execPath, [join(repoRoot, "cli/fabric.js"), ...args], env, project.dir, timeoutMs);
  const pulumi = (args: readonly string[], timeoutMs = 600_000) => runAsync("pulumi", [...args, "--stack", STACK, "--non-interactive"], env, project.dir, timeoutMs);

  before(() => {
    const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 30_000 });
    if (info.error || info.status !== 0) assert.fail(`no Docker engine answers 'docker info'; ${SETUP}`);
    const version = spawnSync("pulumi", ["version"], { encoding: "utf8", timeout: 30_000 });
    if (version.error || version.status !== 0) assert.fail(`no pulumi on PATH; ${SETUP}`);
    const manifest = join(cacheDir, "images", "manifest.json");
    assert.ok(existsSync(manifest), `${manifest} is missing; ${SETUP}`);
    assert.deepEqual(stackContainers(), [], "containers with label fabric.machine=local already exist (another run of the local-test stack?)");
  });

  after(async () => {
    if (!project) return;
    const d = await pulumi(["destroy", "--yes", "--skip-preview"], 300_000);
    if (d.status !== 0) console.log(`after: pulumi destroy failed:\n${tail(d, 20)}`);
    const left = stackContainers();
    if (left.length > 0) {
      console.log(`after: removing leftover containers ${left.join(", ")}`);
      docker(["rm", "-f", ...left]);
    }
    const named = plan0 ? new Set(placedContainers(plan0).flatMap(({ spec }) => spec.volumes.map((v) => v.volume)).filter((v) => !isHostPath(v))) : new Set<string>();
    if (plan0?.monitoring) named.add(`${plan0.monitoring.container.name}-config`);
    const volumes = docker(["volume", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((v) => named.has(v));
    if (volumes.length > 0) docker(["volume", "rm", "-f", ...volumes]);
    if (!keep) rmSync(project.dir, { recursive: true, force: true });
    else console.log(`after: scratch project kept at ${project.dir}`);
  });

  it("1. the local-test stack up (store, the tiny GGUF into MinIO, the fabric), with tune candidates in its fleet", async () => {
    project = scratchProject(PASSPHRASE);
    cpSync(join(repoRoot, "scripts", "local-stack"), join(project.dir, "scripts", "local-stack"), { recursive: true });
    env = { ...process.env, PULUMI_BACKEND_URL: `file://${join(project.dir, ".state")}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_SKIP_UPDATE_CHECK: "true" };
    // Candidates that differ in parallel slots (llama.cpp --parallel), and one with an SLO nothing meets.
    const path = join(project.dir, FLEET);
    const doc = parseDocument(readFileSync(path, "utf8"));
    const base = (doc.getIn(["recipes", "tiny-chat"]) as { toJSON(): Record<string, unknown> }).toJSON();
    doc.setIn(["recipes", "tiny-p1"], { ...base, maxNumSeqs: 1 });
    doc.setIn(["recipes", "tiny-p4"], { ...base, maxNumSeqs: 4 });
    doc.setIn(["recipes", "tiny-slo"], { ...base, slo: { ttftP95Ms: 1, atConcurrency: 1, profile: { requests: 4, warmup: 1, outputTokens: 8, inputTokens: 32 } } });
    writeFileSync(path, doc.toString({ flowCollectionPadding: false, lineWidth: 0 }));
    const planned = runCli(["plan", path, "--json"]);
    assert.equal(planned.code, 0, planned.stderr);
    plan0 = JSON.parse(planned.stdout) as Plan;

    const gguf = (JSON.parse(readFileSync(join(cacheDir, "images", "manifest.json"), "utf8")) as { tinyGguf: string }).tinyGguf;
    const up = await runAsync(process.execPath, ["--import", "tsx", join(project.dir, "scripts/local-stack/main.ts"), "up", "--stack", STACK, "--model", gguf], env, project.dir, 1_200_000);
    assert.equal(up.status, 0, tail(up, 60));
    console.log(`local-test stack up: ${up.seconds.toFixed(1)} s`);
    for (const e of plan0.engines) assert.equal(state(e.container.name), "running healthy", e.container.name);
    const key = spawnSync("pulumi", ["config", "get", "fabric:litellmMasterKey", "--stack", STACK], { cwd: project.dir, env, encoding: "utf8" });
    masterKey = key.stdout.trim();
    assert.match(masterKey, /^sk-/);
  });

  /**
   * Waits for a round of the gateway's health probes (a short completion to every engine each
   * healthCheckSeconds, 15 s here; its prompt and length vary) to hit the engines while nothing else
   * runs, and returns when it is over: the next round is then ~15 s away, time for a bench whose
   * counts must match the engines' exactly.
   */
  async function afterProbeRound(): Promise<number> {
    const read = () => Promise.all(ENGINE_METRICS.map(async (u) => engineCountersOf(await (await fetch(u)).text()).outputTokens!));
    let last = await read();
    const deadline = Date.now() + 40_000;
    let movedAt: number | null = null;
    while (Date.now() < deadline) {
      await sleep(200);
      const now = await read();
      if (now.some((v, i) => v !== last[i])) movedAt = Date.now();
      last = now;
      // The round is over once every engine's probes are in: no counter moved for ROUND_SETTLED_MS.
      if (movedAt !== null && Date.now() - movedAt >= ROUND_SETTLED_MS) return Date.now();
    }
    return assert.fail("no health probe round reached the engines within 40 s (gateway.healthCheckSeconds is 15)");
  }

  it("2. the gateway's health probes reach the engines every healthCheckSeconds (they move the counters too)", async () => {
    const first = await afterProbeRound();
    const second = await afterProbeRound();
    console.log(`two health probe rounds ${((second - first) / 1000).toFixed(1)} s apart`);
    assert.ok(second - first >= 10_000 && second - first <= 30_000, "rounds come every ~15 s");
  });

  /**
   * The engines' counters moved by exactly the tokens the bench counted, when the run (started right
   * after a probe round) ended before the next round could come; past that, only a lower bound holds.
   */
  function assertCounted(run: BenchRun, before: { out: number; prompt: number }, afterRun: { out: number; prompt: number; at: number }, label: string, quietSince: number): boolean {
    const seconds = (afterRun.at - quietSince) / 1000;
    const moved = { out: afterRun.out - before.out, prompt: afterRun.prompt - before.prompt };
    console.log(`${label}: bench counted ${run.sent.outputTokens} output / ${run.sent.inputTokens} prompt tokens in ${run.sent.requests} requests; the engines moved ${moved.out} / ${moved.prompt} (the bench's own reading: ${run.engineCounters?.outputTokens} / ${run.engineCounters?.promptTokens}), ${seconds.toFixed(1)} s after a probe round`);
    if (seconds > QUIET_SECONDS) {
      console.log(`${label}: SLOWER than the probes' quiet window (${QUIET_SECONDS} s): counters checked as a lower bound only`);
      assert.ok(moved.out >= run.sent.outputTokens && moved.prompt >= run.sent.inputTokens);
      return false;
    }
    assert.deepEqual(moved, { out: run.sent.outputTokens, prompt: run.sent.inputTokens }, `${label}: tokens_predicted and prompt tokens (processed + cached) moved by what the usage reported`);
    assert.deepEqual(run.engineCounters, { outputTokens: run.sent.outputTokens, promptTokens: run.sent.inputTokens, requests: null }, `${label}: the bench's own reading agrees (llama.cpp has no request counter)`);
    return true;
  }

  it("3. fabric bench --deployment tiny-1: the engine's counters moved by the tokens the usage reported", async () => {
    const quiet = await afterProbeRound();
    const before = await engineCounters();
    const r = await fabric(["bench", "--deployment", "tiny-1", "--stack", STACK, "--cwd", project.dir, "--concurrency", "1,2", "--requests", "12", "--warmup", "2", "--output-tokens", "16", "--input-tokens", "64", "--json"]);
    const afterRun = await engineCounters();
    assert.equal(r.status, 0, tail(r));
    const run = JSON.parse(r.stdout) as BenchRun;
    assert.equal(run.sent.requests, 2 + 2 * 12);
    assert.equal(run.sent.completed, run.sent.requests, `direct to the engine nothing fails: ${JSON.stringify(run.levels.map((l) => l.errors))}`);
    assert.equal(run.sent.outputTokens, run.sent.requests * 16, "every request got its 16 tokens (usage)");
    for (const l of run.levels) {
      for (const [n, d] of [["TTFT", l.ttftMs], ["TPOT", l.tpotMs], ["ITL", l.itlMs], ["E2E", l.e2eMs]] as const) assertOrdered(`c=${l.concurrency} ${n}`, d);
      assert.equal(l.outputTokens, l.completed * 16);
    }
    assertCounted(run, before, afterRun, "bench --deployment tiny-1", quiet);
  });

  it("4. fabric bench --route chat through the gateway: table, JSON and SVG; counters agree; the key never printed", async () => {
    const gatewayUrl = plan0.gateway!.url;
    const quiet = await afterProbeRound();
    const [before, requestsBefore] = [await engineCounters(), await gatewayRequests(gatewayUrl)];
    const svg = join(project.dir, "out", "bench.svg");
    const r = await fabric(["bench", "--route", "chat", "--stack", STACK, "--cwd", project.dir, "--concurrency", "1,2,4", "--requests", "12", "--warmup", "2", "--output-tokens", "16", "--input-tokens", "64", "--goodput", "ttft:100,tpot:5", "--json", "--svg", svg]);
    const afterRun = await engineCounters();
    assert.equal(r.status, 0, tail(r));
    const sentRequests = (JSON.parse(r.stdout) as BenchRun).sent.requests;
    // LiteLLM counts a request in its success callback, just after the response: poll briefly.
    let requestsAfter = await gatewayRequests(gatewayUrl);
    for (let i = 0; i < 20 && requestsAfter - requestsBefore < sentRequests; i++) {
      await sleep(500);
      requestsAfter = await gatewayRequests(gatewayUrl);
    }
    assert.ok(!`${r.stdout}${r.stderr}`.includes(masterKey), "the master key is never printed");
    const run = JSON.parse(r.stdout) as BenchRun;
    assert.deepEqual(run.levels.map((l) => l.concurrency), [1, 2, 4]);
    for (const l of run.levels) {
      console.log(`route chat c=${l.concurrency}: ${l.completed} ok, ${l.failed} failed (${l.errors.join("; ")}), TTFT p50/p95/p99 ${l.ttftMs?.p50.toFixed(1)}/${l.ttftMs?.p95.toFixed(1)}/${l.ttftMs?.p99.toFixed(1)} ms, ${l.outputTokensPerSecond.toFixed(1)} tok/s`);
      assert.equal(l.requests, 12);
      assert.ok(l.goodput !== null && l.goodput >= 0 && l.goodput <= l.requestsPerSecond + 1e-9, `goodput ${l.goodput} ≤ req/s ${l.requestsPerSecond}`);
      if (l.completed > 0) assertOrdered(`c=${l.concurrency} TTFT`, l.ttftMs);
    }
    assert.match(readFileSync(svg, "utf8"), /^<svg [\s\S]*TTFT p95[\s\S]*<\/svg>\n$/);
    console.log(renderBenchMarkdown(run));
    // FABRIC_BENCH_ARTIFACTS=DIR keeps the chart and the table (the README's figures come from there).
    const artifacts = process.env.FABRIC_BENCH_ARTIFACTS;
    if (artifacts) {
      cpSync(svg, join(artifacts, "bench-local.svg"));
      writeFileSync(join(artifacts, "bench-local.md"), `${renderBenchMarkdown(run)}\n`);
      writeFileSync(join(artifacts, "bench-local.json"), r.stdout);
    }
    console.log(`route chat: the gateway's request counter moved by ${requestsAfter - requestsBefore}; the bench sent ${run.sent.requests}`);
    if (run.sent.completed === run.sent.requests) {
      const exact = assertCounted(run, before, afterRun, "bench --route chat", quiet);
      if (exact) assert.equal(requestsAfter - requestsBefore, run.sent.requests, "the gateway's own request counter moved by the requests sent");
      else assert.ok(requestsAfter - requestsBefore >= run.sent.requests);
    } else {
      assert.ok(requestsAfter - requestsBefore >= run.sent.completed, "the gateway counted at least the completed requests");
      // A failed request through LiteLLM may have reached an engine (and been retried): only a bound holds.
      console.log(`route chat: ${run.sent.requests - run.sent.completed} requests failed through the gateway; counters checked as a lower bound`);
      assert.ok(afterRun.out - before.out >= run.sent.outputTokens);
    }
    const table = await fabric(["bench", "--route", "chat", "--stack", STACK, "--cwd", project.dir, "--concurrency", "1", "--requests", "4", "--warmup", "0", "--output-tokens", "8"]);
    assert.equal(table.status, 0, tail(table));
    assert.match(table.stdout, /^route chat via http:\/\/127\.0\.0\.1:4000, model chat: /);
    assert.match(table.stdout, /\nc=1 +4\/0 +0\.0 /);
    console.log(table.stdout);
  });

  it("5. fabric tune: candidates differing in --parallel are deployed, benched and ranked; the SLO gate fails the one it cannot pass; the winner goes into the fleet as a diff", async () => {
    const fleetBefore = readFileSync(join(project.dir, FLEET), "utf8");
    const live = plan0.engines.map((e) => e.container.name);
    const r = await fabric(["tune", "--stack", STACK, "--cwd", project.dir, "--machine", "local", "--recipes", "tiny-p1,tiny-p4,tiny-slo",
      "--deployment", "tiny", "--concurrency", "1,4", "--requests", "12", "--warmup", "1", "--output-tokens", "16", "--input-tokens", "64", "--write"], 900_000);
    console.log(`fabric tune (${r.seconds.toFixed(1)} s):\n${r.stdout}\n${r.stderr.split("\n").filter((l) => l.startsWith("fabric tune")).join("\n")}`);
    assert.equal(r.status, 0, tail(r, 60));
    for (const n of live) assert.equal(state(n), "running healthy", `the live engine ${n} was not touched`);
    assert.deepEqual(stackContainers().filter((n) => n.startsWith("tune-candidate")), [], "every scratch engine was destroyed");
    const stacks = spawnSync("pulumi", ["stack", "ls", "--json"], { cwd: project.dir, env, encoding: "utf8" });
    assert.deepEqual((JSON.parse(stacks.stdout) as { name: string }[]).map((s) => s.name).filter((n) => n.includes("tune")), [], "every scratch stack was removed");

    const reportDir = join(project.dir, "out", "tune", `${STACK}-local`);
    const report = JSON.parse(readFileSync(join(reportDir, "report.json"), "utf8")) as { candidates: (TuneCandidate & { report?: BenchRun })[]; winner: { recipe: string; recipeHash: string } };
    const [p1, p4, slo] = report.candidates;
    assert.match(slo!.failure ?? "", /^SLO gate after rollout wave 1: tune-candidate \(recipe tiny-slo\) at concurrency 1: TTFT p95 [\d.]+ ms > 1 ms \(missed by [\d.]+ ms\)/);
    for (const c of [p1!, p4!]) {
      assert.equal(c.failure, undefined, `${c.recipe} came up`);
      const run = c.report!;
      // No gateway in front of a scratch engine: its counters moved by exactly what the bench counted.
      assert.equal(run.engineCounters?.outputTokens, run.sent.outputTokens, `${c.recipe}: output tokens = the engine's tokens_predicted`);
      assert.equal(run.engineCounters?.promptTokens, run.sent.inputTokens, `${c.recipe}: prompt tokens = the engine's prompt tokens (processed + cached)`);
      for (const l of run.levels) assertOrdered(`${c.recipe} c=${l.concurrency} TTFT`, l.ttftMs);
    }
    assert.ok(["tiny-p1", "tiny-p4"].includes(report.winner.recipe), `winner ${report.winner.recipe}`);
    assert.match(r.stdout, new RegExp(`winner: ${report.winner.recipe} \\(recipe hash ${report.winner.recipeHash}\\)`));
    assert.match(readFileSync(join(reportDir, "report.md"), "utf8"), /## tiny-p4 \([0-9a-f]{12}\)[\s\S]*\| c=4 \|/);
    assert.match(readFileSync(join(reportDir, "chart.svg"), "utf8"), /tiny-p1[\s\S]*tiny-p4/);
    assert.match(r.stdout, new RegExp(`^-  - \\{name: tiny, recipe: tiny-chat, machine: local, port: 8081, replicas: 2\\}$\\n^\\+  - \\{name: tiny, recipe: ${report.winner.recipe}, machine: local, port: 8081, replicas: 2\\}$`, "m"), "the diff: that one line");
    const fleetAfter = readFileSync(join(project.dir, FLEET), "utf8");
    assert.equal(fleetAfter, fleetBefore.replace("recipe: tiny-chat, machine: local", `recipe: ${report.winner.recipe}, machine: local`), "--write changed that one line");
  });

  it("6. an SLO-gated rollout: wave 1 rolls, the gate fails the up naming the figure, wave 2 keeps its engine, the gateway serves", async () => {
    const path = join(project.dir, FLEET);
    const doc = parseDocument(readFileSync(path, "utf8"));
    const winner = String((doc.getIn(["deployments", 0]) as { get(k: string): unknown }).get("recipe"));
    doc.setIn(["recipes", winner, "maxModelLen"], 2048);
    doc.setIn(["recipes", winner, "slo"], { ttftP95Ms: 1, atConcurrency: 1, profile: { requests: 4, warmup: 1, outputTokens: 8, inputTokens: 32 } });
    writeFileSync(path, doc.toString({ flowCollectionPadding: false, lineWidth: 0 }));
    const planned = runCli(["plan", path, "--json"]);
    const plan1 = JSON.parse(planned.stdout) as Plan;
    const current = stackContainers().filter((n) => /^tiny-\d-/.test(n));
    const [new1, new2] = plan1.engines.map((e) => e.container.name);
    assert.ok(!current.includes(new1!) && !current.includes(new2!), `a recipe change: ${current.join(", ")} -> ${new1}, ${new2}`);

    const up = await pulumi(["up", "--yes", "--skip-preview"], 900_000);
    console.log(`SLO-gated up (${up.seconds.toFixed(1)} s), status ${up.status}:\n${tail(up, 12)}`);
    assert.notEqual(up.status, 0, "the up fails at the gate");
    const gateLine = `${up.stdout}\n${up.stderr}`.split("\n").find((l) => l.includes("SLO gate after rollout wave"));
    console.log(`the gate's message: ${gateLine?.trim()}`);
    assert.match(`${up.stdout}${up.stderr}`, /SLO gate after rollout wave 1: tiny-1 \(recipe [a-z0-9-]+\) at concurrency 1: TTFT p95 [\d.]+ ms > 1 ms \(missed by [\d.]+ ms\)/);
    assert.equal(state(new1!), "running healthy", "wave 1 rolled");
    assert.equal(state(new2!), "missing", "wave 2 never started");
    const old2 = current.find((n) => n.startsWith("tiny-2-"))!;
    assert.equal(state(old2), "running healthy", "the wave-2 engine keeps serving the old recipe");
    const reply = await fetch(`${plan0.gateway!.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}`, connection: "close" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }], max_tokens: 4 }), signal: AbortSignal.timeout(60_000),
    });
    assert.equal(reply.status, 200, await reply.text());
  });
});
