import type { EngineId, Quantization } from "../fleet/recipe";
import type { HardwareProfile } from "./types";

/** Whether a weight format runs on an engine and GPU, and whether on its own kernels or a fallback. */
export interface QuantizationVerdict {
  readonly supported: boolean;
  /** True when the GPU computes in the format itself; false for weight-only fallbacks (Marlin) or upcasts. */
  readonly native: boolean;
  /** A sentence naming the GPU, its compute capability and, when unsupported, what to use instead. */
  readonly reason: string;
}

export interface QuantizationOptions {
  /** Mixture-of-experts model: FP8 MoE has no Ampere kernels. */
  readonly moe?: boolean;
}

type GgufQuantization = Extract<Quantization, `gguf-${string}`>;

/** The quant tag llama.cpp `-hf repo:TAG`, Ollama `hf.co/repo:TAG` and vLLM's GGUF plugin use. */
const GGUF_TAGS: Readonly<Record<GgufQuantization, string>> = {
  "gguf-q4_k_m": "Q4_K_M", "gguf-q5_k_m": "Q5_K_M", "gguf-q6_k": "Q6_K", "gguf-q8_0": "Q8_0", "gguf-f16": "F16",
};

/** Whether the format is a GGUF file (llama.cpp and Ollama). */
export function isGguf(q: Quantization): q is GgufQuantization {
  return q.startsWith("gguf-");
}

/** `gguf-q4_k_m` → `Q4_K_M`; undefined for non-GGUF formats. */
export function ggufQuantTag(q: Quantization): string | undefined {
  return isGguf(q) ? GGUF_TAGS[q] : undefined;
}

const ENGINE_NAMES: Readonly<Record<EngineId, string>> = {
  vllm: "vLLM", sglang: "SGLang", llamacpp: "llama.cpp", ollama: "Ollama", trtllm: "TensorRT-LLM", tei: "TEI",
};

const yes = (native: boolean, reason: string): QuantizationVerdict => ({ supported: true, native, reason });
const no = (reason: string): QuantizationVerdict => ({ supported: false, native: false, reason });

/** `rtx-4090 is 8.9 (ada)` */
function gpuSummary(hw: HardwareProfile, cc: number): string {
  return `${hw.id} is ${cc.toFixed(1)} (${hw.family})`;
}

/** What a GPU of this capability runs well instead of a format it lacks. */
function alternatives(cc: number): string {
  if (cc >= 8.9) return "use awq or fp8";
  if (cc >= 8.0) return "use awq or gptq";
  return "use fp16 or a gguf-* recipe on llamacpp";
}

/**
 * Whether `q` runs with `engine` on `hw`, after REFERENCE.md §1 and the engines' sources:
 * - NVFP4: FP4 tensor cores exist only on Blackwell (CC ≥ 10.0). vLLM would load it elsewhere as
 *   Marlin W4A16 with a warning, but that throws away what the format is for, so the fleet calls it
 *   unsupported and names the format that fits the GPU.
 * - FP8 W8A8: CC ≥ 8.9. Ampere (8.0–8.6) runs dense FP8 as W8A16 through FP8 Marlin; FP8 MoE does not
 *   run there (vLLM fp8.md; neuralmagic discussion in REFERENCE S49).
 * - MXFP4: vLLM needs CC ≥ 8.0 (mxfp4.py); its own kernels run on Hopper and SM100 (Triton,
 *   FlashInfer). Ampere, Ada and SM12x (RTX 5090, GB10) take weight-only Marlin: vLLM issues #30135
 *   and #31085 show SM120 falling back to Marlin. SGLang gates its MXFP4 Marlin MoE to SM90/SM120
 *   (sglang#33937), so Ada and Ampere are unsupported there.
 * - AWQ/GPTQ: Marlin kernels from CC 8.0; plain AWQ from 7.5 (Turing), GPTQ from 7.0.
 * - INT8 W8A8: CC ≥ 7.5. GGUF: llama.cpp and Ollama on any GPU or CPU.
 * - TEI: bf16/fp16 only; its CUDA backend computes in float16, its CPU image in float32.
 */
export function quantizationSupport(q: Quantization, engine: EngineId, hw: HardwareProfile, opts: QuantizationOptions = {}): QuantizationVerdict {
  if (engine === "llamacpp" || engine === "ollama") return ggufEngine(q, engine, hw);
  if (isGguf(q)) return no(ggufElsewhere(engine));
  if (engine === "tei") return teiFormat(q, hw);
  const cc = hw.computeCapability;
  if (cc === null) {
    return no(`${ENGINE_NAMES[engine]} needs an NVIDIA GPU, but ${hw.id} is CPU-only: run a gguf-* recipe on llamacpp or ollama there`);
  }
  return gpuFormat(q, engine, hw, cc, opts.moe ?? false);
}

function ggufEngine(q: Quantization, engine: "llamacpp" | "ollama", hw: HardwareProfile): QuantizationVerdict {
  const name = ENGINE_NAMES[engine];
  if (!isGguf(q)) {
    return no(`${name} loads GGUF files only and ${q} is not GGUF: pick a gguf-* quantization (e.g. gguf-q4_k_m) or run ${q} on vllm`);
  }
  const where = hw.computeCapability === null ? `${hw.id} (CPU)` : `${hw.id} (compute capability ${hw.computeCapability.toFixed(1)})`;
  return yes(true, `${q} runs on ${where} with ${name}.`);
}

