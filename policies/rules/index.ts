import type { Policies } from "@pulumi/policy";
import { burstBudget } from "./burst";
import { imageArchMatchesMachine, quantizationSupported } from "./engine-hardware";
import { gpuOversubscription, memoryFit } from "./engine-fit";
import { gatewayRoutesResolve } from "./gateway";
import { healthcheckRequired } from "./health";
import { imagePinned } from "./images";
import { kubernetesPolicies } from "./kubernetes";
import { fabricLabelsKnown } from "./labels";
import { tailscaleAclLeastPrivilege } from "./mesh";
import { everyEngineMonitored } from "./monitoring";
import { engineNotPublic } from "./network";
import { portCollision } from "./ports";
import { noPlaintextSecrets } from "./secrets";

/**
 * Every policy of the pack, exported apart from the PolicyPack so tests can run them without
 * `new PolicyPack()` (which starts the analyzer server). Names that `fabric check` also reports are
 * the core checks' own names.
 */
export const allPolicies: Policies = [
  memoryFit, gpuOversubscription, quantizationSupported, imageArchMatchesMachine, portCollision,
  imagePinned, noPlaintextSecrets, engineNotPublic, healthcheckRequired,
  gatewayRoutesResolve, everyEngineMonitored, tailscaleAclLeastPrivilege, burstBudget, fabricLabelsKnown,
  ...kubernetesPolicies,
];
