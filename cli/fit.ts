import { parseArgs } from "node:util";
import { didYouMean } from "../core/catalog/did-you-mean";
import { engineProfile } from "../core/catalog/engines";
import { findHardware, hardwareCatalog, multiGpuInterconnect } from "../core/catalog/hardware";
import { architectureFromHfConfig } from "../core/catalog/hf-config";
import { findModel, modelCatalog } from "../core/catalog/models";
import type { HardwareProfile, ModelArchitecture } from "../core/catalog/types";
import { errorBandFor, formatErrorBand, hardwareClass } from "../core/fit/error-band";
import { fitEngine } from "../core/fit/fit";
import { thousands } from "../core/fit/fit-message";
import type { FitInput, FitResult } from "../core/fit/types";
import { vllmSchedulerDefaults } from "../core/fit/vllm-behaviour";
import { EngineId, KvCacheDtype, Quantization } from "../core/fleet/recipe";
import { defaultMemoryFraction } from "../core/plan/resolve";

/** The streams `fabric fit` uses; tests pass captured ones. */
export interface FitIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly readFile: (p: string) => string;
}

const USAGE = `fabric fit — does a model fit a GPU, and how much KV cache is left

  fabric fit (--model <catalog id | HF repo> | --config <config.json>) --gpu <hardware id> [options]

  --gpu-memory-gib N            memory per GPU (default: the hardware catalog's CUDA total)
  --gpus N                      tensor-parallel size (default 1)
  --quantization Q              ${Quantization.options.join("|")}
                                (default: from the repo name or config.json, else bf16)
  --kv-cache-dtype D            ${KvCacheDtype.options.join("|")} (default auto)
  --max-model-len N             context length (default: the model's maximum)
  --gpu-memory-utilization F    memory fraction (default: the engine's own — vLLM 0.92 from 0.26, SGLang per GPU, TRT-LLM 0.9)
  --max-num-seqs N              concurrent sequences (default: the engine's)
  --max-num-batched-tokens N    tokens per scheduler step (default: vLLM's for the GPU)
  --weights-gib N               measured weight size per GPU (overrides the estimate)
  --other-gib N                 memory other processes hold on the GPU at start (a desktop, another engine; default 0,
                                on a DGX Spark what the OS holds of its unified memory, 7.4)
  --engine E                    ${EngineId.options.join("|")} (default vllm)
  --engine-version X.Y.Z        engine release (default: the engine catalog's)
  --json                        machine-readable output

Exit 0 when it fits, 1 when it does not, 2 for unusable arguments.`;

const OPTIONS = {
  model: { type: "string" }, config: { type: "string" }, gpu: { type: "string" }, "gpu-memory-gib": { type: "string" },
  gpus: { type: "string" }, quantization: { type: "string" }, "kv-cache-dtype": { type: "string" },
  "max-model-len": { type: "string" }, "gpu-memory-utilization": { type: "string" }, "max-num-seqs": { type: "string" },
  "max-num-batched-tokens": { type: "string" }, "weights-gib": { type: "string" }, "other-gib": { type: "string" }, engine: { type: "string" },
  "engine-version": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
} as const;

/** An argument problem: reported on stderr with exit code 2. */
class UsageError extends Error {}

/** `fabric fit`: prints the memory fit; returns 0 fits, 1 does not fit, 2 bad arguments. Never throws. */
export function runFit(args: string[], io: FitIo): number {
  try {
    const { values } = parseFitArgs(args);
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const request = resolveRequest(values, io);
    const result = fitEngine(request.input);
    io.out(values.json ? JSON.stringify(jsonReport(request, result), null, 2) : humanReport(request, result));
    return result.fits ? 0 : 1;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.err(`fabric fit: ${message}${e instanceof UsageError ? "\n\nRun 'fabric fit --help' for every flag." : ""}`);
    return e instanceof UsageError ? 2 : 70;
  }
}

function parseFitArgs(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (e) {
    const text = (e as Error).message;
    const flag = /'(-{1,2}[^']+)'/.exec(text)?.[1];
    const guess = flag ? didYouMean(flag.replace(/^-+/, ""), Object.keys(OPTIONS)) : undefined;
    throw new UsageError(`${text.split("\n")[0]}${guess ? ` (did you mean --${guess}?)` : ""}`);
  }
}

type Values = ReturnType<typeof parseFitArgs>["values"];

interface FitRequest {
  readonly input: FitInput;
  readonly modelLabel: string;
  readonly hardware: HardwareProfile;
  readonly inferredQuantization: boolean;
}

