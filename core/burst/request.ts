/**
 * A burst pool as a Vast.ai request: which offers qualify and what a host will have to download,
 * computed from the fleet's pool, its recipe and the catalogs. Pure; no network.
 */
import { defaultEngineImage } from "../catalog/engines";
import { findHardware } from "../catalog/hardware";
import type { CpuArch } from "../catalog/types";
import { estimateWeightsGiB } from "../fit/weights";
import type { Recipe } from "../fleet/recipe";
import { type Fleet, Machine } from "../fleet/schema";
import { fitRecipe, resolveArchitecture } from "../plan/resolve";
import { IMAGE_UNPACK_RATIO, engineStartSeconds, imageSizeGb, minCudaForImage } from "./engine-facts";

export { vastSearchBody } from "./search-body";

/** How offers are ranked (the pool's `selection`). */
export type BurstStrategy = "cheapest" | "network-first" | "time-to-useful";

/** One acceptable GPU of a pool, with what an offer must have to count as that GPU. */
export interface BurstHardwareOption {
  /** Hardware catalog id, e.g. `rtx-4090`. */
  readonly hardwareId: string;
  /** `gpu_name` spellings on Vast. */
  readonly vastNames: readonly string[];
  /**
   * Least `gpu_ram` (MB) per GPU: the catalog's usable memory in MiB, which sits ~0.45 GiB under
   * what Vast lists for the real card. Separates the 40 GB and 80 GB A100s (same names) and drops
   * cut-down listings (a "RTX 4090" with 23028 MB) the memory fit was not computed for.
   */
  readonly minGpuRamMb: number;
  /** Compute capability × 100. */
  readonly minComputeCap: number;
  /** Engine image a host with this GPU runs (images can differ per GPU, e.g. TEI). */
  readonly image: string;
  /** Least `cuda_max_good` the image needs, or null when unknown. */
  readonly minCudaMaxGood: number | null;
  /** Compressed image size, GB. */
  readonly imageSizeGb: number;
}

export interface BurstRequest {
  readonly pool: string;
  readonly strategy: BurstStrategy;
  /** Acceptable GPUs; selection checks each offer against the option its name matches. */
  readonly hardware: readonly BurstHardwareOption[];
  /** Every Vast spelling of every option (the search body's `gpu_name.in`). */
  readonly gpuNames: readonly string[];
  readonly numGpus: number;
  /** The smallest option floor, MB (the search body cannot say it per name). */
  readonly minGpuRamMb: number;
  /** The smallest option compute capability × 100. */
  readonly minComputeCap: number;
  /** The smallest option CUDA need; null when any option's is unknown. */
  readonly minCudaMaxGood: number | null;
  readonly cpuArch: CpuArch;
  /** Disk rented per host, GB (pool `diskGb`); offers need at least this much. */
  readonly minDiskGb: number;
  readonly minDirectPorts: number;
  readonly verifiedOnly: boolean;
  /** Least `reliability2`. */
  readonly minReliability: number;
  readonly minInetDownMbps: number;
  /** Price cap per host on `dph_total`, $/hour. */
  readonly maxPricePerHour: number;
  /** Largest option image, compressed GB. */
  readonly imageSizeGb: number;
  /** Checkpoint bytes a host downloads, GB (10^9), draft model included. */
  readonly modelSizeGb: number;
  /**
   * Where a rented host fetches weights. Always `hub`: an external host prefers the public CDN,
   * because pulling from the fleet's store would run through the home uplink (seed 002 §8).
   */
  readonly modelSource: "hub" | "store";
  /** Seconds the engine takes to start once the weights are read (compile, CUDA graphs). */
  readonly loadSeconds: number;
}

/**
 * Direct ports an offer must have. The only inbound traffic is Tailscale's WireGuard UDP; with one
 * direct port peers can reach the host without Vast's proxy, otherwise they fall back to DERP
 * relays (slow). The engine itself is reached over the tailnet, never on a public port.
 */
export const DIRECT_PORTS_FOR_MESH = 1;

const GB_PER_GIB = 1024 ** 3 / 1e9;

/** Checkpoint size: the recipe's measured size, else the weight estimate for the whole model. */
function modelSizeGb(recipe: Recipe, path: string, recipeName: string): number {
  const draft = recipe.speculative?.draftWeightsGiB ?? 0;
  if (recipe.model.weightsGiB !== undefined) return (recipe.model.weightsGiB * recipe.tensorParallel + draft) * GB_PER_GIB;
  const architecture = resolveArchitecture(recipe);
  if (!architecture) {
    throw new Error(`${path}: the size of model '${recipe.model.id}' (recipes.${recipeName}) is unknown, so download times cannot be estimated: set recipes.${recipeName}.model.config to a catalog id or architecture, or model.weightsGiB`);
  }
  return (estimateWeightsGiB(architecture, recipe.quantization, 1) + draft) * GB_PER_GIB;
}

