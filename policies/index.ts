// The inference-fabric policy pack: `pulumi preview --policy-pack policies [--policy-pack-config f.json]`.
// Rules live in ./rules, one file per concern; see README "Policies" for levels and config.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";

new PolicyPack("inference-fabric", { policies: allPolicies });
