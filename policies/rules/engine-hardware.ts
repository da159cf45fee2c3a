// Hardware: the weight format runs on the GPU, and the image is built for the machine's CPU.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { imageArchMatchesMachine as imageArchCheck, quantizationSupported as quantizationCheck } from "../../core/checks/hardware";
import { findHardware } from "../../core/catalog/hardware";
import { imagePlatforms } from "../../core/catalog/images";
import { quantizationSupport } from "../../core/catalog/quantization-support";
import { EngineId, Quantization } from "../../core/fleet/recipe";
import { CONTAINER, containerView, describeContainer, isLabelledEngine, isImageId, known, LABEL, REMOTE_IMAGE } from "../container-props";

/** llama-swap slots run llama.cpp members; every other engine label is the engine itself. */
function engineOf(label: string): EngineId | undefined {
  const parsed = EngineId.safeParse(label === "llama-swap" ? "llamacpp" : label);
  return parsed.success ? parsed.data : undefined;
}

export const quantizationSupported: ResourceValidationPolicy = {
  name: quantizationCheck.name,
  description: `${quantizationCheck.description} Re-run on each engine container's fabric.quantization, fabric.engine and fabric.hardware labels.`,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const c = containerView(args.name, args.props);
    if (!isLabelledEngine(c)) return;
    const hardwareId = c.labels[LABEL.hardware] ?? "";
    const hardware = findHardware(hardwareId);
    const engineLabel = c.labels[LABEL.engine] ?? "";
    const engine = engineOf(engineLabel);
    const where = `${c.labels[LABEL.deployment]} (recipe ${c.labels[LABEL.recipe] ?? "unknown"}) on ${c.labels[LABEL.machine] ?? "unknown machine"}`;
    if (!hardware) return report(`${where}: label fabric.hardware '${hardwareId}' is not a known GPU, so its quantisation cannot be checked`);
    if (!engine) return report(`${where}: label fabric.engine '${engineLabel}' is not a known engine, so its quantisation cannot be checked`);
    for (const q of (c.labels[LABEL.quantization] ?? "").split(",").filter((s) => s !== "")) {
      const quantization = Quantization.safeParse(q);
      if (!quantization.success) {
        report(`${where}: label fabric.quantization '${q}' is not a known format`);
        continue;
      }
      const verdict = quantizationSupport(quantization.data, engine, hardware);
      if (!verdict.supported) report(`${where}: ${verdict.reason}`);
    }
  },
};

/** `linux/arm64` → `arm64`. */
function archOf(platform: string | undefined): string | undefined {
  return platform?.split("/")[1];
}

export const imageArchMatchesMachine: ResourceValidationPolicy = {
  name: imageArchCheck.name,
  description: `${imageArchCheck.description} Checked on every pulled image (its reference against its platform) and every container (its platform against its machine's fabric.hardware, and its image when it names one).`,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === REMOTE_IMAGE) {
      const image = known(() => args.props.name as unknown);
      const platform = known(() => args.props.platform as unknown);
      const arch = archOf(typeof platform === "string" ? platform : undefined);
      const platforms = typeof image === "string" ? imagePlatforms(image) : undefined;
      if (arch && platforms && !platforms.includes(arch as never)) {
        report(`image ${String(image)} is published for ${platforms.join(", ")} only, but it is pulled for ${String(platform)}: set an ${arch} image or move the service`);
      }
      return;
    }
    if (args.type !== CONTAINER) return;
    const c = containerView(args.name, args.props);
    const hardwareId = c.labels[LABEL.hardware];
    const hardware = hardwareId === undefined ? undefined : findHardware(hardwareId);
    const machine = c.labels[LABEL.machine] ?? "its machine";
    if (hardware && c.platform !== undefined && c.platform !== `linux/${hardware.cpuArch}`) {
      report(`${describeContainer(c)}: runs as ${c.platform}, but ${machine} (${hardware.id}) is ${hardware.cpuArch}: set platform linux/${hardware.cpuArch}`);
    }
    const arch = hardware?.cpuArch ?? archOf(c.platform);
    const platforms = c.image === undefined || isImageId(c.image) ? undefined : imagePlatforms(c.image);
    if (arch && platforms && !platforms.includes(arch as never)) {
      const what = hardware ? `${machine} (${hardware.id}) is ${arch}` : `it runs as ${c.platform}`;
      report(`${describeContainer(c)}: image ${c.image} is published for ${platforms.join(", ")} only, but ${what}: set an ${arch} image or move the service`);
    }
  },
};
