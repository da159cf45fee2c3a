import type { ModelArchitecture } from "../catalog/types";
import { cudaGraphCaptureSizes } from "./vllm-behaviour";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * NCCL buffers per GPU at tensor parallel ≥ 2: ≈ 2.1 GiB on NVLink/NVSwitch boards (llm-d-planner,
 * H100, TP 2 and 4: 2.06–2.17 GiB); ≈ 0.2 GiB on PCIe cards (L40S TP 4 logged 0.21 GiB; A100s
 * without P2P ≈ 0.1). Unknown interconnects take the NVLink figure: overestimating is the safe side.
 */
const NCCL_GiB = { nvlink: 2.1, pcie: 0.2 } as const;

/**
 * CUDA-graph pool per captured batch size and per layer. vLLM 0.19+ logs "CUDA graph pool memory:
 * X GiB (actual)"; over Llama-3.1-8B (0.84–0.91 GiB), Qwen2-7B (0.50), Qwen2.5-7B (0.48), a
 * 94-layer MoE (3.45) and an 80-layer model (2.37) it comes to 0.3–0.55 MiB per layer per size.
 */
const CUDA_GRAPH_BYTES_PER_LAYER_PER_SIZE = 0.4 * MiB;
/** vLLM's estimate never falls below the first capture: 0.42–0.43 GiB logged with a single batch size. */
const CUDA_GRAPH_FLOOR_GiB = 0.4;

/**
 * The dense MLP width; inline architectures without one get it from the parameter count
 * (parameters per layer minus attention, over the three H × I projections of a gated MLP).
 */
export function denseIntermediate(arch: ModelArchitecture): number {
  if (arch.intermediateSize !== undefined) return arch.intermediateSize;
  const h = arch.hiddenSize;
  const embeddings = arch.vocabSize * h * (arch.tiedEmbeddings ? 1 : 2);
  const perLayer = (arch.paramsBillion * 1e9 - embeddings) / arch.layers;
  const attention = 2 * h * arch.attentionHeads * arch.headDim + 2 * h * arch.kvHeads * arch.headDim;
  return Math.max(h, (perLayer - attention) / (3 * h));
}

/** The parts of vLLM's profile-run peak ("torch peak memory increase"). */
export interface ActivationPeak {
  readonly totalGiB: number;
  /** Dummy sampler call: max_num_seqs × vocab logits through top-k/top-p. */
  readonly samplerGiB: number;
  /** Largest transient of the dummy forward over max_num_batched_tokens tokens. */
  readonly forwardGiB: number;
  /** Fused-MoE intermediate caches, allocated for the largest batch and kept. */
  readonly moeWorkspaceGiB: number;
}

/**
 * vLLM's profile run: one dummy forward over `maxNumBatchedTokens` tokens, then the sampler on the
 * last token of min(max_num_seqs, tokens) dummy requests. The peak is the larger of the forward's
 * biggest layer (hidden + residual, 4·H bytes per token, plus the MLP's gate/up output and its
 * activation, 6·I/TP) and the sampler (its logits scratch while the forward's hidden states are
 * still held), on top of the kept workspaces (kernel workspaces, fused-MoE caches). Logits are gathered to the full vocabulary on every
 * rank, so the sampler term does not shrink with tensor parallelism (llm-d: 1.89 GiB at TP 1, 2, 4).
 */
export function activationPeak(arch: ModelArchitecture, input: {
  readonly tensorParallel: number; readonly maxNumSeqs: number; readonly maxNumBatchedTokens: number;
  readonly samplerBytesPerLogit: number; readonly kernelWorkspaceGiB: number;
}): ActivationPeak {
  const tp = Math.max(1, input.tensorParallel);
  const tokens = input.maxNumBatchedTokens;
  const seqs = Math.min(input.maxNumSeqs, tokens);
  const h = arch.hiddenSize;
  const e = arch.experts;
  const mlpBytesPerToken = e ? 0 : 6 * denseIntermediate(arch) / tp;
  const forward = tokens * (4 * h + mlpBytesPerToken);
  const moeWorkspace = e ? tokens * e.active * (Math.max(2 * e.intermediateSize / tp, h) + e.intermediateSize / tp) * 2 : 0;
  const sampler = arch.encoderOnly ? 0 : seqs * arch.vocabSize * input.samplerBytesPerLogit;
  // The forward's output (tokens × H, bf16) and the random stand-ins for the sampled rows stay alive.
  const held = arch.encoderOnly ? 0 : tokens * h * 2 + seqs * h * 2;
  const total = input.kernelWorkspaceGiB * GiB + moeWorkspace + Math.max(forward, held + sampler);
  return { totalGiB: total / GiB, samplerGiB: sampler / GiB, forwardGiB: forward / GiB, moeWorkspaceGiB: moeWorkspace / GiB };
}

/** Memory outside PyTorch's allocator: CUDA context growth on one GPU, NCCL buffers on several. */
export function nonTorchGiB(tensorParallel: number, interconnect: "nvlink" | "pcie", singleGpuGiB: number): number {
  return tensorParallel >= 2 ? NCCL_GiB[interconnect] : singleGpuGiB;
}

/**
 * CUDA-graph pool vLLM (≥ 0.21) subtracts before sizing the KV pool: piecewise graphs per layer for
 * every captured batch size, and at least the first capture's buffers.
 */
export function cudaGraphGiB(arch: ModelArchitecture, maxNumSeqs: number): number {
  if (arch.encoderOnly) return 0;
  const perGraph = cudaGraphCaptureSizes(maxNumSeqs).length * arch.layers * CUDA_GRAPH_BYTES_PER_LAYER_PER_SIZE / GiB;
  return Math.max(CUDA_GRAPH_FLOOR_GiB, perGraph);
}
