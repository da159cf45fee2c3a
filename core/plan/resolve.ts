import { findHardware, multiGpuInterconnect } from "../catalog/hardware";
import { architectureFromInline, findModel } from "../catalog/models";
import type { HardwareProfile, ModelArchitecture } from "../catalog/types";
import { fitEngine } from "../fit/fit";
import { sglangDefaultMemFraction } from "../fit/sglang-behaviour";
import { vllmDefaultGpuMemoryUtilization, vllmSchedulerDefaults } from "../fit/vllm-behaviour";
import type { FitResult } from "../fit/types";
import type { Recipe } from "../fleet/recipe";
import type { Deployment, Fleet, Machine } from "../fleet/schema";
import { type ClusterPlacementOf, clusterPlacementOf, poolMachine } from "./cluster-placement";

/** Engine defaults for max concurrent sequences when a recipe leaves it unset (vLLM's depend on the GPU). */
function defaultMaxNumSeqs(engine: Recipe["engine"], memoryGiB: number, hardware: HardwareProfile): number {
  if (engine === "vllm") return vllmSchedulerDefaults(memoryGiB, hardware.id, hardware.unifiedMemory).maxNumSeqs;
  return engine === "sglang" || engine === "trtllm" ? 256 : 1;
}
/** TensorRT-LLM's `free_gpu_memory_fraction` default (serve.py). */
const TRTLLM_DEFAULT_FRACTION = 0.9;

/**
 * The engine's own memory fraction when the recipe sets none: vLLM's by version, SGLang's per-GPU
 * formula, TensorRT-LLM's 0.9; llama.cpp, Ollama and TEI have no such knob (the value is unused).
 */
export function defaultMemoryFraction(r: Pick<Recipe, "engine" | "engineVersion" | "tensorParallel" | "maxNumBatchedTokens">, gpuMemoryGiB: number): number {
  if (r.engine === "vllm") return vllmDefaultGpuMemoryUtilization(r.engineVersion);
  if (r.engine === "sglang") return sglangDefaultMemFraction(gpuMemoryGiB, r.tensorParallel, r.maxNumBatchedTokens);
  return TRTLLM_DEFAULT_FRACTION;
}

export interface ResolvedMachine {
  readonly spec: Machine;
  readonly path: string;
  readonly hardware: HardwareProfile | undefined;
  readonly memoryGiB: number | undefined;
}

export interface ResolvedRecipe {
  readonly name: string;
  readonly recipe: Recipe;
  readonly architecture: ModelArchitecture | undefined;
}

/** One running copy of a deployment (replicas expand to `<name>-1..n`). */
export interface ResolvedInstance {
  readonly name: string;
  /** Path of the deployment in the fleet file, e.g. `deployments[2]`. */
  readonly path: string;
  readonly spec: Deployment;
  readonly replica: number;
  readonly machine: ResolvedMachine | undefined;
  /** The cluster node pool of a cluster deployment (one instance, `replicas` pods); undefined on a machine. */
  readonly cluster: ClusterPlacementOf | undefined;
  readonly port: number;
  readonly servedName: string;
  readonly gpuIndices: readonly number[];
  /** The recipe for a plain deployment; every member for a swap slot. */
  readonly recipes: readonly ResolvedRecipe[];
  /** The largest member fit for swap slots; undefined when the hardware or model is unknown. */
  readonly fit: FitResult | undefined;
}

export interface ResolvedFleet {
  readonly fleet: Fleet;
  /** Every recipe with its architecture, resolved once. */
  readonly recipes: ReadonlyMap<string, ResolvedRecipe>;
  readonly machines: readonly ResolvedMachine[];
  readonly instances: readonly ResolvedInstance[];
}

/** Looks up every reference the fleet makes. Unknown references resolve to undefined; checks report them. */
export function resolveFleet(fleet: Fleet): ResolvedFleet {
  const machines = fleet.machines.map((spec, i): ResolvedMachine => {
    const hardware = findHardware(spec.hardware);
    return { spec, path: `machines[${i}]`, hardware, memoryGiB: spec.memoryGiB ?? hardware?.memoryGiB };
  });
  const byName = new Map(machines.map((m) => [m.spec.name, m]));
  const recipesByName = new Map(Object.entries(fleet.recipes).map(([name, recipe]): [string, ResolvedRecipe] =>
    [name, { name, recipe, architecture: resolveArchitecture(recipe) }]));
  const fits = new Map<string, FitResult | undefined>();
  const instances = fleet.deployments.flatMap((spec, i) => {
    const cluster = clusterPlacementOf(fleet, spec);
    const machine = cluster ? poolMachine(cluster, `deployments[${i}]`) : byName.get(spec.machine ?? "");
    const recipeNames = spec.swap ? spec.swap.recipes : spec.recipe ? [spec.recipe] : [];
    const recipes = recipeNames.flatMap((name) => {
      const recipe = recipesByName.get(name);
      return recipe ? [recipe] : [];
    });
    // Deployments of one recipe set on one machine share a fit: large fleets repeat them.
    const fitKey = `${machine?.spec.name}\u0000${recipeNames.join("\u0000")}`;
    if (!fits.has(fitKey)) fits.set(fitKey, largestFit(recipes, machine));
    const fit = fits.get(fitKey);
    // A cluster deployment is one instance: its replicas are pods of one Deployment behind one Service.
    const copies = cluster ? 1 : spec.replicas;
    return Array.from({ length: copies }, (_, r): ResolvedInstance => ({
      name: copies > 1 ? `${spec.name}-${r + 1}` : spec.name,
      path: `deployments[${i}]`,
      spec,
      replica: r,
      machine,
      cluster,
      port: spec.port + r,
      servedName: spec.servedName ?? spec.name,
      gpuIndices: spec.gpuIndices ?? defaultGpuIndices(recipes, machine),
      recipes,
      fit,
    }));
  });
  return { fleet, recipes: recipesByName, machines, instances };
}

