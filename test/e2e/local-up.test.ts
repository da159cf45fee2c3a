// The first real `pulumi up` of the fabric: the `local-test` stack (stacks/local-test.fleet.yaml)
// with the real engine, the real Docker provider and real containers, bound to 127.0.0.1 on host
// networking. In order: store first and the tiny GGUF uploaded into MinIO; the whole fabric up and
// serving (health, Prometheus targets, a chat completion through the gateway, the model synced from
// MinIO); no perpetual diff; a recipe rollout under load, one wave at a time, with zero failed
// requests; an engine removed by hand and restored by refresh + up; destroy leaves nothing behind.
// Needs the set-up to have run first:
//   source scripts/env.sh && source scripts/setup-pulumi.sh   pulumi + the docker provider on PATH
//   scripts/setup-docker.sh                                    dockerd --bridge=none --iptables=false
//   scripts/build-test-images.sh                               the fabric-test/* images + the tiny GGUF
// Missing Docker, an image or the engine FAILS here, naming the script: never a silent skip.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isHostPath } from "../../components/docker/container-args";
import { placedContainers } from "../../components/plan-containers";
import type { Plan } from "../../core/plan/types";
import { runCli } from "../support/cli";
import { type ScratchProject, scratchProject } from "../support/pulumi-cli";
import { repoRoot } from "../support/stacks";
import { statModel, storeModel, uploadModel } from "../../scripts/local-stack/store-model";
import { type PreviewSteps, storeRoots, targetClosure } from "../../scripts/local-stack/targets";

const PASSPHRASE = "local-only-not-secret"; // the documented throwaway passphrase of stacks/Pulumi.local.yaml
const STACK = "local-test";
const FLEET = "stacks/local-test.fleet.yaml";
const SETUP = "run `scripts/setup-docker.sh && scripts/build-test-images.sh` (the project set-up does both)";
const cacheDir = process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric");
const manifestPath = join(cacheDir, "images", "manifest.json");
const keep = process.env.FABRIC_KEEP_SCRATCH === "1";

interface Run { status: number | null; stdout: string; stderr: string; seconds: number }

function docker(args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Run {
  const t0 = Date.now();
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env });
  if (r.error) assert.fail(`docker ${args[0]} could not run (${r.error.message}); ${SETUP}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

/** `docker`, without blocking the event loop (the load generator and the monitor run meanwhile). */
function dockerAsync(args: readonly string[], timeoutMs = 30_000): Promise<Run> {
  return runAsync("docker", args, { env: process.env, cwd: process.cwd(), timeoutMs });
}

function runAsync(cmd: string, args: readonly string[], o: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { stderr += `\n[killed after ${o.timeoutMs} ms]`; child.kill("SIGINT"); }, o.timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); resolve({ status: null, stdout, stderr: `${stderr}\n${e.message}`, seconds: (Date.now() - t0) / 1000 }); });
    child.on("close", (status) => { clearTimeout(timer); resolve({ status, stdout, stderr, seconds: (Date.now() - t0) / 1000 }); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scratch project's pulumi, with stdout and stderr apart (JSON) and an async form (runs under load). */
class Pulumi {
  constructor(readonly project: ScratchProject) {}
  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${join(this.project.dir, ".state")}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_HOME: process.env.PULUMI_HOME ?? join(homedir(), ".pulumi"),
    };
  }
  run(args: readonly string[], timeoutMs = 600_000): Run {
    const t0 = Date.now();
    const r = spawnSync("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: this.project.dir, env: this.env(), encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 });
    if (r.error && !r.stdout && !r.stderr) assert.fail(`pulumi could not run (${r.error.message}): source scripts/env.sh && source scripts/setup-pulumi.sh first`);
    return { status: r.status, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`, seconds: (Date.now() - t0) / 1000 };
  }
  runAsync(args: readonly string[], timeoutMs = 600_000): Promise<Run> {
    return runAsync("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: this.project.dir, env: this.env(), timeoutMs });
  }
}

