// The local test images exist, and llama.cpp's own llama-server (fabric-test/llamacpp) serves the
// tiny GGUF with the container spec the `local-test` plan renders (its argv, env and health check),
// on host networking bound to 127.0.0.1. Needs the set-up to have run first:
//   scripts/setup-docker.sh          a Docker engine (dockerd --bridge=none --iptables=false)
//   scripts/build-test-images.sh     the fabric-test/* images and the tiny GGUF
// Missing Docker or a missing image FAILS here, naming the script to run: never a silent skip.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { plan } from "../../core/plan/plan";
import { freePort } from "../support/llama-processes";
import { repoRoot, stackFleet } from "../support/stacks";

const SETUP = "run `scripts/setup-docker.sh && scripts/build-test-images.sh` (the project set-up does both)";
const cacheDir = process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric");
const manifestPath = join(cacheDir, "images", "manifest.json");

function docker(args: string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync("docker", args, { encoding: "utf8", timeout: timeoutMs });
  if (run.error) assert.fail(`docker ${args[0]} could not run (${run.error.message}); ${SETUP}`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Image tags pinned in tools/images/versions.env (NAME_IMAGE=tag). */
function pinnedImages(): Record<string, string> {
  const text = readFileSync(join(repoRoot, "tools", "images", "versions.env"), "utf8");
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z_]+)_IMAGE=(\S+)$/gm)) out[m[1]!.toLowerCase()] = m[2]!;
  return out;
}


async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

const testPlan = plan(stackFleet("local-test"));
const engine = testPlan.engines.find((e) => e.deployment === "tiny-1");

