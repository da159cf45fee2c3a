import { defaultEngineImage, engineProfile } from "../catalog/engines";
import { MODEL_CACHE_PATH, renderEngine, renderLlamaSwap } from "../render/engines";
import type { EngineRender } from "../render/engines/types";
import { recipeHash, swapSlotHash } from "../render/recipe-hash";
import { shellCommand } from "../render/shell";
import { serviceImage } from "../catalog/services";
import type { Fleet } from "../fleet/schema";
import { baseContainer, httpHealthCheck, listenHost, publishedPorts } from "./containers";
import type { ResolvedInstance, ResolvedMachine, ResolvedRecipe } from "./resolve";
import type { EnginePlan, ModelSync, SecretEnv } from "./types";

/** The renderer's own probe command when it has one (exec form), else the HTTP check of its health path. */
function engineHealthCheck(machine: ResolvedMachine, port: number, render: EngineRender, startPeriodSeconds: number) {
  const http = httpHealthCheck(machine, port, render.healthPath, startPeriodSeconds);
  return render.healthCommand ? { ...http, test: ["CMD", ...render.healthCommand] } : http;
}

/** Where a model synced from the store lives inside the cache volume. */
export function storeModelPath(recipe: ResolvedRecipe): string {
  return `${MODEL_CACHE_PATH}/store/${storePrefix(recipe)}`;
}

function storePrefix({ recipe }: ResolvedRecipe): string {
  return recipe.model.revision ? `${recipe.model.id}/${recipe.model.revision}` : recipe.model.id;
}

/** The volume engines on one machine share for downloaded weights. */
export function modelCacheVolume(machine: ResolvedMachine): string {
  return machine.spec.modelCacheDir ?? `fabric-models-${machine.spec.name}`;
}