function resolveRequest(v: Values, io: FitIo): FitRequest {
  if (!v.gpu) throw new UsageError("--gpu is required, e.g. --gpu rtx-5090");
  const hardware = findHardware(v.gpu);
  if (!hardware) throw new UsageError(unknown("GPU", v.gpu, hardwareCatalog.map((h) => h.id)));
  const { architecture, label, quantHint } = resolveModel(v, io);
  const engine = choice(EngineId.options, v.engine ?? "vllm", "--engine");
  const quantization = choice(Quantization.options, v.quantization ?? quantHint ?? "bf16", "--quantization");
  const tensorParallel = integer(v.gpus, "--gpus") ?? 1;
  const gpuMemoryGiB = number(v["gpu-memory-gib"], "--gpu-memory-gib") ?? hardware.memoryGiB;
  const batchedTokens = integer(v["max-num-batched-tokens"], "--max-num-batched-tokens");
  const utilisation = number(v["gpu-memory-utilization"], "--gpu-memory-utilization") ?? defaultMemoryFraction({
    engine, engineVersion: v["engine-version"] ?? engineProfile(engine).defaultVersion, tensorParallel, maxNumBatchedTokens: batchedTokens,
  }, gpuMemoryGiB);
  if (utilisation > 1) throw new UsageError(`--gpu-memory-utilization is a fraction in (0, 1], got ${utilisation}; for 90 % pass 0.9`);
  const engineDefaultSeqs = engine === "vllm" ? vllmSchedulerDefaults(gpuMemoryGiB, hardware.id, hardware.unifiedMemory).maxNumSeqs
    : engine === "llamacpp" || engine === "ollama" ? 1 : engine === "tei" ? 512 : 256;
  const weights = number(v["weights-gib"], "--weights-gib");
  // Unset: what the hardware's OS holds of a unified pool (DGX Spark), else nothing; 0 is allowed.
  const otherGiB = v["other-gib"] === "0" ? 0 : number(v["other-gib"], "--other-gib") ?? hardware.hostReservedGiB;
  const batched = batchedTokens;
  const input: FitInput = {
    architecture, quantization, engine, tensorParallel, gpuMemoryGiB,
    kvCacheDtype: choice(KvCacheDtype.options, v["kv-cache-dtype"] ?? "auto", "--kv-cache-dtype"),
    unifiedMemory: hardware.unifiedMemory,
    gpuMemoryUtilization: utilisation,
    maxModelLen: integer(v["max-model-len"], "--max-model-len") ?? architecture.maxContext ?? 8192,
    maxNumSeqs: integer(v["max-num-seqs"], "--max-num-seqs") ?? engineDefaultSeqs,
    engineVersion: v["engine-version"] ?? engineProfile(engine).defaultVersion,
    hardwareId: hardware.id,
    interconnect: multiGpuInterconnect(hardware),
    ...(batched === undefined ? {} : { maxNumBatchedTokens: batched }),
    ...(weights === undefined ? {} : { weightsGiB: weights }),
    ...(otherGiB === undefined ? {} : { otherProcessesGiB: otherGiB }),
  };
  return { input, modelLabel: label, hardware, inferredQuantization: v.quantization === undefined && quantHint !== undefined };
}

function resolveModel(v: Values, io: FitIo): { architecture: ModelArchitecture; label: string; quantHint: string | undefined } {
  if ((v.model === undefined) === (v.config === undefined)) {
    throw new UsageError("pass exactly one of --model <catalog id or HF repo> and --config <config.json>");
  }
  if (v.config !== undefined) {
    let text: string;
    try { text = io.readFile(v.config); } catch (e) { throw new UsageError(`cannot read --config ${v.config}: ${(e as Error).message}`); }
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch (e) { throw new UsageError(`--config ${v.config} is not JSON: ${(e as Error).message}`); }
    try {
      return { architecture: architectureFromHfConfig(parsed), label: v.config, quantHint: quantFromConfig(parsed) };
    } catch (e) { throw new UsageError(`--config ${v.config}: ${(e as Error).message}`); }
  }
  const model = v.model ?? "";
  const entry = findModel(model);
  if (!entry) {
    throw new UsageError(`${unknown("model", model, modelCatalog.map((m) => m.id))}; for other models pass --config <config.json>`);
  }
  return { architecture: entry.architecture, label: entry.id === model ? model : `${entry.id} (${model})`, quantHint: quantFromName(model) };
}

