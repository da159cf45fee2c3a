// Conformance: the real llama-swap loads the config the renderer writes for a swap slot and hot-swaps
// its members, each the real llama-server (scripts/build-llama-server.sh) on the tiny GGUF, all on
// 127.0.0.1: member A on demand (cold start), then B (A stopped, B started: /running), then nothing
// after the slot's ttl (evicted). Timings are printed. The only rewrites: the members' binary
// (/app/llama-server in the image) is the cached one and their -m the local GGUF.
// llama-swap comes from scripts/build-llama-swap.sh (its Go module, or FABRIC_LLAMA_SWAP_BIN). Where
// the Go module proxy refuses the module, this test says SKIPPED with the proxy's exact answer.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import YAML from "yaml";
import { parseFleet } from "../../core/fleet/load";
import { plan } from "../../core/plan/plan";
import { type Started, cachedBinary, chatCompletion, freePort, start, tinyGguf, tinyModel, waitHealthy } from "../support/llama-processes";

const TTL_SECONDS = 5;
const member = (extra: Record<string, unknown> = {}) => ({ engine: "llamacpp", model: tinyModel, quantization: "gguf-f16", maxModelLen: 512, ...extra });

const swapFleet = {
  machines: [{ name: "local", hardware: "cpu", address: "127.0.0.1", bindAddress: "127.0.0.1", memoryGiB: 8, docker: { host: "unix:///var/run/docker.sock", network: "host" } }],
  recipes: { "member-a": member(), "member-b": member({ kvCacheDtype: "q8_0", maxNumSeqs: 2 }) },
  deployments: [{ name: "swap", swap: { recipes: ["member-a", "member-b"], ttlSeconds: TTL_SECONDS }, machine: "local", port: 18200 }],
  // A store, so the members' `source: store` renders `-m <synced file>` (never started here).
  storage: { machine: "local", port: 9000, consolePort: 9001, buckets: ["models"], rootUser: { secret: "minioRootUser" }, rootPassword: { secret: "minioRootPassword" } },
};

type Running = { running: { model: string; state: string }[] };

describe("llama-swap conformance: the real llama-swap loads the rendered config and swaps real llama-servers", () => {
  const swap = cachedBinary("build-llama-swap.sh");
  const swapPath = "path" in swap ? swap.path : "";
  const skip = "missing" in swap ? `SKIPPED: no llama-swap binary: ${swap.missing}` : false;
  let server = "";
  let scratch = "";
  let proc: Started | undefined;
  let base = "";

  before(async () => {
    if (skip) { console.log(skip); return; }
    const s = cachedBinary("build-llama-server.sh");
    if ("missing" in s) assert.fail(s.missing);
    server = s.path;
    const gguf = tinyGguf();
    const parsed = parseFleet(JSON.stringify(swapFleet));
    if (!parsed.ok) assert.fail(`the swap fleet does not parse: ${JSON.stringify(parsed.violations)}`);
    const engine = plan(parsed.fleet).engines.find((e) => e.deployment === "swap");
    assert.ok(engine, "the plan has the swap slot");
    const file = engine.container.files[0];
    assert.ok(file, "the slot mounts its llama-swap config");
    const config = YAML.parse(file.content) as { models: Record<string, { cmd: string; ttl: number }> };
    for (const m of Object.values(config.models)) {
      assert.equal(m.ttl, TTL_SECONDS);
      m.cmd = m.cmd.replace(/^\/app\/llama-server /, `${server} `).replace(/ -m \S+/, ` -m ${gguf}`);
    }
    scratch = mkdtempSync(join(tmpdir(), "fabric-llama-swap-conformance-"));
    const configPath = join(scratch, "config.yaml");
    writeFileSync(configPath, YAML.stringify(config));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const args = engine.container.args.map((a, i, all) => (all[i - 1] === "--config" ? configPath : all[i - 1] === "--listen" ? `127.0.0.1:${port}` : a));
    proc = start(swapPath, args, { ...engine.container.env, HF_HOME: join(scratch, "hf"), LLAMA_CACHE: join(scratch, "llama.cpp") });
    await waitHealthy(proc, `${base}/health`, 30_000);
  });

  after(async () => {
    await proc?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const running = async (): Promise<string[]> => {
    const r = await (await fetch(`${base}/running`, { signal: AbortSignal.timeout(10_000) })).json() as Running;
    return r.running.filter((m) => m.state !== "stopped").map((m) => `${m.model}:${m.state}`).sort();
  };

  it("member A on demand (cold start), then B (A stopped, B started), then none after the ttl", { skip }, async () => {
    assert.deepEqual(await running(), [], "nothing runs before the first request");
    let t0 = Date.now();
    const a = await chatCompletion(base, "member-a");
    const coldA = Date.now() - t0;
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(await running(), ["member-a:ready"]);

    t0 = Date.now();
    const b = await chatCompletion(base, "member-b");
    const swapB = Date.now() - t0;
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.deepEqual(await running(), ["member-b:ready"], "the exclusive group stopped A before starting B");

    t0 = Date.now();
    let left: string[] = ["member-b:ready"];
    while (left.length > 0 && Date.now() - t0 < (TTL_SECONDS + 25) * 1000) {
      await new Promise((r) => setTimeout(r, 500));
      left = await running();
    }
    const evicted = Date.now() - t0;
    console.log(`llama-swap: member A cold start ${coldA} ms, swap to B ${swapB} ms, B evicted ${(evicted / 1000).toFixed(1)} s after its last request (ttl ${TTL_SECONDS} s)`);
    assert.deepEqual(left, [], `B is unloaded after the ttl (${TTL_SECONDS} s)`);
  });
});