/** The container plan of one deployment instance. Throws (with the deployment named) when a renderer rejects the recipe. */
export function planEngine(fleet: Fleet, d: ResolvedInstance): EnginePlan {
  const machine = d.machine as ResolvedMachine;
  const hardware = machine.hardware!;
  const hfToken: SecretEnv[] = typeof fleet.huggingFaceToken === "object" ? [{ name: "HF_TOKEN", secret: fleet.huggingFaceToken.secret }] : [];
  const fromStore = (r: ResolvedRecipe) => r.recipe.model.source === "store" && fleet.storage !== undefined;
  const common = { deployment: d.name, servedName: d.servedName, listenHost: listenHost(machine), port: d.port, hardware, hasHfToken: hfToken.length > 0 };
  const single = d.spec.swap ? undefined : d.recipes[0];
  const render: EngineRender = single
    ? renderEngine({ ...common, recipeName: single.name, recipe: single.recipe, modelPath: fromStore(single) ? storeModelPath(single) : null })
    : renderLlamaSwap({ ...common, ttlSeconds: d.spec.swap?.ttlSeconds ?? 0, members: d.recipes.map((r) => ({ recipeName: r.name, recipe: r.recipe, modelPath: fromStore(r) ? storeModelPath(r) : null })) });
  const kind = single ? single.recipe.engine : "llama-swap";
  const image = single
    ? single.recipe.image ?? defaultEngineImage(kind, hardware, single.recipe.engineVersion)
    : d.spec.swap?.image ?? defaultEngineImage("llama-swap", hardware);
  const hash = single ? recipeHash(single.recipe) : swapSlotHash(Object.fromEntries(d.recipes.map((r) => [r.name, r.recipe])));
  const recipeName = single ? single.name : d.recipes.map((r) => r.name).join("+");
  const base = baseContainer(`${d.name}-${hash.slice(0, 8)}`, image, machine);
  const container = {
    ...base,
    entrypoint: render.entrypoint,
    args: render.args,
    env: render.env,
    secretEnv: hfToken,
    ports: publishedPorts(machine, [d.port]),
    gpus: hardware.family === "cpu" ? null : d.gpuIndices,
    ipcHost: render.ipcHost,
    shmSizeMiB: render.shmSizeMiB,
    health: engineHealthCheck(machine, d.port, render, fleet.rollout.healthTimeoutSeconds),
    stopGraceSeconds: fleet.rollout.drainSeconds,
    labels: {
      ...base.labels,
      "fabric.deployment": d.name,
      "fabric.hardware": hardware.id,
      "fabric.engine": kind,
      "fabric.recipe": recipeName,
      "fabric.recipe-hash": hash,
      "fabric.quantization": [...new Set(d.recipes.map((r) => r.recipe.quantization))].join(","),
      "fabric.served-name": d.servedName,
      "fabric.gpus": d.gpuIndices.join(","),
      "fabric.memory-budget-gib": d.fit ? d.fit.budgetGiB.toFixed(2) : "unknown",
    },
    volumes: [{ volume: modelCacheVolume(machine), containerPath: MODEL_CACHE_PATH }],
    files: render.files,
  };
  const profile = engineProfile(kind);
  const syncFrom = d.recipes.filter(fromStore);
  const modelSync = syncFrom.length > 0 ? planModelSync(fleet, d, machine, syncFrom) : null;
  // What the engine is, without where it runs (a pod's machine and GPU indices are the scheduler's).
  const identity = Object.fromEntries(Object.entries(container.labels).filter(([k]) => k !== "fabric.machine" && k !== "fabric.gpus"));
  return {
    deployment: d.name,
    machine: machine.spec.name,
    hardware: hardware.id,
    engine: kind,
    recipe: recipeName,
    recipeHash: hash,
    servedName: d.servedName,
    image,
    platform: base.platform,
    argv: [...(render.entrypoint ?? []), ...render.args],
    port: d.port,
    address: machine.spec.address,
    metricsPath: render.metricsPath,
    metricsJob: profile.metricsJob,
    memory: d.fit ?? null,
    modelSync,
    container,
    workload: {
      image,
      command: render.entrypoint,
      args: render.args,
      env: render.env,
      secretEnv: hfToken,
      gpus: hardware.family === "cpu" ? 0 : d.gpuIndices.length,
      port: d.port,
      healthPath: render.healthPath,
      healthCommand: render.healthCommand ?? null,
      metricsPath: render.metricsPath,
      loadSeconds: fleet.rollout.healthTimeoutSeconds,
      drainSeconds: fleet.rollout.drainSeconds,
      sharedMemory: { host: render.ipcHost, sizeMiB: render.shmSizeMiB },
      files: render.files,
      cachePath: MODEL_CACHE_PATH,
      modelSync: modelSync && { image: modelSync.container.image, command: [...modelSync.container.entrypoint ?? [], ...modelSync.container.args], endpoint: modelSync.endpoint },
      labels: identity,
    },
    cluster: d.cluster?.cluster.name ?? null,
    maxModelLen: Math.min(...d.recipes.map((r) => r.recipe.maxModelLen)),
    ...(single?.recipe.slo ? { slo: single.recipe.slo } : {}),
  };
}

/**
 * A one-shot `mc mirror` from the store into the cache volume, run before the engine starts.
 * The store component supplies STORE_ACCESS_KEY / STORE_SECRET_KEY from its read-only key.
 */
function planModelSync(fleet: Fleet, d: ResolvedInstance, machine: ResolvedMachine, recipes: readonly ResolvedRecipe[]): ModelSync {
  const storage = fleet.storage!;
  const storeMachine = fleet.machines.find((m) => m.name === storage.machine);
  const endpoint = `http://${storeMachine?.address ?? "127.0.0.1"}:${storage.port}`;
  const bucket = storage.buckets[0] ?? "models";
  const mirrors = recipes.map((r) => shellCommand(["mc", "mirror", "--overwrite", "--remove", `store/${bucket}/${storePrefix(r)}`, storeModelPath(r)]));
  const script = [`${shellCommand(["mc", "alias", "set", "store", endpoint])} "$STORE_ACCESS_KEY" "$STORE_SECRET_KEY" >/dev/null`, ...mirrors].join(" && ");
  const first = recipes[0]!;
  return {
    bucket,
    prefix: storePrefix(first),
    localPath: storeModelPath(first),
    endpoint,
    container: {
      ...baseContainer(`${d.name}-sync-${recipeHash(first.recipe).slice(0, 8)}`, serviceImage("mc", fleet.images), machine),
      entrypoint: ["/bin/sh", "-c"],
      args: [script],
      network: machine.spec.docker.network,
      restart: "no",
      labels: { "fabric.machine": machine.spec.name, "fabric.deployment": d.name, "fabric.role": "model-sync" },
      volumes: [{ volume: modelCacheVolume(machine), containerPath: MODEL_CACHE_PATH }],
    },
  };
}