describe("local test images (scripts/build-test-images.sh)", () => {
  before(() => {
    const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 30_000 });
    if (info.error || info.status !== 0) {
      assert.fail(`no Docker engine answers 'docker info' (${(info.error?.message ?? info.stderr).trim()}); ${SETUP}`);
    }
  });

  it("the local-test plan uses exactly the images versions.env pins", () => {
    const pins = pinnedImages();
    assert.ok(engine, "stacks/local-test.fleet.yaml has no deployment tiny-1");
    const used = new Set<string>([
      ...testPlan.engines.map((e) => e.container.image),
      ...testPlan.engines.flatMap((e) => (e.modelSync ? [e.modelSync.container.image] : [])),
      testPlan.gateway!.container.image,
      testPlan.monitoring!.container.image,
      testPlan.store!.container.image,
      ...testPlan.machines.flatMap((m) => m.exporters.map((x) => x.image)),
    ]);
    const expected = ["llamacpp", "litellm", "prometheus", "minio", "mc", "node_exporter"].map((k) => {
      assert.ok(pins[k], `tools/images/versions.env pins no ${k.toUpperCase()}_IMAGE`);
      return pins[k]!;
    });
    assert.deepEqual([...used].sort(), [...expected].sort());
  });

  it("every image exists with its build-input label", () => {
    const pins = pinnedImages();
    const missing: string[] = [];
    for (const [name, tag] of Object.entries(pins)) {
      const r = docker(["image", "inspect", "-f", '{{ index .Config.Labels "fabric.test.inputs" }}', tag]);
      if (r.status !== 0 || !/^[0-9a-f]{16}$/.test(r.stdout.trim())) missing.push(`${name} (${tag})`);
    }
    assert.deepEqual(missing, [], `images missing or not built by scripts/build-test-images.sh: ${missing.join(", ")}; ${SETUP}`);
  });

  describe("fabric-test/llamacpp serves the tiny GGUF with the plan's container spec", () => {
    const name = `fabric-images-test-${process.pid}`;
    let port = 0;
    let base = "";

    before(async () => {
      assert.ok(engine, "stacks/local-test.fleet.yaml has no deployment tiny-1");
      assert.ok(existsSync(manifestPath), `${manifestPath} is missing; ${SETUP}`);
      const gguf = JSON.parse(readFileSync(manifestPath, "utf8")).tinyGguf as string;
      assert.ok(gguf && existsSync(gguf), `the tiny GGUF (${gguf}) is missing; ${SETUP}`);
      const c = engine.container;
      const model = c.args[c.args.indexOf("-m") + 1]!;
      assert.match(model, /\/tiny-llama\.gguf$/);
      port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const args = c.args.map((a, i) => (c.args[i - 1] === "--port" ? String(port) : a));
      assert.equal(args[args.indexOf("--host") + 1], "127.0.0.1");
      const env = Object.entries(c.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
      const run = docker(["run", "-d", "--rm", "--name", name, "--network", "host", ...env,
        "-v", `${gguf}:${model}:ro`, c.image, ...args]);
      assert.equal(run.status, 0, `docker run ${c.image} failed: ${run.stderr}`);
    });

    after(() => {
      spawnSync("docker", ["rm", "-f", name], { encoding: "utf8", timeout: 30_000 });
    });

    it("/health turns 200 {status: ok} once the model is loaded (within 120 s)", async () => {
      const deadline = Date.now() + 120_000;
      let last = "";
      while (Date.now() < deadline) {
        try {
          const r = await get(`${base}/health`);
          last = `${r.status} ${r.body}`;
          if (r.status === 200) {
            assert.deepEqual(JSON.parse(r.body), { status: "ok" });
            return;
          }
          assert.equal(r.status, 503, last);
          assert.equal(JSON.parse(r.body).error.message, "Loading model");
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          last = String(e);
        }
        const state = docker(["inspect", "-f", "{{.State.Status}}", name]);
        if (state.status !== 0 || state.stdout.trim() !== "running") {
          assert.fail(`the container stopped: ${docker(["logs", name]).stderr.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.fail(`/health not ready within 120 s (last: ${last}); logs: ${docker(["logs", name]).stderr.slice(-2000)}`);
    });

    it("the plan's health-check command passes inside the container", () => {
      const test = engine!.container.health!.test;
      assert.equal(test[0], "CMD-SHELL");
      const cmd = test[1]!.replaceAll(`:${engine!.port}/`, `:${port}/`);
      const r = docker(["exec", name, "/bin/sh", "-c", cmd]);
      assert.equal(r.status, 0, `${cmd}\n${r.stderr}`);
    });

    it("/v1/models serves the --alias", async () => {
      const r = await get(`${base}/v1/models`);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body).data.map((m: { id: string }) => m.id), [engine!.servedName]);
    });

    it("/v1/chat/completions returns generated tokens; /metrics counts them once the request is done", async () => {
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: engine!.servedName, messages: [{ role: "user", content: "Say hello" }], max_tokens: 8, temperature: 0 }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = await res.json() as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.ok(body.usage.completion_tokens > 0, JSON.stringify(body));
      assert.ok(body.usage.prompt_tokens > 0, JSON.stringify(body));
      assert.equal(typeof body.choices[0]!.message.content, "string");

      // llama-server adds a slot's tokens to the counters when it releases the slot, which may come
      // just after the response: poll (bounded) until the request is no longer processing.
      type Metrics = Record<string, number>;
      const scrape = async (): Promise<Metrics> => {
        const m = await get(`${base}/metrics`);
        assert.equal(m.status, 200, m.body);
        return Object.fromEntries(m.body.split("\n").filter((l) => l.startsWith("llamacpp:")).map((l) => [l.split(" ")[0]!, Number(l.split(" ")[1])]));
      };
      let metrics: Metrics = {};
      for (let i = 0; i < 40; i++) {
        metrics = await scrape();
        if (metrics["llamacpp:requests_processing"] === 0 && (metrics["llamacpp:tokens_predicted_total"] ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const value = (name: string): number => {
        const v = metrics[`llamacpp:${name}`];
        assert.ok(v !== undefined, `llamacpp:${name} missing from /metrics: ${JSON.stringify(metrics)}`);
        return v;
      };
      assert.equal(value("requests_processing"), 0, "the request is done");
      assert.equal(value("requests_deferred"), 0);
      assert.equal(value("tokens_predicted_total"), body.usage.completion_tokens);
      // Prompt tokens the model evaluated (a cached prefix is not counted): this is the server's first request.
      assert.ok(value("prompt_tokens_total") > 0 && value("prompt_tokens_total") <= body.usage.prompt_tokens, JSON.stringify(metrics));
      assert.ok(value("n_decode_total") > 0);
    });

    it("/slots lists the plan's -np slots, each with the context of one sequence (-c / -np)", async () => {
      const r = await get(`${base}/slots`);
      assert.equal(r.status, 200, r.body);
      const slots = JSON.parse(r.body) as { id: number; n_ctx: number; is_processing: boolean }[];
      const args = engine!.container.args;
      const np = Number(args[args.indexOf("-np") + 1]);
      const ctx = Number(args[args.indexOf("-c") + 1]);
      assert.deepEqual(slots.map((s) => s.id), [...Array(np).keys()]);
      for (const s of slots) assert.equal(s.n_ctx, ctx / np, JSON.stringify(s));
    });

    it("an unknown llama-server flag fails loudly instead of being ignored", () => {
      const r = docker(["run", "--rm", "--network", "none", engine!.container.image, "-m", "/nowhere.gguf", "--no-such-flag"]);
      assert.notEqual(r.status, 0, r.stderr);
      assert.match(`${r.stdout}${r.stderr}`, /invalid argument: --no-such-flag/);
    });

    it("the image's llama-server is the pinned llama.cpp build (tools/images/versions.env)", () => {
      const pins = readFileSync(join(repoRoot, "tools", "images", "versions.env"), "utf8");
      const build = /^LLAMA_CPP_BUILD=b(\d+)$/m.exec(pins)?.[1];
      const commit = /^LLAMA_CPP_COMMIT=(\w+)$/m.exec(pins)?.[1];
      assert.ok(build && commit, "versions.env pins LLAMA_CPP_BUILD and LLAMA_CPP_COMMIT");
      const r = docker(["run", "--rm", "--network", "none", engine!.container.image, "--version"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(`${r.stdout}${r.stderr}`, new RegExp(`^version: .*\\(build ${build}, commit ${commit}\\)$`, "m"));
    });
  });
});
