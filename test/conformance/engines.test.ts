// Every engine command line, environment and config file the conformance fleet renders (through
// the real plan()) is read by the engine's own code at the pinned version: vLLM's and SGLang's
// argument parsers from their PyPI wheels, Ollama's envconfig and Modelfile parser from its Go
// module. scripts/setup-conformance.sh makes them; without them these tests fail, never pass.
// TensorRT-LLM and TEI have no parser that installs here: see trtllm-tei-sources.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Fleet } from "../../core/fleet/schema";
import { plan } from "../../core/plan/plan";
import type { EnginePlan } from "../../core/plan/types";
import { OLLAMA_MODELFILE_PATH } from "../../core/render/engines/ollama";
import { engineEnvNames } from "../../core/checks/engine-env";
import { conformanceFleet } from "./fleet";

const cache = join(process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric"), "conformance");
const setupHint = "run scripts/setup-conformance.sh (scripts/test does)";
const engines = plan(Fleet.parse(conformanceFleet())).engines;

interface Verdict { readonly deployment: string; readonly errors: readonly string[] }

function run(command: string, args: readonly string[], input: unknown, env: NodeJS.ProcessEnv = {}): Verdict[] {
  assert.ok(existsSync(command), `${command} is missing: ${setupHint}`);
  const r = spawnSync(command, args, { input: JSON.stringify(input), encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${command} ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Verdict[];
}

function parsedByPython(engine: "vllm" | "sglang"): Verdict[] {
  const rendered = engines.filter((e) => e.engine === engine);
  const items = rendered.map((e) => ({ deployment: e.deployment, args: [...e.container.args], env: e.container.env }));
  return run(join(cache, engine, "bin", "python"), [join(__dirname, "parse_engine_args.py"), engine], items,
    { PYTHONPATH: join(__dirname, "torch-stub"), HF_HUB_OFFLINE: "1", VLLM_LOGGING_LEVEL: "ERROR" });
}

function assertAllAccepted(verdicts: readonly Verdict[], rendered: readonly EnginePlan[]): void {
  assert.equal(verdicts.length, rendered.length);
  assert.ok(verdicts.length >= 20, `only ${verdicts.length} deployments rendered`);
  const rejected = verdicts.filter((v) => v.errors.length > 0).map((v) => `${v.deployment}: ${v.errors.join("; ")}`);
  assert.deepEqual(rejected, [], `the engine's own parser rejected:\n${rejected.join("\n")}`);
}

describe("vLLM 0.26.0 parses what the fleet renders (make_arg_parser, SpeculativeConfig, vllm.envs)", () => {
  it("accepts every argv, speculative config and VLLM_* name", () => assertAllAccepted(parsedByPython("vllm"), engines.filter((e) => e.engine === "vllm")));
  it("rejects what it should: the check has teeth", () => {
    const bad = [{ deployment: "bad", args: ["m/x", "--kv-cache-dtype", "q8_0", "--speculative-config", '{"method":"ngram","k":1}'], env: { VLLM_NVFP4_GEMM_BACKEND: "x" } },
      { deployment: "bad-spec", args: ["m/x", "--speculative-config", '{"method":"ngram","k":1}'], env: { VLLM_NVFP4_GEMM_BACKEND: "x" } }];
    const [flag, spec] = run(join(cache, "vllm", "bin", "python"), [join(__dirname, "parse_engine_args.py"), "vllm"], bad,
      { PYTHONPATH: join(__dirname, "torch-stub"), VLLM_LOGGING_LEVEL: "ERROR" });
    assert.match(flag?.errors[0] ?? "", /invalid choice: 'q8_0'/);
    assert.ok(spec?.errors.some((e) => /key 'k' is not a SpeculativeConfig field/.test(e)));
    assert.ok(spec?.errors.some((e) => /VLLM_NVFP4_GEMM_BACKEND is not a vLLM environment variable/.test(e)));
  });
});

describe("SGLang 0.5.18 parses what the fleet renders (ServerArgs.add_cli_args, environ.Envs)", () => {
  it("accepts every argv and SGLANG_* name", () => assertAllAccepted(parsedByPython("sglang"), engines.filter((e) => e.engine === "sglang")));
});

describe("Ollama v0.32.15 reads what the fleet renders (envconfig, parser.ParseFile, api.FormatParams)", () => {
  it("knows every OLLAMA_* variable and parses every Modelfile", () => {
    const rendered = engines.filter((e) => e.engine === "ollama");
    const items = rendered.map((e) => ({
      deployment: e.deployment, env: e.container.env, modelfile: e.container.files.find((f) => f.containerPath === OLLAMA_MODELFILE_PATH)?.content ?? "",
    }));
    assert.ok(items.every((i) => i.modelfile.startsWith("FROM ")));
    const verdicts = run(join(cache, "bin", "ollama-conformance"), [], items);
    const rejected = verdicts.filter((v) => v.errors.length > 0).map((v) => `${v.deployment}: ${v.errors.join("; ")}`);
    assert.equal(verdicts.length, 3);
    assert.deepEqual(rejected, []);
  });
});

describe("fabric check's engine-env-known lists are the engines' own", () => {
  const stub = { PYTHONPATH: join(__dirname, "torch-stub"), VLLM_LOGGING_LEVEL: "ERROR" };
  function names(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string[] {
    assert.ok(existsSync(command), `${command} is missing: ${setupHint}`);
    const r = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  }
  for (const engine of ["vllm", "sglang"] as const) {
    it(`${engine} ${engineEnvNames[engine].version}`, () => {
      const own = names(join(cache, engine, "bin", "python"), [join(__dirname, "parse_engine_args.py"), engine, "--env-names"], stub);
      assert.deepEqual(engineEnvNames[engine].names, own.filter((n) => n.startsWith(engineEnvNames[engine].prefix)));
    });
  }
  it(`ollama ${engineEnvNames.ollama.version}`, () => {
    const own = names(join(cache, "bin", "ollama-conformance"), ["--env-names"]);
    assert.deepEqual(engineEnvNames.ollama.names, own.filter((n) => n.startsWith("OLLAMA_")));
  });
});
