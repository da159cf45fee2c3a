// The inference-fabric policy pack: `pulumi preview --policy-pack policies [--policy-pack-config f.json]`.
// Rules live in ./rules, one file per concern; see README "Policies" for levels and config.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";
import { installSecretPathTracking } from "./secret-paths";

installSecretPathTracking();

// pulumi-policy reads its version from `${process.cwd()}/package.json`, and the engine starts the
// pack in the program's directory, so a program whose package.json has no `version` stopped the
// pack (pulumi-policy#452). Construct the pack in its own directory (its package.json has one),
// then give the rules back the program's working directory (fleetFile paths are relative to it).
const programDir = process.cwd();
process.chdir(__dirname);
try {
  new PolicyPack("inference-fabric", { policies: allPolicies });
} finally {
  process.chdir(programDir);
}
