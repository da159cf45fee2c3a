import type { ModelArchitecture } from "../catalog/types";
import type { Quantization } from "../fleet/recipe";

const GiB = 1024 ** 3;

/** Parameters by the role that decides their storage format. */
export interface ParameterSplit {
  /** Input embedding (vocab × hidden). */
  readonly embedding: number;
  /** Output projection; zero when tied to the embedding. */
  readonly lmHead: number;
  /** Routed expert MLPs of a mixture-of-experts model. */
  readonly experts: number;
  /** Everything else: attention, dense MLPs, shared experts, norms, vision tower. */
  readonly other: number;
}

/** Splits the total parameter count into the parts quantisers treat differently. */
export function parameterSplit(arch: ModelArchitecture): ParameterSplit {
  const total = arch.paramsBillion * 1e9;
  const embedding = Math.min(total, arch.vocabSize * arch.hiddenSize);
  const lmHead = arch.tiedEmbeddings ? 0 : Math.min(total - embedding, arch.vocabSize * arch.hiddenSize);
  const e = arch.experts;
  const routed = e ? arch.layers * e.total * 3 * arch.hiddenSize * e.intermediateSize : 0;
  const experts = Math.min(total - embedding - lmHead, routed);
  return { embedding, lmHead, experts, other: Math.max(0, total - embedding - lmHead - experts) };
}

/** Bits per parameter of each part in a checkpoint format. */
export interface StorageBits { readonly embedding: number; readonly experts: number; readonly other: number }

/** GGUF sizes measured on Llama-3.1-8B files (llama.cpp quantize README), embeddings included. */
const GGUF_BITS: Readonly<Record<string, number>> = {
  "gguf-q4_k_m": 4.89, "gguf-q5_k_m": 5.7, "gguf-q6_k": 6.56, "gguf-q8_0": 8.5, "gguf-f16": 16,
};

/**
 * Storage bits per part. Embeddings and lm_head stay 16-bit in every vLLM-served format; AWQ/GPTQ
 * 4-bit with group 128 carries an fp16 scale and a 4-bit zero per group (4 + 20/128); NVFP4 is
 * E2M1 plus an E4M3 scale per 16 (4.5); MXFP4 (gpt-oss) quantises only the experts, with an E8M0
 * scale per 32 (4.25), and keeps attention in BF16; FP8/INT8 scales are per channel or per 128×128
 * block, under 0.1 % of the bytes.
 */
export function storageBits(quantization: Quantization, hasExperts: boolean): StorageBits {
  const gguf = GGUF_BITS[quantization];
  if (gguf !== undefined) return { embedding: gguf, experts: gguf, other: gguf };
  switch (quantization) {
    case "bf16": case "fp16": return { embedding: 16, experts: 16, other: 16 };
    case "fp8": case "int8": return { embedding: 16, experts: 8, other: 8 };
    case "awq": case "gptq": return { embedding: 16, experts: 4 + 20 / 128, other: 4 + 20 / 128 };
    case "nvfp4": return { embedding: 16, experts: 4.5, other: 4.5 };
    case "mxfp4": return { embedding: 16, experts: 4.25, other: hasExperts ? 16 : 4.25 };
    default: return { embedding: 16, experts: 16, other: 16 };
  }
}

/**
 * Estimated weight memory per GPU in GiB, as vLLM reports it in "Model loading took X GiB": every
 * part by its storage format, divided by the tensor-parallel size (vLLM shards embeddings and
 * lm_head by vocabulary too), plus the rotary cos/sin cache (max positions × head_dim, 16-bit) that
 * the loader allocates with the weights. GGUF files are measured whole, so they skip the split.
 */
export function estimateWeightsGiB(arch: ModelArchitecture, quantization: Quantization, tensorParallel: number): number {
  const tp = Math.max(1, tensorParallel);
  const split = parameterSplit(arch);
  const bits = storageBits(quantization, split.experts > 0);
  const experts = split.experts * (quantization === "mxfp4" ? mxfp4ExpertPadding(arch, tp) : 1);
  const bytes = ((split.embedding + split.lmHead) * bits.embedding + experts * bits.experts + split.other * bits.other) / 8;
  const rope = quantization.startsWith("gguf") ? 0 : (arch.maxContext ?? 0) * arch.headDim * 2;
  return (bytes / tp + rope) / GiB;
}

/**
 * vLLM's MXFP4 MoE kernels (Marlin and Triton) pad each expert's hidden and per-rank intermediate
 * dimensions up to multiples of 256: gpt-oss's 2880 becomes 3072 in both, 13.8 % more expert bytes.
 * Measured: gpt-oss-120b at TP 4 loads 17.22 GiB per GPU against 15.2 GiB unpadded (vLLM 0.10.1).
 */
function mxfp4ExpertPadding(arch: ModelArchitecture, tp: number): number {
  const e = arch.experts;
  if (!e) return 1;
  const up = (n: number) => Math.ceil(n / 256) * 256;
  const perRank = e.intermediateSize / tp;
  return (up(arch.hiddenSize) / arch.hiddenSize) * (up(perRank) / perRank);
}
