import { HF_HOME_PATH } from "../../catalog/engines";
import type { EngineRender, EngineRenderContext } from "./types";

/**
 * text-embeddings-router for one deployment (router/src/main.rs at 1.9.3). `--dtype` is float16 on
 * GPUs, because the candle CUDA backend has no bfloat16 (backends/src/dtype.rs), and float32 on the
 * CPU image, its default there. The images set HUGGINGFACE_HUB_CACHE=/data; it is pointed at the
 * shared hub cache instead. `maxNumBatchedTokens` maps to `--max-batch-tokens` (default 16384).
 * Health `/health`, Prometheus text `/metrics` on the same port. TEI also opens its own Prometheus
 * exporter on `--prometheus-port` (default 9000); with host networking that port is taken on the
 * machine too, and the port-collision check claims it (`teiExporterPort`).
 */
export function renderTei(ctx: EngineRenderContext): EngineRender {
  const r = ctx.recipe;
  const dtype = ctx.hardware.computeCapability === null ? "float32" : "float16";
  const args = [
    "--model-id", ctx.modelPath ?? r.model.id,
    ...(ctx.modelPath || !r.model.revision ? [] : ["--revision", r.model.revision]),
    "--served-model-name", ctx.servedName,
    "--hostname", ctx.listenHost,
    "--port", String(ctx.port),
    "--dtype", dtype,
    ...(r.maxNumBatchedTokens === undefined ? [] : ["--max-batch-tokens", String(r.maxNumBatchedTokens)]),
    ...r.extraArgs,
  ];
  return {
    entrypoint: null,
    args,
    env: { HUGGINGFACE_HUB_CACHE: `${HF_HOME_PATH}/hub`, ...r.env },
    healthPath: "/health",
    metricsPath: "/metrics",
    files: [],
    ipcHost: false,
    shmSizeMiB: null,
  };
}
