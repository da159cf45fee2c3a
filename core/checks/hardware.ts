import { defaultEngineImage } from "../catalog/engines";
import { imagePlatforms } from "../catalog/images";
import { quantizationSupport } from "../catalog/quantization-support";
import { serviceImage } from "../catalog/services";
import type { HardwareProfile } from "../catalog/types";
import type { Violation } from "../plan/types";
import type { ResolvedFleet } from "../plan/resolve";
import { type Check, error, firstReplicas } from "./check";

/** The recipe's weight format runs on the GPU it is placed on, with the engine it names. */
export const quantizationSupported: Check = {
  name: "quantization-supported",
  description: "Each recipe's quantisation has kernels on the GPU and engine it runs on (NVFP4 only on Blackwell, FP8 compute ≥ 8.9, Marlin ≥ 8.0, GGUF on llama.cpp).",
  run(fleet) {
    const out: Violation[] = [];
    for (const d of firstReplicas(fleet)) {
      const hardware = d.machine?.hardware;
      if (!hardware) continue;
      for (const r of d.recipes) {
        const moe = (r.architecture?.experts?.total ?? 0) > 1;
        const verdict = quantizationSupport(r.recipe.quantization, r.recipe.engine, hardware, { moe });
        if (!verdict.supported) out.push(error("quantization-supported", d.path, `${d.spec.name} (recipe ${r.name}) on ${d.machine?.spec.name}: ${verdict.reason}`));
        if (d.spec.swap && r.recipe.engine !== "llamacpp") {
          out.push(error("quantization-supported", d.path, `swap slot ${d.spec.name}: recipe ${r.name} uses ${r.recipe.engine}; llama-swap slots run llamacpp recipes only`));
        }
      }
    }
    return out;
  },
};

/** Images exist for the CPU architecture of the machine they run on (arm64 on DGX Spark). */
export const imageArchMatchesMachine: Check = {
  name: "image-arch-matches-machine",
  description: "Every container image is published for the CPU architecture of its machine (arm64 on DGX Spark/GB10).",
  run(fleet) {
    const out: Violation[] = [];
    const check = (path: string, image: string, hardware: HardwareProfile | undefined, machine: string) => {
      if (!hardware) return;
      const platforms = imagePlatforms(image);
      if (platforms && !platforms.includes(hardware.cpuArch)) {
        out.push(error("image-arch-matches-machine", path,
          `image ${image} is published for ${platforms.join(", ")} only, but ${machine} (${hardware.id}) is ${hardware.cpuArch}: set an ${hardware.cpuArch} image or move the service`));
      }
    };
    for (const d of firstReplicas(fleet)) {
      const hardware = d.machine?.hardware;
      if (!hardware) continue;
      if (d.spec.swap) {
        // A slot runs the llama-swap image, whatever its members are: that image must fit the machine.
        let image: string;
        try {
          image = d.spec.swap.image ?? defaultEngineImage("llama-swap", hardware);
        } catch (e) {
          out.push(error("image-arch-matches-machine", `${d.path}.swap.image`, `${(e as Error).message}; or set ${d.path}.swap.image`));
          continue;
        }
        check(d.spec.swap.image ? `${d.path}.swap.image` : d.path, image, hardware, d.machine?.spec.name ?? "");
        continue;
      }
      for (const r of d.recipes) {
        let image: string;
        try {
          image = r.recipe.image ?? defaultEngineImage(r.recipe.engine, hardware, r.recipe.engineVersion);
        } catch (e) {
          out.push(error("image-arch-matches-machine", `recipes.${r.name}.engineVersion`, `${(e as Error).message}; or set recipes.${r.name}.image`));
          continue;
        }
        check(r.recipe.image ? `recipes.${r.name}.image` : d.path, image, hardware, d.machine?.spec.name ?? "");
      }
    }
    const hardwareOf = (name: string) => fleet.machines.find((m) => m.spec.name === name)?.hardware;
    const { gateway, monitoring, storage, images } = fleet.fleet;
    if (gateway) check("images.litellm", serviceImage("litellm", images), hardwareOf(gateway.machine), gateway.machine);
    if (monitoring) check("images.prometheus", serviceImage("prometheus", images), hardwareOf(monitoring.machine), monitoring.machine);
    if (storage) check("images.minio", serviceImage("minio", images), hardwareOf(storage.machine), storage.machine);
    return out;
  },
};
