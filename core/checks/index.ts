import type { Violation } from "../plan/types";
import type { ResolvedFleet } from "../plan/resolve";
import { burstBudget, burstPoolHardware } from "./burst";
import { burstAutoscale } from "./burst-autoscale";
import { clusterCapacity, clusterPlacement } from "./cluster";
import { engineEnvKnown } from "./engine-env";
import { engineNotPublic } from "./exposure";
import { deploymentPlacement } from "./placement";
import type { Check } from "./check";
import { gatewayRoutesResolve } from "./gateway";
import { imageArchMatchesMachine, quantizationSupported } from "./hardware";
import { gpuOversubscription, memoryFit } from "./memory";
import { portCollision } from "./ports";
import { duplicateName, unknownReference } from "./references";
import { noInlineSecrets } from "./secrets";

/** Every fleet check, in the order `fabric check` reports them. */
export const fleetChecks: readonly Check[] = [
  unknownReference, duplicateName, memoryFit, gpuOversubscription, quantizationSupported,
  imageArchMatchesMachine, portCollision, gatewayRoutesResolve, noInlineSecrets, burstBudget,
  deploymentPlacement, engineNotPublic, burstPoolHardware, engineEnvKnown, burstAutoscale,
  clusterPlacement, clusterCapacity,
];

export function runChecks(fleet: ResolvedFleet): Violation[] {
  return fleetChecks.flatMap((check) => check.run(fleet));
}