/** The last lines of a pulumi run, without the provider-on-PATH warnings. */
function tail(r: Run, lines = 60): string {
  return `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => !/using pulumi-resource-docker from \$PATH/.test(l) && l.trim() !== "").slice(-lines).join("\n");
}

/** The resource steps a pulumi run took ("++ docker:index:Container litellm created replacement (11s) [diff: ~uploads]"). */
function steps(r: Run): string {
  return `${r.stdout}`.split("\n").filter((l) => /\b(created|deleted|updated|replaced|refreshed)\b( replacement| original)?\s*\(/.test(l) || /\[diff: /.test(l) || /^\s+[-+~]\d* *(to )?(create|update|replace|delete|created|updated|replaced|deleted|unchanged)|^\s+[-+~]+ ?\d+ |^\s+\d+ unchanged/.test(l)).map((l) => `  ${l.trim()}`).join("\n");
}

function planOf(fleetPath: string): Plan {
  const r = runCli(["plan", fleetPath, "--json"]);
  assert.equal(r.code, 0, `fabric plan ${fleetPath}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Plan;
}

interface Inspect {
  Name: string;
  Config: { Labels: Record<string, string> };
  State: { Status: string; ExitCode: number; StartedAt: string; FinishedAt: string; Health?: { Status: string; Log: { Start: string; End: string; ExitCode: number }[] } };
}

function inspect(name: string): Inspect | undefined {
  const r = docker(["inspect", name]);
  return r.status === 0 ? (JSON.parse(r.stdout) as Inspect[])[0] : undefined;
}

/** Names of the containers of this stack (label fabric.machine=local), all states. */
function stackContainers(): string[] {
  const r = docker(["ps", "-a", "--filter", "label=fabric.machine=local", "--format", "{{.Names}}"]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean).sort();
}

/** Every named Docker volume the stack creates: the plan's container volumes and Prometheus' config volume. */
function planVolumes(p: Plan): string[] {
  const named = placedContainers(p).flatMap(({ spec }) => spec.volumes.map((v) => v.volume)).filter((v) => !isHostPath(v));
  if (p.monitoring) named.push(`${p.monitoring.container.name}-config`);
  return [...new Set(named)].sort();
}

/** Every container name the plan deploys (long-running and one-shot). */
function planContainers(p: Plan): string[] {
  return [
    ...p.engines.flatMap((e) => [e.container.name, ...(e.modelSync ? [e.modelSync.container.name] : [])]),
    ...(p.gateway ? [p.gateway.container.name] : []),
    ...(p.store ? [p.store.container.name, `${p.store.container.name}-setup`] : []),
    ...(p.monitoring ? [p.monitoring.container.name] : []),
    ...p.machines.flatMap((m) => m.exporters.map((x) => x.name)),
  ];
}

interface Chat { ok: boolean; detail: string; ms: number }

async function chat(url: string, key: string, timeoutMs = 60_000): Promise<Chat> {
  const t0 = Date.now();
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      // A fresh connection per request: a pooled keep-alive socket that the gateway (uvicorn, 5 s idle
      // timeout) closes just as the client reuses it fails with "other side closed" before the gateway
      // sees the request — a client race, not a gateway failure (seen once in CI at +0.0 s of the load).
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, connection: "close" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Say something." }], max_tokens: 8 }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.text();
    if (res.status !== 200) return { ok: false, detail: `HTTP ${res.status}: ${body.slice(0, 300)}`, ms: Date.now() - t0 };
    const parsed = JSON.parse(body) as { choices?: { message?: { content?: string } }[]; usage?: { completion_tokens?: number } };
    const content = parsed.choices?.[0]?.message?.content ?? "";
    const tokens = parsed.usage?.completion_tokens ?? 0;
    if (content.length === 0 || tokens <= 0) return { ok: false, detail: `no tokens: ${body.slice(0, 300)}`, ms: Date.now() - t0 };
    return { ok: true, detail: `${tokens} tokens: ${JSON.stringify(content)}`, ms: Date.now() - t0 };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, detail: `${(e as Error).name}: ${(e as Error).message}${cause ? ` (${cause.code ?? ""} ${cause.message ?? ""})` : ""}`, ms: Date.now() - t0 };
  }
}

