// The real LiteLLM proxy (the locally built fabric-test/litellm image) in a container of its own on
// a free loopback port, with a rendered config. Missing Docker or image fails, naming the set-up.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./llama-processes";

const SETUP = "run `scripts/setup-docker.sh && scripts/build-test-images.sh litellm` (the project set-up does both)";

export interface RunningGateway {
  readonly url: string;
  readonly name: string;
  logs(): string;
  stop(): void;
}

function docker(args: readonly string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync("docker", args, { encoding: "utf8", timeout: timeoutMs });
  if (run.error) assert.fail(`docker ${args[0]} could not run (${run.error.message}); ${SETUP}`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * Starts `image` with `configYaml` mounted as its config and `env` (values reach `docker run`
 * through the environment, never its argv), `loopbackNames` resolving to 127.0.0.1 inside it, the
 * config's callback `modules` (file name → source) beside it, and waits until /health/readiness answers.
 */
export async function startLiteLLM(image: string, configYaml: string, env: Readonly<Record<string, string>>, namePrefix: string, loopbackNames: readonly string[] = [],
  modules: Readonly<Record<string, string>> = {}): Promise<RunningGateway> {
  if (docker(["image", "inspect", image]).status !== 0) assert.fail(`image ${image} is missing; ${SETUP}`);
  const dir = mkdtempSync(join(tmpdir(), `${namePrefix}-`));
  writeFileSync(join(dir, "config.yaml"), configYaml);
  for (const [file, content] of Object.entries(modules)) writeFileSync(join(dir, file), content, { mode: 0o644 });
  chmodSync(dir, 0o755);
  const port = await freePort();
  const name = `${namePrefix}-${process.pid}-${port}`;
  const envArgs = Object.keys(env).flatMap((k) => ["-e", k]);
  const hostArgs = loopbackNames.flatMap((n) => ["--add-host", `${n}:127.0.0.1`]);
  const run = spawnSync("docker", ["run", "-d", "--name", name, "--network", "host", "-v", `${dir}:/fabric:ro`, ...envArgs, ...hostArgs,
    image, "--config", "/fabric/config.yaml", "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"],
  { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  if (run.error || run.status !== 0) assert.fail(`docker run ${image} failed: ${run.error?.message ?? run.stderr}; ${SETUP}`);
  const gateway: RunningGateway = {
    url: `http://127.0.0.1:${port}`,
    name,
    logs: () => { const l = docker(["logs", "--tail", "200", name]); return `${l.stdout}${l.stderr}`; },
    stop: () => { docker(["rm", "-f", name], 30_000); rmSync(dir, { recursive: true, force: true }); },
  };
  const deadline = Date.now() + 180_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${gateway.url}/health/readiness`, { signal: AbortSignal.timeout(5000) });
      if (r.ok) return gateway;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (docker(["inspect", "-f", "{{.State.Status}}", name]).stdout.trim() !== "running") {
      const logs = gateway.logs();
      gateway.stop();
      assert.fail(`LiteLLM stopped before it was ready: ${logs.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const logs = gateway.logs();
  gateway.stop();
  return assert.fail(`LiteLLM not ready within 180 s (last: ${last}): ${logs.slice(-3000)}`);
}
