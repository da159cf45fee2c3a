// Images: every image names one build, so a re-pull never changes what runs.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isPinned, parseImage } from "../../core/catalog/images";
import { CONTAINER, containerView, describeContainer, isImageId, known, REMOTE_IMAGE } from "../container-props";

export interface ImagePinnedConfig {
  /** Repositories exempt from the rule, e.g. `["ghcr.io/acme/dev-engine"]`. */
  readonly allow?: readonly string[];
}

/** Engines tagged by build number: a tag without it (`server-cuda13`) follows every new build. */
const BUILD_NUMBER: Readonly<Record<string, RegExp>> = {
  "ghcr.io/ggml-org/llama.cpp": /(^|-)b\d+(-|$)/,
  "ghcr.io/mostlygeek/llama-swap": /(^|-)v\d+(-|$)/,
};

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  const ref = parseImage(image);
  if (ref.digest) return undefined;
  if (!isPinned(image)) return ref.tag === undefined ? "it has no tag, so Docker pulls 'latest'" : `tag '${ref.tag}' moves with every release`;
  const tag = ref.tag ?? "";
  if (!/\d/.test(tag)) return `tag '${tag}' names no version, so it moves with every release`;
  const build = BUILD_NUMBER[ref.repository];
  if (build && !build.test(tag)) return `tag '${tag}' has no build number, so it moves with every build`;
  return undefined;
}

export const imagePinned: ResourceValidationPolicy = {
  name: "image-pinned",
  description: "Images name one build: a release tag (not latest, nightly, main, a tag without version digits like server-vulkan or spark, or an engine tag without its build number like llama.cpp's server-cuda13) or a digest. Advisory by default; make it mandatory per stack with enforcementLevel.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      allow: { type: "array", items: { type: "string" }, default: [], description: "Repositories exempt from the rule (without tag), e.g. ghcr.io/acme/dev-engine." },
    },
  },
  validateResource: (args, report) => {
    const allow = args.getConfig<ImagePinnedConfig>().allow ?? [];
    const check = (image: string, who: string) => {
      if (isImageId(image) || allow.includes(parseImage(image).repository)) return;
      const reason = unpinnedReason(image);
      if (reason) report(`${who}image ${image} is not pinned: ${reason}; use a release tag or a digest (${parseImage(image).repository}@sha256:…)`);
    };
    if (args.type === REMOTE_IMAGE) {
      const name = known(() => args.props.name as unknown);
      if (typeof name === "string") check(name, "");
    } else if (args.type === CONTAINER) {
      const c = containerView(args.name, args.props);
      if (c.image !== undefined) check(c.image, `${describeContainer(c)}: `);
    }
  },
};
