// Conformance: llama.cpp itself reads what the renderer emits. A fleet with one deployment per
// llama.cpp option the renderer has (each KV cache type, flash attention, parallel slots, extra
// args and env, -ngl on a GPU profile, the speculative draft model) goes through plan(); each
// engine's argv is started with the real llama-server (scripts/build-llama-server.sh, the cached
// binary, no Docker) on the tiny GGUF on 127.0.0.1 (its 2-head variant for the quantised KV cache
// types, which need 32-value blocks per head), and must reach /health 200 and serve a chat
// completion under its --alias. The only rewrites: -m points at the local GGUF instead of the
// container's model volume, --port is a free port, HF_HOME/LLAMA_CACHE point at a temporary
// directory, and the draft model's hub repository becomes the local GGUF (no hub here).
// No flag is dropped: the CPU build accepts the GPU-only -ngl 999 (it warns and ignores it).
// A missing binary FAILS here, naming the script: never a silent skip.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseFleet } from "../../core/fleet/load";
import { plan } from "../../core/plan/plan";
import type { EnginePlan } from "../../core/plan/types";
import { type Started, cachedBinary, chatCompletion, freePort, start, tinyGguf, tinyModel, waitHealthy } from "../support/llama-processes";

/** The 2-head variant: llama.cpp's q8_0/q4_0 cache needs whole 32-value blocks per head (16 in tiny-llama). */
const tinyModelHd32 = { ...tinyModel, file: "tiny-llama-hd32.gguf", config: { ...tinyModel.config, attentionHeads: 2, kvHeads: 1, headDim: 32 } };
const recipe = (extra: Record<string, unknown>) => ({ engine: "llamacpp", model: tinyModel, quantization: "gguf-f16", maxModelLen: 512, ...extra });

/** Deployment name → [recipe fields, the machine, what its argv must contain]. */
const cases: Record<string, { recipe: Record<string, unknown>; machine?: string; expect: string[][] }> = {
  "kv-auto": { recipe: {}, expect: [["-np", "1"], ["-c", "512"], ["-ngl", "0"], ["--metrics"], ["--jinja"]] },
  "kv-f16": { recipe: { kvCacheDtype: "fp16" }, expect: [["-ctk", "f16", "-ctv", "f16"]] },
  "kv-bf16": { recipe: { kvCacheDtype: "bf16" }, expect: [["-ctk", "bf16", "-ctv", "bf16"]] },
  "kv-q8": { recipe: { kvCacheDtype: "q8_0", model: tinyModelHd32 }, expect: [["-ctk", "q8_0", "-ctv", "q8_0"], ["-fa", "on"]] },
  "kv-q4": { recipe: { kvCacheDtype: "q4_0", model: tinyModelHd32 }, expect: [["-ctk", "q4_0", "-ctv", "q4_0"], ["-fa", "on"]] },
  slots: { recipe: { maxNumSeqs: 4 }, expect: [["-np", "4"], ["-c", "2048"]] },
  "extra-args": {
    recipe: { extraArgs: ["-t", "1", "-b", "256", "-ub", "128", "--no-warmup", "--no-webui"], env: { LLAMA_ARG_N_PREDICT: "16" } },
    expect: [["-t", "1", "-b", "256", "-ub", "128", "--no-warmup", "--no-webui"]],
  },
  "gpu-layers": { recipe: {}, machine: "gpu", expect: [["-ngl", "999"]] },
};
const SPECULATIVE = "speculative";
const STORAGE = { machine: "local", port: 9000, consolePort: 9001, buckets: ["models"], rootUser: { secret: "minioRootUser" }, rootPassword: { secret: "minioRootPassword" } };

function conformanceFleet(): unknown {
  const recipes: Record<string, unknown> = Object.fromEntries(Object.entries(cases).map(([n, c]) => [n, recipe(c.recipe)]));
  recipes[SPECULATIVE] = recipe({ speculative: { method: "draft_model", model: "fabric-test/tiny-llama", numSpeculativeTokens: 4 } });
  const names = Object.keys(recipes);
  return {
    machines: [
      { name: "local", hardware: "cpu", address: "127.0.0.1", bindAddress: "127.0.0.1", memoryGiB: 8, docker: { host: "unix:///var/run/docker.sock", network: "host" } },
      { name: "gpu", hardware: "rtx-4090", address: "127.0.0.1", bindAddress: "127.0.0.1", docker: { host: "unix:///var/run/docker.sock", network: "host" } },
    ],
    recipes,
    deployments: names.map((n, i) => ({ name: n, recipe: n, machine: cases[n]?.machine ?? "local", port: 18100 + i })),
    // A store, so the recipes' `source: store` renders `-m <synced file>` (never started here).
    storage: STORAGE,
  };
}

function engineOf(engines: readonly EnginePlan[], deployment: string): EnginePlan {
  const e = engines.find((x) => x.deployment === deployment || x.deployment === `${deployment}-1`);
  assert.ok(e, `the plan has no engine for deployment ${deployment}: ${engines.map((x) => x.deployment).join(", ")}`);
  return e;
}

