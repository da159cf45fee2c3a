import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { engineEnvKnown } from "../../core/checks/engine-env";
import { Fleet } from "../../core/fleet/schema";
import { resolveFleet } from "../../core/plan/resolve";
import { validFleet } from "../support/fleets";

function warnings(mutate: (f: any) => void) {
  const fleet = validFleet();
  mutate(fleet);
  return engineEnvKnown.run(resolveFleet(Fleet.parse(fleet)));
}

describe("engine-env-known", () => {
  it("passes the engine's own variables and anything without its prefix", () => {
    assert.deepEqual(warnings((f) => { f.recipes["llama-8b"].env = { VLLM_LOGGING_LEVEL: "INFO", CUDA_VISIBLE_DEVICES: "0", NCCL_DEBUG: "INFO" }; }), []);
  });
  it("warns about homelab's old VLLM_NVFP4_GEMM_BACKEND, which vLLM 0.26 only warns about and ignores", () => {
    const [v, ...rest] = warnings((f) => { f.recipes["llama-8b"].env = { VLLM_NVFP4_GEMM_BACKEND: "flashinfer-cutlass" }; });
    assert.equal(rest.length, 0);
    assert.equal(v?.severity, "warning");
    assert.equal(v?.path, "recipes.llama-8b.env.VLLM_NVFP4_GEMM_BACKEND");
    assert.match(v?.message ?? "", /^VLLM_NVFP4_GEMM_BACKEND is not an environment variable of vllm 0\.26\.0 \(vllm\/envs\.py/);
  });
  it("suggests the near miss", () => {
    const [v] = warnings((f) => { f.recipes["llama-8b"].env = { VLLM_LOGING_LEVEL: "INFO" }; });
    assert.match(v?.message ?? "", /did you mean VLLM_LOGGING_LEVEL\?/);
  });
  it("judges Ollama and SGLang names too, and no recipe pinned to another version", () => {
    const v = warnings((f) => {
      f.recipes.o = { engine: "ollama", model: { id: "Qwen/Qwen3-8B-GGUF", config: "qwen3-8b" }, quantization: "gguf-q4_k_m", env: { OLLAMA_KV_CACHE_TYPE: "q8_0", OLLAMA_GPU_LAYERS: "99" } };
      f.recipes.s = { engine: "sglang", model: { id: "Qwen/Qwen3-8B" }, env: { SGLANG_NOT_A_THING: "1" } };
      f.recipes.old = { engine: "vllm", engineVersion: "0.11.0", model: { id: "Qwen/Qwen3-8B" }, env: { VLLM_NVFP4_GEMM_BACKEND: "x" } };
    });
    assert.deepEqual(v.map((x) => x.path), ["recipes.o.env.OLLAMA_GPU_LAYERS", "recipes.s.env.SGLANG_NOT_A_THING"]);
  });
});