function ggufElsewhere(engine: EngineId): string {
  if (engine === "vllm") {
    return "vLLM moved GGUF to the out-of-tree vllm-gguf-plugin in 0.24 (not in the vllm/vllm-openai image) and calls it highly experimental: run gguf-* recipes on llamacpp or ollama";
  }
  return `${ENGINE_NAMES[engine]} does not serve GGUF files reliably: run gguf-* recipes on llamacpp or ollama`;
}

function teiFormat(q: Quantization, hw: HardwareProfile): QuantizationVerdict {
  if (q !== "bf16" && q !== "fp16") {
    return no(`TEI serves embedding models in bf16 or fp16 only, not ${q}: use the model's bf16/fp16 checkpoint, or serve ${q} with vllm`);
  }
  const cc = hw.computeCapability;
  if (cc === null) return yes(false, `TEI's CPU image on ${hw.id} computes in float32; ${q} weights are upcast on load.`);
  if (cc < 7.5) return no(`TEI needs compute capability ≥ 7.5 (Turing); ${gpuSummary(hw, cc)}: use the cpu hardware or a newer GPU`);
  if (q === "bf16") return yes(false, `TEI's CUDA backend on ${hw.id} (${cc.toFixed(1)}) computes in float16; bf16 weights are converted on load.`);
  return yes(true, `fp16 runs natively with TEI on ${hw.id} (compute capability ${cc.toFixed(1)}).`);
}

function gpuFormat(q: Exclude<Quantization, GgufQuantization>, engine: Exclude<EngineId, "llamacpp" | "ollama" | "tei">, hw: HardwareProfile, cc: number, moe: boolean): QuantizationVerdict {
  const name = ENGINE_NAMES[engine];
  const on = `on ${hw.id} (compute capability ${cc.toFixed(1)}, ${hw.family})`;
  switch (q) {
    case "fp16":
      return yes(true, `fp16 runs natively ${on}.`);
    case "bf16":
      return cc >= 8.0 ? yes(true, `bf16 runs natively ${on}.`) : no(`bf16 needs compute capability ≥ 8.0 (Ampere); ${gpuSummary(hw, cc)}: use fp16`);
    case "nvfp4":
      if (cc >= 10.0) return yes(true, `nvfp4 runs natively ${on} with FP4 tensor cores.`);
      return no(`nvfp4 needs a Blackwell GPU (compute capability ≥ 10.0) for FP4 kernels; ${gpuSummary(hw, cc)}: ${alternatives(cc)}`);
    case "fp8":
      if (cc >= 8.9) return yes(true, `fp8 runs natively ${on} (FP8 W8A8 needs ≥ 8.9).`);
      if (engine === "trtllm") return no(`TensorRT-LLM runs fp8 only on compute capability ≥ 8.9; ${gpuSummary(hw, cc)}: ${alternatives(cc)}`);
      if (cc < 8.0) return no(`fp8 needs compute capability ≥ 8.0 even as weight-only FP8 Marlin; ${gpuSummary(hw, cc)}: ${alternatives(cc)}`);
      if (moe) return no(`fp8 MoE models have no kernels below compute capability 8.9; ${gpuSummary(hw, cc)}: use awq or gptq`);
      return yes(false, `fp8 ${on} runs as W8A16 through FP8 Marlin (no FP8 tensor cores below 8.9); expect lower throughput than on Ada or newer.`);
    case "mxfp4":
      return mxfp4(engine, hw, cc, on);
    case "awq":
    case "gptq":
      if (engine === "trtllm" && q === "gptq") return no(`TensorRT-LLM serves AWQ (int4_awq) but not GPTQ checkpoints: use awq or fp8 ${on}`);
      if (cc >= 8.0) return yes(true, `${q} runs ${on} with ${name}'s Marlin W4A16 kernels.`);
      if (engine !== "trtllm" && cc >= (q === "awq" ? 7.5 : 7.0)) return yes(false, `${q} ${on} runs without Marlin (needs ≥ 8.0), on slower ${q} kernels.`);
      return no(`${q} needs compute capability ≥ 8.0 with ${name}; ${gpuSummary(hw, cc)}: use fp16`);
    case "int8":
      if (engine === "trtllm") return no(`TensorRT-LLM's PyTorch backend has no INT8 W8A8 path: use fp8 or awq ${on}`);
      return cc >= 7.5 ? yes(true, `int8 (W8A8) runs natively ${on}.`) : no(`int8 W8A8 needs compute capability ≥ 7.5; ${gpuSummary(hw, cc)}: use fp16`);
  }
}

function mxfp4(engine: "vllm" | "sglang" | "trtllm", hw: HardwareProfile, cc: number, on: string): QuantizationVerdict {
  const ownKernels = cc >= 9.0 && cc < 11.0;
  if (ownKernels) return yes(true, `mxfp4 runs natively ${on}.`);
  if (engine === "vllm" && cc >= 8.0) {
    return yes(false, `mxfp4 ${on} runs as weight-only Marlin MXFP4 in vLLM (native MXFP4 kernels are Hopper and SM100 only).`);
  }
  if (engine !== "vllm" && cc >= 12.0) {
    return yes(false, `mxfp4 ${on} runs through ${ENGINE_NAMES[engine]}'s weight-only MXFP4 MoE path (its own kernels are Hopper and SM100).`);
  }
  if (engine !== "vllm" && cc >= 8.0) {
    return no(`mxfp4 with ${ENGINE_NAMES[engine]} needs a Hopper or Blackwell GPU; ${gpuSummary(hw, cc)}: run it on vllm (Marlin MXFP4 from 8.0) or ${alternatives(cc)}`);
  }
  return no(`mxfp4 needs compute capability ≥ 8.0; ${gpuSummary(hw, cc)}: use a gguf-* recipe on llamacpp or ollama`);
}