/** Polls `fn` until it returns a value, at most `timeoutMs`; fails with the last reason. */
async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | string> | T | string, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const r = await fn();
    if (typeof r !== "string") return r;
    last = r;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s; last: ${last}`);
    await sleep(intervalMs);
  }
}

/** When a container turned healthy: the earliest successful probe in its health log, or an observation. */
function healthyAt(c: Inspect, observed: number | undefined): number | undefined {
  const ok = (c.State.Health?.Log ?? []).filter((l) => l.ExitCode === 0).map((l) => Date.parse(l.End));
  const candidates = [...ok, ...(observed !== undefined ? [observed] : [])];
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

describe("local-test stack: a real `pulumi up` of the fabric on this machine's Docker", () => {
  let project: ScratchProject;
  let pulumi: Pulumi;
  let plan0: Plan;
  let plan1: Plan; // after the rollout (maxModelLen 2048)
  let gguf = "";
  let masterKey = "";
  let rootUser = "";
  let rootPassword = "";
  let gatewayUrl = "";
  let promUrl = "";

  before(() => {
    const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 30_000 });
    if (info.error || info.status !== 0) assert.fail(`no Docker engine answers 'docker info' (${(info.error?.message ?? info.stderr).trim()}); ${SETUP}`);
    const version = spawnSync("pulumi", ["version"], { encoding: "utf8", timeout: 30_000 });
    if (version.error || version.status !== 0) assert.fail(`no pulumi on PATH (${version.error?.message ?? version.stderr}); source scripts/env.sh && source scripts/setup-pulumi.sh`);

    plan0 = planOf(join(repoRoot, FLEET));
    const images = new Set(placedContainers(plan0).map(({ spec }) => spec.image));
    const missing = [...images].filter((i) => docker(["image", "inspect", "--format", "{{.Id}}", i]).status !== 0);
    assert.deepEqual(missing, [], `images missing: ${missing.join(", ")}; ${SETUP}`);
    assert.ok(existsSync(manifestPath), `${manifestPath} is missing; ${SETUP}`);
    gguf = (JSON.parse(readFileSync(manifestPath, "utf8")) as { tinyGguf: string }).tinyGguf;
    assert.ok(gguf && existsSync(gguf), `the tiny GGUF (${gguf}) is missing; ${SETUP}`);

    // Another run (or a crashed one) would collide on names and 127.0.0.1 ports: refuse, naming what is there.
    const present = stackContainers();
    assert.deepEqual(present, [], `containers with label fabric.machine=local already exist (another run of this stack?): ${present.join(", ")}`);
    const volumes = docker(["volume", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((v) => planVolumes(plan0).includes(v));
    assert.deepEqual(volumes, [], `volumes of the local-test stack already exist (left by an earlier run?): ${volumes.join(", ")}`);

    gatewayUrl = plan0.gateway!.url;
    promUrl = plan0.monitoring!.url;
    for (const u of [gatewayUrl, promUrl, plan0.store!.endpoint]) assert.match(u, /^http:\/\/127\.0\.0\.1:\d+$/, "loopback only");
  });

  after(async () => {
    if (!project) return;
    const names = new Set([...planContainers(plan0), ...(plan1 ? planContainers(plan1) : [])]);
    const live = stackContainers();
    if (live.length > 0 || existsSync(join(project.dir, ".state"))) {
      const d = pulumi.run(["destroy", "--yes", "--skip-preview"], 300_000);
      if (d.status !== 0) console.log(`after: pulumi destroy failed (status ${d.status}):\n${tail(d, 30)}`);
    }
    // Whatever destroy did not remove (a failed destroy, or resources the state lost): by name and label.
    const left = stackContainers().filter((n) => names.has(n) || n.startsWith("prometheus-config-"));
    if (left.length > 0) {
      console.log(`after: removing leftover containers ${left.join(", ")}`);
      docker(["rm", "-f", ...left]);
    }
    const vols = docker(["volume", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((v) => planVolumes(plan0).includes(v));
    if (vols.length > 0) {
      console.log(`after: removing leftover volumes ${vols.join(", ")}`);
      docker(["volume", "rm", "-f", ...vols]);
    }
    if (!keep) rmSync(project.dir, { recursive: true, force: true });
    else console.log(`after: scratch project kept at ${project.dir}`);
  });

  it("1. scratch project, stack local-test with the local stack's config and the local-test fleet", () => {
    project = scratchProject(PASSPHRASE);
    pulumi = new Pulumi(project);
    assert.match(readFileSync(join(project.dir, `stacks/Pulumi.${STACK}.yaml`), "utf8"), new RegExp(`^ {2}fabric:fleet: ${FLEET}$`, "m"));
    const init = spawnSync("pulumi", ["stack", "init", STACK, "--non-interactive"], {
      cwd: project.dir, encoding: "utf8", timeout: 60_000,
      env: { ...process.env, PULUMI_BACKEND_URL: `file://${join(project.dir, ".state")}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    assert.equal(init.status, 0, `${init.stdout}\n${init.stderr}`);
    assert.equal(pulumi.run(["config", "get", "fabric:fleet"]).stdout.trim(), FLEET);
    const secret = (key: string): string => {
      const r = pulumi.run(["config", "get", `fabric:${key}`]);
      assert.equal(r.status, 0, `config get fabric:${key} (same passphrase and encryptionsalt as Pulumi.local.yaml?): ${r.stderr}`);
      return r.stdout.trim();
    };
    masterKey = secret("litellmMasterKey");
    rootUser = secret("minioRootUser");
    rootPassword = secret("minioRootPassword");
    assert.match(masterKey, /^sk-/);
    assert.ok(rootPassword.length >= 8);
  });

  it("2. the store first (targeted up), then the tiny GGUF uploaded where the engines' sync mirrors from", async () => {
    const preview = pulumi.run(["preview", "--json"]);
    assert.equal(preview.status, 0, tail(preview));
    const steps = JSON.parse(preview.stdout) as PreviewSteps;
    const roots = storeRoots(steps);
    assert.equal(roots.length, 2, `the store's MinIO and setup containers in the preview: ${roots.join(", ")}`);
    const targets = targetClosure(steps, roots); // what scripts/main targets too
    assert.ok(!targets.some((u) => /Engine|gateway|monitoring/.test(u)), `the store's closure stays out of engines, gateway, monitoring: ${targets.join("\n")}`);
    const up = pulumi.run(["up", "--yes", "--skip-preview", ...targets.map((t) => `--target=${t}`)]);
    assert.equal(up.status, 0, tail(up));
    console.log(`store up (targeted, ${targets.length} resources): ${up.seconds.toFixed(1)} s`);

    const store = plan0.store!;
    const minio = inspect(store.container.name);
    assert.equal(`${minio?.State.Status} ${minio?.State.Health?.Status}`, "running healthy");
    const setup = inspect(`${store.container.name}-setup`);
    assert.equal(setup?.State.Status, "exited");
    assert.equal(setup?.State.ExitCode, 0, docker(["logs", `${store.container.name}-setup`]).stderr);
    assert.deepEqual(stackContainers(), [store.container.name, `${store.container.name}-setup`].sort(), "only the store is up");

    const model = storeModel(plan0);
    const creds = { user: rootUser, password: rootPassword };
    assert.equal(statModel(model, creds).ok, false, `store/${model.object} is not there before the upload`);
    const put = uploadModel(model, creds, gguf);
    assert.ok(put.ok, `mc cp into ${model.object}: ${put.detail}`);
    const size = readFileSync(gguf).length;
    assert.equal(put.size, size, `store/${model.object} has the GGUF's ${size} bytes: ${put.detail}`);
    const object = model.object;
    console.log(`uploaded ${gguf} (${size} bytes) to store/${object}`);
  });

  it("3. pulumi up: every container healthy, every Prometheus target up, a chat completion through the gateway, the model from MinIO", async () => {
    const up = pulumi.run(["up", "--yes", "--skip-preview"]);
    assert.equal(up.status, 0, tail(up));
    console.log(`pulumi up (the rest of the fabric): ${up.seconds.toFixed(1)} s`);

    const longRunning = [
      ...plan0.engines.map((e) => e.container.name), plan0.gateway!.container.name, plan0.store!.container.name,
      plan0.monitoring!.container.name, ...plan0.machines.flatMap((m) => m.exporters.map((x) => x.name)),
    ];
    const states = Object.fromEntries(longRunning.map((n) => { const c = inspect(n); return [n, `${c?.State.Status ?? "missing"} ${c?.State.Health?.Status ?? "no-health"}`]; }));
    assert.deepEqual(states, Object.fromEntries(longRunning.map((n) => [n, "running healthy"])));
    const oneShots = stackContainers().filter((n) => !longRunning.includes(n));
    assert.ok(oneShots.length === plan0.engines.length + 2, `one-shots: the syncs, the store setup, the config writer: ${oneShots.join(", ")}`);
    for (const n of oneShots) {
      const c = inspect(n)!;
      assert.equal(`${c.State.Status} ${c.State.ExitCode}`, "exited 0", `${n}: ${docker(["logs", n]).stderr.slice(-1500)}`);
    }

    // Prometheus: every planned target plus itself, all up (scrape interval 5 s; bounded poll).
    const expected = plan0.monitoring!.targets.length + 1;
    type Target = { labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string };
    let lastTargets: Target[] = [];
    try {
      await waitFor("every Prometheus target up", 90_000, async () => {
        const res = await fetch(`${promUrl}/api/v1/targets`, { signal: AbortSignal.timeout(5_000) }).catch((e: Error) => e);
        if (res instanceof Error) return res.message;
        lastTargets = ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
        const down = lastTargets.filter((t) => t.health !== "up");
        return lastTargets.length === expected && down.length === 0 ? true : `${lastTargets.length}/${expected} targets, down: ${down.map((t) => `${t.scrapeUrl} (${t.health}: ${t.lastError})`).join("; ")}`;
      });
    } finally {
      console.log(`prometheus targets:\n${lastTargets.map((t) => `  ${t.labels.job} ${t.scrapeUrl} ${t.health} ${t.lastError}`).join("\n")}`);
    }
    assert.ok(lastTargets.some((t) => t.labels.job === "litellm" && new URL(t.scrapeUrl).pathname === "/metrics/"), "the gateway is scraped at /metrics/");

    const reply = await chat(gatewayUrl, masterKey);
    assert.ok(reply.ok, `chat completion through the gateway: ${reply.detail}`);
    console.log(`chat completion (model chat): ${reply.detail} in ${reply.ms} ms`);

    // The model came from MinIO: the syncs exited 0 and the file in the cache volume is the uploaded one.
    const e = plan0.engines[0]!;
    const file = e.container.args[e.container.args.indexOf("-m") + 1]!;
    const mount = e.container.volumes.find((v) => file.startsWith(`${v.containerPath}/`))!;
    assert.ok(mount, `${file} is on a volume`);
    const sum = docker(["run", "--rm", "--network", "none", "-v", `${mount.volume}:${mount.containerPath}:ro`, "--entrypoint", "/bin/sh", e.modelSync!.container.image, "-c", `sha256sum ${file}`]);
    assert.equal(sum.status, 0, `${file} in volume ${mount.volume}: ${sum.stderr}`);
    const local = spawnSync("sha256sum", [gguf], { encoding: "utf8" }).stdout.split(" ")[0];
    assert.equal(sum.stdout.split(" ")[0], local, `${file} in ${mount.volume} is the GGUF uploaded to MinIO`);
    for (const en of plan0.engines) {
      const sync = inspect(en.modelSync!.container.name)!;
      assert.equal(sync.State.ExitCode, 0);
      const engine = inspect(en.container.name)!;
      assert.ok(Date.parse(engine.State.StartedAt) >= Date.parse(sync.State.FinishedAt), `${en.container.name} started after its sync finished`);
    }
  });

  it("4. pulumi preview --expect-no-changes right after: zero changes", () => {
    const preview = pulumi.run(["preview", "--expect-no-changes", "--diff"]);
    const changed = `${preview.stdout}`.split("\n").filter((l) => /^\s*[~+-]{1,2}\s|^\s+[~+-] \w+\s*:/.test(l) || /to (create|update|replace|delete)/.test(l));
    assert.equal(preview.status, 0, `perpetual diff:\n${changed.join("\n")}\n---\n${tail(preview, 80)}`);
  });

  it("5. rollout of a new recipe under load: zero failed requests, one wave at a time", async () => {
    const fleetPath = join(project.dir, FLEET);
    const fleet = readFileSync(fleetPath, "utf8");
    assert.equal(fleet.match(/^ {4}maxModelLen: 4096$/gm)?.length, 1, "the recipe's maxModelLen line");
    writeFileSync(fleetPath, fleet.replace(/^ {4}maxModelLen: 4096$/m, "    maxModelLen: 2048"));
    plan1 = planOf(fleetPath);
    const [old1, old2] = plan0.engines.map((e) => e.container.name);
    const [new1, new2] = plan1.engines.map((e) => e.container.name);
    assert.ok(new1 && new2 && new1 !== old1 && new2 !== old2, `the recipe hash is in the names: ${old1},${old2} -> ${new1},${new2}`);
    assert.deepEqual(plan1.waves, [[plan1.engines[0]!.deployment], [plan1.engines[1]!.deployment]], "one engine per wave");

    // Monitor: when each engine container is first seen healthy, and the fewest healthy engines at any time.
    const seenHealthy = new Map<string, number>();
    let minHealthy = Number.POSITIVE_INFINITY;
    let stop = false;
    const monitor = (async () => {
      while (!stop) {
        const r = await dockerAsync(["ps", "--filter", "label=fabric.engine", "--format", "{{.Names}}\t{{.Status}}"]);
        if (r.status === 0) {
          const healthy = r.stdout.split("\n").filter((l) => /\(healthy\)/.test(l)).map((l) => l.split("\t")[0]!);
          for (const n of healthy) if (!seenHealthy.has(n)) seenHealthy.set(n, Date.now());
          minHealthy = Math.min(minHealthy, healthy.length);
        }
        await sleep(300);
      }
    })();

    // Load: 5 requests/s, at most 600, until the up ends; every request bounded.
    let sent = 0;
    const failures: string[] = [];
    const inFlight: Promise<void>[] = [];
    const t0 = Date.now();
    const load = (async () => {
      while (!stop && sent < 600) {
        sent += 1;
        const n = sent;
        inFlight.push(chat(gatewayUrl, masterKey).then((r) => { if (!r.ok) failures.push(`#${n} at +${((Date.now() - t0) / 1000).toFixed(1)} s: ${r.detail}`); }));
        await sleep(200);
      }
    })();
    const up = await pulumi.runAsync(["up", "--yes", "--skip-preview"]);
    stop = true;
    await load;
    await Promise.all(inFlight);
    await monitor;
    const wall = up.seconds;
    console.log(`rollout up steps:\n${steps(up)}`);
    assert.equal(up.status, 0, tail(up));

    const c1 = inspect(new1)!;
    const c2 = inspect(new2)!;
    assert.ok(c1 && c2, `new containers ${new1}, ${new2} exist`);
    assert.equal(inspect(old1!), undefined, `${old1} was removed`);
    assert.equal(inspect(old2!), undefined, `${old2} was removed`);
    const start1 = Date.parse(c1.State.StartedAt);
    const start2 = Date.parse(c2.State.StartedAt);
    const healthy1 = healthyAt(c1, seenHealthy.get(new1));
    const healthy2 = healthyAt(c2, seenHealthy.get(new2));
    assert.ok(healthy1 !== undefined && healthy2 !== undefined, "both new engines turned healthy");
    const ready = ((healthy1 - start1) + (healthy2 - start2)) / 1000;
    console.log([
      `rollout: requests sent ${sent}, failed ${failures.length}`,
      `rollout wall time (pulumi up) ${wall.toFixed(1)} s; engine ready times ${((healthy1 - start1) / 1000).toFixed(1)} s + ${((healthy2 - start2) / 1000).toFixed(1)} s = ${ready.toFixed(1)} s (ratio ${(wall / ready).toFixed(2)}); settle between the waves ${plan1.waveSettleSeconds} s`,
      `${new1} started ${c1.State.StartedAt}, healthy by ${new Date(healthy1).toISOString()}; ${new2} started ${c2.State.StartedAt} (+${((start2 - healthy1) / 1000).toFixed(1)} s after ${new1} healthy)`,
      `fewest healthy engines seen during the rollout: ${minHealthy}`,
      `failures: ${failures.filter((f) => /fetch failed/.test(f)).length} gateway unreachable at ${gatewayUrl} (${[...new Set(failures.filter((f) => /fetch failed/.test(f)).map((f) => f.replace(/^.*fetch failed/, "").trim()))].join(", ")}), ${failures.filter((f) => !/fetch failed/.test(f)).length} errors from the gateway`,
      ...failures.filter((f) => !/fetch failed/.test(f)).map((f) => `  ${f}`),
    ].join("\n"));
    assert.ok(start2 > healthy1, `${new2} started (${c2.State.StartedAt}) after ${new1} was healthy (${new Date(healthy1).toISOString()})`);
    // The settle between the waves (the gateway's cooldown + 2 s): the gateway routes to new1 again
    // before old2 stops. healthyAt is the probe's end, which can trail the real turn by a probe interval.
    assert.ok(start2 - healthy1 >= (plan1.waveSettleSeconds - 1) * 1000,
      `${new2} started ${((start2 - healthy1) / 1000).toFixed(1)} s after ${new1} was healthy; the waves settle ${plan1.waveSettleSeconds} s`);
    assert.ok(minHealthy >= 1, "the route never lost all its backends");
    assert.ok(sent > 0);
    assert.deepEqual(failures, [], `${failures.length} of ${sent} requests failed during the rollout`);
  });

  it("6. an engine removed by hand: the gateway keeps serving; refresh + up restore it", async () => {
    const p = plan1 ?? plan0;
    const victim = p.engines[0]!.container.name;
    assert.ok(inspect(victim), `${victim} runs before`);
    const rm = docker(["rm", "-f", victim]);
    assert.equal(rm.status, 0, rm.stderr);
    const results: Chat[] = [];
    for (let i = 0; i < 8; i++) results.push(await chat(gatewayUrl, masterKey));
    const failed = results.filter((r) => !r.ok);
    console.log(`with ${victim} gone: ${results.length} requests, ${failed.length} failed, slowest ${Math.max(...results.map((r) => r.ms))} ms`);

    // Async, so the event loop (and undici's idle-connection timers) runs: a blocked loop would reuse a
    // keep-alive connection the gateway has closed meanwhile ("other side closed"), a client artefact.
    const refresh = await pulumi.runAsync(["refresh", "--yes", "--skip-preview"]);
    console.log(`refresh steps:\n${steps(refresh)}`);
    assert.equal(refresh.status, 0, tail(refresh));
    const up = await pulumi.runAsync(["up", "--yes", "--skip-preview"]);
    console.log(`up steps:\n${steps(up)}`);
    assert.equal(up.status, 0, tail(up));
    const c = inspect(victim);
    assert.equal(`${c?.State.Status} ${c?.State.Health?.Status}`, "running healthy", `${victim} restored`);
    const reply = await chat(gatewayUrl, masterKey);
    const ps = docker(["ps", "-a", "--filter", "label=fabric.machine=local", "--format", "{{.Names}} {{.Status}}"]).stdout;
    assert.ok(reply.ok, `${reply.detail}\ncontainers:\n${ps}\ngateway log: ${(({ stdout, stderr }) => `${stdout}${stderr}`)(docker(["logs", "--tail", "30", plan0.gateway!.container.name]))}`);
    console.log(`restored ${victim}: refresh ${refresh.seconds.toFixed(1)} s, up ${up.seconds.toFixed(1)} s`);
    assert.deepEqual(failed.map((r) => r.detail), [], `the gateway keeps serving through the other replica while ${victim} is gone`);
  });

  it("7. pulumi destroy: no container, volume or network of the stack is left", () => {
    const d = pulumi.run(["destroy", "--yes", "--skip-preview"]);
    assert.equal(d.status, 0, tail(d));
    const containers = stackContainers();
    const volumes = docker(["volume", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((v) => planVolumes(plan0).includes(v));
    const networks = docker(["network", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((n) => n && !["host", "none", "bridge"].includes(n));
    const stateLeft = JSON.parse(pulumi.run(["stack", "export"]).stdout || "{}")?.deployment?.resources?.length ?? 0;
    console.log(`after destroy: containers [${containers.join(", ")}], volumes [${volumes.join(", ")}], networks [${networks.join(", ")}], resources in state ${stateLeft}`);
    assert.deepEqual(containers, [], "no container of the stack is left");
    assert.deepEqual(networks, [], "no network is left (the stack uses host networking and creates none)");
    assert.deepEqual(volumes, [], "no volume of the stack is left (GpuHost creates its named volumes with retainOnDelete: true, so destroy only forgets them)");
  });

  it("8. the README's main job: `scripts/main --images built` brings the stack up and serves a completion; `scripts/main down` removes it", async () => {
    // Its own state directory, so a user's ~/.cache/inference-fabric/state is never touched.
    const env = { ...process.env, PULUMI_BACKEND_URL: `file://${join(project.dir, ".main-state")}`, FABRIC_IMAGES: "" };
    const up = await runAsync(join(repoRoot, "scripts/main"), ["--images", "built"], { env, cwd: repoRoot, timeoutMs: 900_000 });
    const lines = `${up.stdout}\n${up.stderr}`.split("\n").filter((l) => l.startsWith("scripts/main"));
    console.log(`scripts/main (${up.seconds.toFixed(1)} s):\n${lines.map((l) => `  ${l}`).join("\n")}`);
    try {
      assert.equal(up.status, 0, tail(up, 80));
      assert.ok(lines.some((l) => /uploaded .*tiny-llama\.gguf to store\/models\/fabric-test\/tiny-llama\/tiny-llama\.gguf/.test(l)), "the model went into the store");
      assert.ok(lines.some((l) => /a chat completion through the gateway \(route chat\): [1-9]\d* tokens/.test(l)), "a completion through the gateway");
      assert.ok(!`${up.stdout}${up.stderr}`.includes(rootPassword) && !`${up.stdout}${up.stderr}`.includes(masterKey), "no secret in the output");
      const running = stackContainers().filter((n) => /^tiny-\d-/.test(n) && inspect(n)?.State.Status === "running");
      assert.equal(running.length, 2, `two engines run: ${stackContainers().join(", ")}`);
    } finally {
      const down = await runAsync(join(repoRoot, "scripts/main"), ["down", "--images", "built"], { env, cwd: repoRoot, timeoutMs: 300_000 });
      assert.equal(down.status, 0, tail(down));
    }
    assert.deepEqual(stackContainers(), [], "scripts/main down leaves no container");
  });
});
