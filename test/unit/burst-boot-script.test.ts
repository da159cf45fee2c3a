import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { burstBootScriptInput } from "../../core/burst/boot-input";
import { parseFleet } from "../../core/fleet/load";
import { type BurstBootScriptInput, renderBurstBootScript, shellQuote } from "../../core/render/burst-boot-script";

function homelabScript(): string {
  const parsed = parseFleet(readFileSync(path.join(__dirname, "../../stacks/homelab.fleet.yaml"), "utf8"));
  if (!parsed.ok) throw new Error("homelab fleet does not parse");
  const input = burstBootScriptInput(parsed.fleet, "reason-burst", { hostIndex: 2, hardwareId: "rtx-5090", pricePerHour: 0.55, expectedSecondsToUseful: 700 });
  return renderBurstBootScript(input);
}

const work = mkdtempSync(path.join(tmpdir(), "burst-boot-"));
after(() => rmSync(work, { recursive: true, force: true }));

function writeScript(name: string, text: string): string {
  const file = path.join(work, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe("renderBurstBootScript: the homelab burst host", () => {
  const script = homelabScript();

  it("matches the snapshot", (t) => t.assert.snapshot(script, { serializers: [(v) => v] }));
  it("passes sh -n", () => {
    const result = spawnSync("sh", ["-n", writeScript("homelab.sh", script)], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
  });
  it("passes shellcheck -s sh", (t) => {
    if (spawnSync("shellcheck", ["--version"]).status !== 0) return t.skip("shellcheck is not installed");
    const result = spawnSync("shellcheck", ["-s", "sh", writeScript("homelab-sc.sh", script)], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stdout);
  });
  it("joins the mesh in userspace mode with every flag, the key read from the environment", () => {
    assert.match(script, /tailscaled --tun=userspace-networking --state=mem: /);
    assert.match(script, /up \$\{TS_LOGIN_SERVER:\+"--login-server=\$TS_LOGIN_SERVER"\} --auth-key="\$TS_AUTHKEY" --hostname="\$HOST_NAME" --accept-dns=false/);
    assert.doesNotMatch(script, /--advertise-tags/, "the key carries the tags; headscale refuses --advertise-tags with a pre-auth key");
    assert.doesNotMatch(script, /^TS_LOGIN_SERVER=/m, "Tailscale's own control server unless one is named");
    assert.match(script, /^HOST_NAME='reason-burst-2'$/m);
    assert.match(script, /^TS_TAGS='tag:burst'$/m);
  });
  it("holds no secret values, only the names of the variables that carry them", () => {
    assert.doesNotMatch(script, /tskey-|hf_[A-Za-z0-9]{8}|Bearer [A-Za-z0-9]/);
    for (const name of ["TS_AUTHKEY", "CONTAINER_ID", "CONTAINER_API_KEY", "HF_TOKEN"]) assert.match(script, new RegExp(`\\$\\{?${name}`));
  });
  it("serves on loopback only, from the hub, with the idle watchdog and the budget guard", () => {
    assert.match(script, /'--host' '127\.0\.0\.1' \\\n\s+'--port' '8000'/);
    assert.match(script, /^IDLE_SECONDS=900$/m);
    assert.match(script, /^MAX_SECONDS=234900$/m); // 65.25 h: a day of a $1.5/h host share at $0.55/h
    assert.match(script, /^BOOT_TIMEOUT_SECONDS=2100$/m); // 3 × 700 s
    assert.match(script, /DELETE .*"\$VAST_API\/instances\/\$CONTAINER_ID\/"/);
  });
});

describe("renderBurstBootScript: another control server (headscale)", () => {
  const parsed = parseFleet(readFileSync(path.join(__dirname, "../../stacks/homelab.fleet.yaml"), "utf8"));
  if (!parsed.ok) throw new Error("homelab fleet does not parse");
  const input = burstBootScriptInput(parsed.fleet, "reason-burst", { hostIndex: 1, hardwareId: "rtx-5090", pricePerHour: 0.55 });
  it("names it once, quoted, and passes it to tailscale up", () => {
    const script = renderBurstBootScript({ ...input, loginServer: "https://headscale.example.com" });
    assert.match(script, /^TS_LOGIN_SERVER='https:\/\/headscale\.example\.com'$/m);
    assert.equal(spawnSync("sh", ["-n", writeScript("headscale.sh", script)]).status, 0);
  });
  it("refuses a login server that is not an http(s) URL", () => {
    for (const bad of ["headscale.example.com", "https://x/$(id)", "http://a b", "https://x/'"]) {
      assert.throws(() => renderBurstBootScript({ ...input, loginServer: bad }), /loginServer .* must be an http\(s\) URL/, bad);
    }
  });
});

describe("shellQuote", () => {
  it("survives quotes, dollars, backticks and newlines", () => {
    const nasty = "it's $(rm -rf /) `x` \"y\"\nz\\";
    const out = spawnSync("sh", ["-c", `printf '%s' ${shellQuote(nasty)}`], { encoding: "utf8" });
    assert.equal(out.stdout, nasty);
  });
  it("refuses an environment name that is not a shell identifier", () => {
    assert.throws(() => renderBurstBootScript({ ...fakeHostInput(0, 0, "http://127.0.0.1:1"), env: { "A-B": "1" } }), /'A-B' is not a shell variable name/);
  });
});

/** Fake `tailscale` / `tailscaled` that log their arguments; everything else is real. */
function fakeBin(): string {
  const dir = path.join(work, "bin");
  mkdirSync(dir, { recursive: true });
  const log = path.join(work, "tailscale.log");
  for (const [name, body] of [["tailscale", "exit 0"], ["tailscaled", "exec sleep 300"]] as const) {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\necho "${name} $*" >>${shellQuote(log)}\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

/** A host whose engine is python's http.server on `port` serving /health and /metrics files. */
function fakeHostInput(port: number, maxSeconds: number, vastApiUrl: string): BurstBootScriptInput {
  return {
    pool: "p", hostIndex: 1, tags: ["tag:burst"],
    command: ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", path.join(work, "www"), String(port)],
    env: { ENGINE_NOTE: "it's plain" }, secretEnvNames: ["HF_TOKEN"],
    files: [{ path: path.join(work, "etc", "engine.yaml"), content: "a: 'b'\n" }],
    port, healthPath: "/health", activity: { kind: "metrics", path: "/metrics", pattern: "^vllm:" },
    idleMinutes: 3 / 60, maxHours: maxSeconds / 3600, bootTimeoutMinutes: 1, cpuArch: "amd64", tailscaleVersion: "1.104.5",
    vastApiUrl, directories: [path.join(work, "models")], stateDir: path.join(work, "state"), pollSeconds: 1,
  };
}

/** Fake Vast API on loopback: records DELETE /instances/<id>/. */
async function fakeVast(): Promise<{ server: Server; url: string; deletes: { url: string; auth: string }[] }> {
  const deletes: { url: string; auth: string }[] = [];
  const server = createServer((req, res) => {
    if (req.method === "DELETE") deletes.push({ url: req.url ?? "", auth: req.headers.authorization ?? "" });
    res.writeHead(200, { "content-type": "application/json" }).end('{"success":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v0`, deletes };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function until(what: string, check: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function run(script: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn("sh", ["-c", script], { env: { PATH: `${fakeBin()}:${process.env.PATH}`, HOME: work, ...env }, detached: true });
  child.stdout?.on("data", (d) => { output += String(d); });
  child.stderr?.on("data", (d) => { output += String(d); });
  return { child, output: () => output };
}

function stop(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
}

const secrets = { TS_AUTHKEY: "tskey-auth-TEST", CONTAINER_ID: "4242", CONTAINER_API_KEY: "instance-key-TEST", HF_TOKEN: "hf_TEST" };

const hasTools = ["python3", "curl"].every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);

describe("the boot script, run with fake tailscale, a fake engine and a fake Vast API on loopback", { skip: !hasTools && "needs python3 and curl" }, () => {
  it("joins, serves, stays while busy, then destroys itself when idle", { timeout: 40_000 }, async () => {
    const vast = await fakeVast();
    const port = await freePort();
    writeScript("www/health", "ok");
    const metrics = (n: number) => writeScript("www/metrics", `# HELP vllm:request_success_total x\nvllm:request_success_total ${n}\nprocess_cpu_seconds_total ${Math.random()}\n`);
    metrics(0);
    const { child, output } = run(renderBurstBootScript(fakeHostInput(port, 3600, vast.url)), secrets);
    try {
      await until("the engine to be healthy", () => output().includes("engine healthy"), 15);
      let lastChange = Date.now();
      for (let n = 1; n <= 6; n++) {
        metrics(n);
        lastChange = Date.now();
        await new Promise((r) => setTimeout(r, 800));
      }
      assert.equal(vast.deletes.length, 0, `destroyed while busy:\n${output()}`);
      await until("DELETE", () => vast.deletes.length > 0, 15);
      // Three polls, each at least a second apart, must pass after the last change.
      assert.ok(Date.now() - lastChange >= 2900, `destroyed ${Date.now() - lastChange} ms after the last request`);
      assert.deepEqual(vast.deletes[0], { url: "/api/v0/instances/4242/", auth: "Bearer instance-key-TEST" });
      assert.match(output(), /destroying this instance: idle for 3 s/);
      const ts = readFileSync(path.join(work, "tailscale.log"), "utf8");
      assert.match(ts, /^tailscaled --tun=userspace-networking --state=mem: --socket=\S+tailscaled\.sock$/m);
      assert.match(ts, /up --auth-key=tskey-auth-TEST --hostname=p-1 --accept-dns=false --timeout=60s$/m);
      assert.match(ts, /logout$/m);
      assert.equal(readFileSync(path.join(work, "etc", "engine.yaml"), "utf8"), "a: 'b'\n");
      assert.ok(existsSync(path.join(work, "models")));
      await until("the engine to stop", () => spawnSync("curl", ["-fsS", `http://127.0.0.1:${port}/health`]).status !== 0, 10);
    } finally {
      stop(child);
      vast.server.close();
    }
  });

  it("the budget guard stops a host that never goes idle", { timeout: 40_000 }, async () => {
    const vast = await fakeVast();
    const port = await freePort();
    writeScript("www/health", "ok");
    let n = 0;
    const busy = setInterval(() => writeScript("www/metrics", `vllm:request_success_total ${n++}\n`), 300);
    const { child, output } = run(renderBurstBootScript(fakeHostInput(port, 4, vast.url)), secrets);
    try {
      await until("DELETE", () => vast.deletes.length > 0, 20);
      assert.match(output(), /destroying this instance: budget guard: up \d+ s, the limit is 4 s/);
    } finally {
      clearInterval(busy);
      stop(child);
      vast.server.close();
    }
  });

  it("without TS_AUTHKEY it destroys itself before starting anything", { timeout: 40_000 }, async () => {
    const vast = await fakeVast();
    const { child, output } = run(renderBurstBootScript(fakeHostInput(await freePort(), 3600, vast.url)), { ...secrets, TS_AUTHKEY: "" });
    try {
      await until("DELETE", () => vast.deletes.length > 0, 10);
      assert.match(output(), /TS_AUTHKEY is not set: this host cannot join the mesh/);
      assert.doesNotMatch(output(), /starting the engine/);
    } finally {
      stop(child);
      vast.server.close();
    }
  });
});
