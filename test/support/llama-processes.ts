// The conformance tier's llama.cpp parts: the cached binaries (scripts/build-llama-server.sh,
// scripts/build-llama-swap.sh), the tiny GGUF, and a bounded wait for a process's /health. Every
// process listens on 127.0.0.1 only and is killed by the test that started it.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./stacks";

const cacheDir = process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric");

/** The cached binary a build script prints with `--path`, or the script's own word on why not. */
export function cachedBinary(script: "build-llama-server.sh" | "build-llama-swap.sh"): { path: string } | { missing: string } {
  const r = spawnSync(join(repoRoot, "scripts", script), ["--path"], { encoding: "utf8", timeout: 30_000 });
  const path = r.stdout.trim();
  if (r.status === 0 && path && existsSync(path)) return { path };
  return { missing: (r.stderr || r.error?.message || `scripts/${script} --path exited ${r.status}`).trim() };
}

/** A tiny random-weight GGUF (scripts/build-test-images.sh tiny-gguf): tiny-llama.gguf or tiny-llama-hd32.gguf. */
export function tinyGguf(file = "tiny-llama.gguf"): string {
  const path = join(cacheDir, "images", "models", file);
  assert.ok(existsSync(path), `the tiny GGUF (${path}) is missing: run scripts/build-test-images.sh tiny-gguf`);
  return path;
}

/** The tiny GGUF as a fleet model: store-synced, with its architecture inline (the catalog has no such model). */
export const tinyModel = {
  id: "fabric-test/tiny-llama",
  file: "tiny-llama.gguf",
  source: "store",
  config: { layers: 2, hiddenSize: 64, attentionHeads: 4, kvHeads: 2, headDim: 16, paramsBillion: 0.000107, vocabSize: 259, tiedEmbeddings: false, maxContext: 8192 },
  weightsGiB: 0.001,
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A started process with its combined output, kept for failure messages. */
export interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: () => number | string | null;
  readonly stop: () => Promise<void>;
}

export function start(binary: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Started {
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let exit: number | string | null = null;
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-20_000); };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const closed = new Promise<void>((resolve) => child.on("close", (code, signal) => { exit = code ?? signal; resolve(); }));
  child.on("error", (e) => { out += `\n${e.message}`; exit = "spawn error"; });
  return {
    child,
    output: () => out,
    exited: () => exit,
    stop: async () => {
      if (exit !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await closed;
      clearTimeout(killer);
    },
  };
}

/** Polls `url` until it answers 200 (at most `timeoutMs`); fails early when the process exits. */
export async function waitHealthy(p: Started, url: string, timeoutMs = 60_000): Promise<{ ms: number; body: string; statuses: number[] }> {
  const t0 = Date.now();
  const statuses: number[] = [];
  let last = "";
  while (Date.now() - t0 < timeoutMs) {
    if (p.exited() !== null) assert.fail(`exited (${p.exited()}) before ${url} answered 200:\n${p.output().slice(-3000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const body = await res.text();
      if (statuses.at(-1) !== res.status) statuses.push(res.status);
      if (res.status === 200) return { ms: Date.now() - t0, body, statuses };
      last = `${res.status} ${body}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${url} not 200 within ${timeoutMs / 1000} s (last: ${last}):\n${p.output().slice(-3000)}`);
}

/** One short chat completion; returns the parsed body. */
export async function chatCompletion(base: string, model: string, maxTokens = 4): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }], max_tokens: maxTokens }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* keep the text */ }
  return { status: res.status, body };
}