/** A model name an instance answers to through the gateway. */
export interface ServedModel {
  /** Gateway model group name. */
  readonly group: string;
  /** Model name the engine itself serves (llama-swap model id for swap members). */
  readonly engineModel: string;
  readonly contextWindow: number;
  readonly mode: "chat" | "embedding";
}

/**
 * What an instance serves: its served name, or for a swap slot one group per member recipe
 * (llama-swap loads whichever member a request names).
 */
export function servedModels(d: ResolvedInstance): ServedModel[] {
  const mode = (r: ResolvedRecipe) => (r.recipe.engine === "tei" ? "embedding" : "chat") as ServedModel["mode"];
  if (d.spec.swap) {
    return d.recipes.map((r) => ({ group: r.name, engineModel: r.name, contextWindow: r.recipe.maxModelLen, mode: mode(r) }));
  }
  const r = d.recipes[0];
  return r ? [{ group: d.servedName, engineModel: d.servedName, contextWindow: r.recipe.maxModelLen, mode: mode(r) }] : [];
}

/** Architecture from the recipe's inline numbers, its catalog id, or its repository id. */
export function resolveArchitecture(recipe: Recipe): ModelArchitecture | undefined {
  const config = recipe.model.config;
  if (typeof config === "object") return architectureFromInline(config);
  return findModel(config ?? recipe.model.id)?.architecture;
}

/** Memory fit of one recipe on a machine's GPU (or a GPU a burst pool may rent: no machine spec). */
export function fitRecipe(recipe: ResolvedRecipe, machine: Pick<ResolvedMachine, "hardware" | "memoryGiB">): FitResult | undefined {
  const { hardware, memoryGiB } = machine;
  if (!hardware || memoryGiB === undefined || !recipe.architecture) return undefined;
  const r = recipe.recipe;
  return fitEngine({
    architecture: recipe.architecture,
    quantization: r.quantization,
    kvCacheDtype: r.kvCacheDtype,
    gpuMemoryGiB: memoryGiB,
    unifiedMemory: hardware.unifiedMemory,
    gpuMemoryUtilization: r.gpuMemoryUtilization ?? defaultMemoryFraction(r, memoryGiB),
    tensorParallel: r.tensorParallel,
    maxModelLen: r.maxModelLen,
    maxNumSeqs: r.maxNumSeqs ?? defaultMaxNumSeqs(r.engine, memoryGiB, hardware),
    engine: r.engine,
    hardwareId: hardware.id,
    interconnect: multiGpuInterconnect(hardware),
    ...(hardware.hostReservedGiB === undefined ? {} : { otherProcessesGiB: hardware.hostReservedGiB }),
    engineVersion: r.engineVersion ?? "",
    ...(r.maxNumBatchedTokens === undefined ? {} : { maxNumBatchedTokens: r.maxNumBatchedTokens }),
    ...(r.model.weightsGiB === undefined ? {} : { weightsGiB: r.model.weightsGiB }),
    ...(r.speculative?.draftWeightsGiB === undefined ? {} : { draftWeightsGiB: r.speculative.draftWeightsGiB }),
  });
}

function largestFit(recipes: readonly ResolvedRecipe[], machine: ResolvedMachine | undefined): FitResult | undefined {
  if (!machine) return undefined;
  let largest: FitResult | undefined;
  for (const recipe of recipes) {
    const fit = fitRecipe(recipe, machine);
    if (fit && (!largest || fit.budgetGiB > largest.budgetGiB || !fit.fits)) largest = fit;
    if (largest && !largest.fits) break;
  }
  return largest;
}

function defaultGpuIndices(recipes: readonly ResolvedRecipe[], machine: ResolvedMachine | undefined): number[] {
  if (!machine?.hardware || machine.hardware.family === "cpu") return [];
  const tp = Math.max(1, ...recipes.map((r) => r.recipe.tensorParallel));
  return Array.from({ length: tp }, (_, i) => i);
}