/** The option for one pool GPU, or why it cannot serve the recipe. */
function hardwareOption(fleet: Fleet, recipeName: string, gpuId: string, path: string): BurstHardwareOption | string {
  const recipe = fleet.recipes[recipeName] as Recipe;
  const hardware = findHardware(gpuId);
  if (!hardware) throw new Error(`${path}: unknown hardware '${gpuId}': use an id from the hardware catalog, e.g. rtx-4090`);
  if (hardware.vastNames.length === 0 || hardware.computeCapability === null) return `${hardware.id} is not rented on Vast.ai`;
  const machine = { spec: Machine.parse({ name: "burst-host", hardware: hardware.id, address: "127.0.0.1" }), path, hardware, memoryGiB: hardware.memoryGiB };
  const fit = fitRecipe({ name: recipeName, recipe, architecture: resolveArchitecture(recipe) }, machine);
  if (fit && !fit.fits) return `${hardware.id}: ${fit.message}`;
  const image = recipe.image ?? defaultEngineImage(recipe.engine, hardware, recipe.engineVersion);
  return {
    hardwareId: hardware.id,
    vastNames: hardware.vastNames,
    minGpuRamMb: Math.floor(hardware.memoryGiB * 1024),
    minComputeCap: Math.round(hardware.computeCapability * 100),
    image,
    minCudaMaxGood: minCudaForImage(recipe.engine, image),
    imageSizeGb: imageSizeGb(recipe.engine),
  };
}

/**
 * The request for one burst pool. Throws, naming the fleet path and the numbers, when the pool
 * cannot be rented as written: unknown pool, recipe or hardware; no acceptable GPU that the recipe
 * fits; GPUs of different CPU architectures; fewer GPUs than the recipe's tensor parallelism; or
 * less disk than the image and the model need.
 */
export function burstRequest(fleet: Fleet, poolName: string): BurstRequest {
  const pools = fleet.burst?.pools ?? [];
  const index = pools.findIndex((p) => p.name === poolName);
  const pool = pools[index];
  if (!pool) throw new Error(`burstRequest: no burst pool named '${poolName}' (pools: ${pools.map((p) => p.name).join(", ") || "none"})`);
  const path = `burst.pools[${index}]`;
  const recipe = fleet.recipes[pool.recipe];
  if (!recipe) throw new Error(`${path}.recipe: recipe '${pool.recipe}' does not exist in recipes`);
  if (recipe.tensorParallel > pool.numGpus) {
    throw new Error(`${path}.numGpus: recipe ${pool.recipe} runs tensor parallel ${recipe.tensorParallel} but the pool rents ${pool.numGpus} GPU(s) per host: raise numGpus`);
  }
  const results = pool.gpu.map((id, j) => hardwareOption(fleet, pool.recipe, id, `${path}.gpu[${j}]`));
  const hardware = results.filter((r): r is BurstHardwareOption => typeof r !== "string");
  if (hardware.length === 0) {
    throw new Error(`${path}.gpu: no listed GPU can run recipe ${pool.recipe}: ${results.join("; ")}`);
  }
  const arches = [...new Set(hardware.map((h) => findHardware(h.hardwareId)?.cpuArch ?? "amd64"))];
  if (arches.length > 1) throw new Error(`${path}.gpu: GPUs of different CPU architectures (${arches.join(", ")}) need different images: split the pool`);
  const model = Math.round(modelSizeGb(recipe, path, pool.recipe) * 100) / 100;
  const image = Math.max(...hardware.map((h) => h.imageSizeGb));
  const diskNeed = image * IMAGE_UNPACK_RATIO + model;
  if (pool.diskGb < diskNeed) {
    throw new Error(`${path}.diskGb: ${pool.diskGb} GB of disk cannot hold the unpacked image (${(image * IMAGE_UNPACK_RATIO).toFixed(1)} GB) and the model (${model.toFixed(1)} GB) = ${diskNeed.toFixed(1)} GB: raise diskGb to at least ${Math.ceil(diskNeed * 1.1)}`);
  }
  const cudaNeeds = hardware.map((h) => h.minCudaMaxGood);
  return {
    pool: pool.name,
    strategy: pool.selection,
    hardware,
    gpuNames: [...new Set(hardware.flatMap((h) => h.vastNames))],
    numGpus: pool.numGpus,
    minGpuRamMb: Math.min(...hardware.map((h) => h.minGpuRamMb)),
    minComputeCap: Math.min(...hardware.map((h) => h.minComputeCap)),
    minCudaMaxGood: cudaNeeds.some((c) => c === null) ? null : Math.min(...(cudaNeeds as number[])),
    cpuArch: arches[0] ?? "amd64",
    minDiskGb: pool.diskGb,
    minDirectPorts: DIRECT_PORTS_FOR_MESH,
    verifiedOnly: pool.verifiedOnly,
    minReliability: pool.minReliability,
    minInetDownMbps: pool.minInetDownMbps,
    maxPricePerHour: pool.maxPricePerHour,
    imageSizeGb: image,
    modelSizeGb: model,
    modelSource: "hub",
    loadSeconds: engineStartSeconds(recipe.engine),
  };
}
