import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { teiExporterPort } from "../../core/checks/ports";
import type { Fleet } from "../../core/fleet/schema";
import { plan } from "../../core/plan/plan";
import { stackFleet } from "../support/stacks";

/** The local fleet (host networking, MinIO on 9000) plus a TEI embedding engine on the same machine. */
function localWithTei(extraArgs: string[] = []): Fleet {
  const fleet = stackFleet("local");
  const tei = { ...stackFleet("homelab").recipes["embed-nomic"]!, extraArgs };
  return { ...fleet, recipes: { ...fleet.recipes, embed: tei }, deployments: [...fleet.deployments, { ...fleet.deployments[0]!, name: "embed", recipe: "embed", port: 8090, replicas: 1 }] };
}

describe("port-collision: TEI's own Prometheus exporter", () => {
  test("with host networking it takes 9000 on the machine, where MinIO's API is: an error naming both and the fix", () => {
    const v = plan(localWithTei()).violations.filter((x) => x.rule === "port-collision");
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.equal(v[0]!.path, "recipes.embed.extraArgs");
    assert.match(v[0]!.message, /port 9000 on local is used by the store API \(storage\.port\) and TEI's Prometheus exporter of deployment embed .*--prometheus-port/);
  });

  test("moved with extraArgs, it is free (both spellings)", () => {
    for (const args of [["--prometheus-port", "9010"], ["--prometheus-port=9010"]]) {
      assert.deepEqual(plan(localWithTei(args)).violations.filter((x) => x.rule === "port-collision"), [], args.join(" "));
      assert.ok(plan(localWithTei(args)).engines.find((e) => e.deployment === "embed")!.argv.join(" ").includes(args.join(" ")), "and the engine is started with it");
    }
  });

  test("in bridge mode it stays inside the container", () => {
    assert.equal(teiExporterPort([], false), null);
    assert.equal(teiExporterPort([], true), 9000);
    assert.equal(teiExporterPort(["--prometheus-port", "9123"], true), 9123);
  });
});