/** The weight format a repository name announces (`-AWQ`, `-NVFP4`, gpt-oss's MXFP4, `-GGUF`). */
function quantFromName(name: string): string | undefined {
  const n = name.toLowerCase();
  if (/awq/.test(n)) return "awq";
  if (/gptq|w4a16/.test(n)) return "gptq";
  if (/nvfp4/.test(n)) return "nvfp4";
  if (/fp8/.test(n)) return "fp8";
  if (/w8a8|int8/.test(n)) return "int8";
  if (/gguf/.test(n)) return "gguf-q4_k_m";
  if (/gpt-oss/.test(n)) return "mxfp4";
  return undefined;
}

/** The weight format config.json's quantization_config declares. */
function quantFromConfig(config: unknown): string | undefined {
  const q = (config as { quantization_config?: { quant_method?: unknown } }).quantization_config;
  const method = typeof q?.quant_method === "string" ? q.quant_method.toLowerCase() : "";
  if (method === "modelopt_fp4" || method === "nvfp4") return "nvfp4";
  return ["awq", "gptq", "fp8", "mxfp4"].includes(method) ? method : undefined;
}

function unknown(what: string, value: string, known: readonly string[]): string {
  const guess = didYouMean(value, known);
  return `unknown ${what} '${value}'${guess ? `: did you mean '${guess}'?` : ""} Known: ${known.join(", ")}`;
}

function choice<T extends string>(options: readonly T[], value: string, flag: string): T {
  const hit = options.find((o) => o === value.toLowerCase());
  if (hit) return hit;
  const guess = didYouMean(value, options);
  throw new UsageError(`${flag} '${value}' is not one of ${options.join(", ")}${guess ? ` (did you mean '${guess}'?)` : ""}`);
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got '${value}'`);
  return n;
}

function integer(value: string | undefined, flag: string): number | undefined {
  const n = number(value, flag);
  if (n !== undefined && !Number.isInteger(n)) throw new UsageError(`${flag} must be a whole number, got '${value}'`);
  return n;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function jsonReport(r: FitRequest, f: FitResult): Record<string, unknown> {
  const i = r.input;
  return {
    model: r.modelLabel, gpu: r.hardware.id, engine: i.engine, engineVersion: i.engineVersion, quantization: i.quantization,
    kvCacheDtype: i.kvCacheDtype, tensorParallel: i.tensorParallel, maxModelLen: i.maxModelLen, maxNumSeqs: i.maxNumSeqs,
    gpuMemoryUtilization: i.gpuMemoryUtilization, totalGiB: round(f.totalGiB), budgetGiB: round(f.budgetGiB),
    weightsGiB: round(f.weightsGiB), activationGiB: round(f.activationGiB), nonTorchGiB: round(f.nonTorchGiB),
    cudaGraphGiB: round(f.cudaGraphGiB), kvPoolGiB: round(f.kvPoolGiB), kvBytesPerToken: round(f.kvBytesPerToken, 2),
    kvCacheTokens: f.kvCacheTokens, maxConcurrency: round(f.maxConcurrency, 2), fits: f.fits, message: f.message,
    kvErrorBand: errorBandFor(i.engine, r.hardware.id, i.tensorParallel) ?? null,
  };
}

/** The error measured against real startup logs for this engine and hardware class. */
function kvBand(r: FitRequest): string {
  const i = r.input;
  return formatErrorBand(errorBandFor(i.engine, r.hardware.id, i.tensorParallel), i.engine, hardwareClass(r.hardware.id, i.tensorParallel));
}

function humanReport(r: FitRequest, f: FitResult): string {
  const i = r.input;
  const g = (x: number) => `${x.toFixed(2).padStart(8)} GiB`;
  const quant = `${i.quantization}${r.inferredQuantization ? " (from the name/config; --quantization to change)" : ""}`;
  const rows: Array<[string, string]> = [
    ["model", r.modelLabel],
    ["gpu", `${r.hardware.id}, ${f.totalGiB} GiB${i.tensorParallel > 1 ? ` × ${i.tensorParallel} (tensor parallel, figures per GPU)` : ""}`],
    ["engine", `${i.engine} ${i.engineVersion}, weights ${quant}, KV cache ${i.kvCacheDtype}`],
    ["budget", g(f.budgetGiB)], ["weights", g(f.weightsGiB)], ["activation", g(f.activationGiB)],
    ["non-torch", g(f.nonTorchGiB)], ["CUDA graphs", g(f.cudaGraphGiB)],
    ["KV pool", `${g(f.kvPoolGiB)}  (${Math.round(f.kvBytesPerToken)} bytes/token)`],
    ["KV tokens", `${thousands(f.kvCacheTokens)}  (${kvBand(r)})`],
    ["sequences", `${f.maxConcurrency.toFixed(2)} at ${i.maxModelLen} tokens`],
  ];
  return [...rows.map(([k, v]) => `${k.padEnd(12)}${v}`), "", f.message].join("\n");
}
