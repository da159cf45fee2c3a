// Labels: every `fabric.*` label is one the pack reads, so a misspelt one cannot silently switch a check off.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { didYouMean } from "../../core/catalog/did-you-mean";
import { CONTAINER, containerView, describeContainer, LABEL } from "../container-props";

/** The labels fabric writes: the ones the rules read, and the config writer's content hash. */
const KNOWN: readonly string[] = [...Object.values(LABEL), "fabric.config-hash"];

export const fabricLabelsKnown: ResourceValidationPolicy = {
  name: "fabric-labels-known",
  description: `Every fabric.* label of a container is one fabric writes (${KNOWN.join(", ")}); a misspelt one (fabric.quantisation) would leave its check without input.`,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const c = containerView(args.name, args.props);
    for (const label of Object.keys(c.labels)) {
      if (!label.startsWith("fabric.") || KNOWN.includes(label)) continue;
      const guess = didYouMean(label, KNOWN);
      report(`${describeContainer(c)}: label ${label} is not a fabric label, so no rule reads it${guess ? `: did you mean ${guess}?` : `; known: ${KNOWN.join(", ")}`}`);
    }
  },
};