/** Does `args` contain `seq` as consecutive elements? */
function hasRun(args: readonly string[], seq: readonly string[]): boolean {
  return args.some((_, i) => seq.every((s, j) => args[i + j] === s));
}

describe("llama.cpp conformance: the real llama-server runs every rendered option", () => {
  let binary = "";
  let gguf = "";
  let engines: readonly EnginePlan[] = [];
  let scratch = "";
  const running: Started[] = [];

  before(() => {
    const b = cachedBinary("build-llama-server.sh");
    if ("missing" in b) assert.fail(b.missing);
    binary = b.path;
    gguf = tinyGguf();
    const parsed = parseFleet(JSON.stringify(conformanceFleet()));
    if (!parsed.ok) assert.fail(`the conformance fleet does not parse: ${JSON.stringify(parsed.violations)}`);
    engines = plan(parsed.fleet).engines;
    scratch = mkdtempSync(join(tmpdir(), "fabric-llamacpp-conformance-"));
  });

  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** The engine's rendered argv, started with only the local rewrites the header names. */
  async function serve(deployment: string, rewrite: (args: string[]) => string[] = (a) => a): Promise<{ base: string; args: string[]; p: Started }> {
    const e = engineOf(engines, deployment);
    assert.ok(e.container.args.includes("-m"), `the store-synced model is rendered as -m: ${e.container.args.join(" ")}`);
    assert.equal(e.container.entrypoint ?? null, null, "llama-server is the image's entrypoint");
    const port = await freePort();
    const args = rewrite(e.container.args.map((a, i, all) => {
      if (all[i - 1] === "-m") return tinyGguf(basename(a));
      if (all[i - 1] === "--port") return String(port);
      return a;
    }));
    assert.equal(args[args.indexOf("--host") + 1], "127.0.0.1", "loopback only");
    const env = { ...e.container.env, HF_HOME: join(scratch, "hf"), LLAMA_CACHE: join(scratch, "llama.cpp") };
    const p = start(binary, args, env);
    running.push(p);
    return { base: `http://127.0.0.1:${port}`, args, p };
  }

  for (const [deployment, c] of Object.entries(cases)) {
    it(`${deployment}: ${c.expect.map((s) => s.join(" ")).join(", ")} → /health 200, a completion under --alias`, async () => {
      const { base, args, p } = await serve(deployment);
      for (const seq of c.expect) assert.ok(hasRun(args, seq), `argv has ${seq.join(" ")}: ${args.join(" ")}`);
      try {
        const h = await waitHealthy(p, `${base}/health`);
        assert.deepEqual(JSON.parse(h.body), { status: "ok" });
        const alias = args[args.indexOf("--alias") + 1]!;
        const models = await (await fetch(`${base}/v1/models`, { signal: AbortSignal.timeout(10_000) })).json() as { data: { id: string }[] };
        assert.deepEqual(models.data.map((m) => m.id), [alias]);
        const r = await chatCompletion(base, alias);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.ok(r.body.usage.completion_tokens > 0, JSON.stringify(r.body));
        const slots = await (await fetch(`${base}/slots`, { signal: AbortSignal.timeout(10_000) })).json() as unknown[];
        assert.equal(slots.length, Number(args[args.indexOf("-np") + 1]), "one /slots entry per -np slot");
        console.log(`${deployment}: healthy in ${h.ms} ms (statuses ${h.statuses.join(" → ")}), ${r.body.usage.completion_tokens} tokens; argv: ${args.join(" ")}`);
      } finally {
        await p.stop();
      }
    });
  }

  it(`${SPECULATIVE}: the draft model flags (draft_model, 4 tokens) → /health 200, a completion`, async () => {
    // The draft repository (a hub download) becomes the local tiny GGUF: the same model drafts for itself.
    const draftRepoFlags = new Set(["--spec-draft-hf", "-hfd", "-hfrd", "--hf-repo-draft"]);
    const { base, args, p } = await serve(SPECULATIVE, (a) => a.flatMap((x, i) => (draftRepoFlags.has(x) ? ["--spec-draft-model", gguf] : draftRepoFlags.has(a[i - 1]!) ? [] : [x])));
    try {
      assert.ok(hasRun(args, ["--spec-draft-model", gguf]), `argv names a draft model: ${args.join(" ")}`);
      const h = await waitHealthy(p, `${base}/health`);
      const r = await chatCompletion(base, args[args.indexOf("--alias") + 1]!, 8);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      // The draft model really drafts (--spec-type defaults to none: a draft model alone does nothing).
      const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
      const drafted = Number(/^llamacpp:spec_decode_num_draft_tokens_total (\S+)$/m.exec(metrics)?.[1] ?? 0);
      assert.ok(drafted > 0, `no draft tokens in /metrics:\n${metrics}`);
      console.log(`${SPECULATIVE}: healthy in ${h.ms} ms, ${drafted} draft tokens; argv: ${args.join(" ")}`);
    } finally {
      await p.stop();
    }
  });
});
