// burst.autoscaler: `fabric autoscale` as a container the stack deploys. The plan's container (host
// network and pid namespace, the checkout and a file:// state mounted at their own paths, the
// passphrase as secret env), its checks, its scrape target and its place in the tailnet policy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import YAML from "yaml";
import { parseFleet } from "../../core/fleet/load";
import { plan } from "../../core/plan/plan";
import { AUTOSCALER_METRICS_JOB } from "../../core/render/prometheus";
import { requiredSecretKeys } from "../../components/secrets";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tinyBurstPoolYaml } from "../support/autoscale-pool";
import { repoRoot } from "../support/stacks";

const AUTOSCALE_POOL = tinyBurstPoolYaml();

function fleetWith(autoscaler: Record<string, unknown> | null, extra: (f: Record<string, any>) => void = () => undefined) {
  const base = YAML.parse(readFileSync(join(repoRoot, "stacks", "local-test.fleet.yaml"), "utf8")) as Record<string, any>;
  const withPool = { ...base, ...YAML.parse(AUTOSCALE_POOL) };
  if (autoscaler) {
    withPool.burst.autoscaler = autoscaler;
    withPool.images = { ...withPool.images, autoscaler: "fabric-test/autoscaler:node24.21.0-pulumi3.259.0" };
  }
  extra(withPool);
  const parsed = parseFleet(YAML.stringify(withPool));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.violations));
  return plan(parsed.fleet);
}

const spec = { machine: "local", port: 9464, projectDir: "/srv/inference-fabric", backendUrl: "file:///srv/fabric-state", passphrase: { secret: "pulumiPassphrase" } };

describe("burst.autoscaler: the controller as a container of the stack", () => {
  it("plans the container: host network and pids, its args, the mounts, the passphrase as a secret", () => {
    const p = fleetWith(spec);
    assert.deepEqual(p.violations.filter((v) => v.severity === "error"), []);
    const a = p.autoscaler!;
    assert.equal(a.machine, "local");
    assert.equal(a.metricsUrl, "http://127.0.0.1:9464/metrics");
    const c = a.container;
    assert.equal(c.image, "fabric-test/autoscaler:node24.21.0-pulumi3.259.0");
    assert.equal(c.network, "host");
    assert.equal(c.pidHost, true, "the lock records a pid the host can check");
    assert.deepEqual(c.args, ["--cwd", "/srv/inference-fabric", "--interval", "15", "--metrics-listen", "127.0.0.1:9464", "--drain-timeout", "120"]);
    assert.deepEqual(c.env, { PULUMI_BACKEND_URL: "file:///srv/fabric-state", PULUMI_SKIP_UPDATE_CHECK: "true" });
    assert.deepEqual(c.secretEnv, [{ name: "PULUMI_CONFIG_PASSPHRASE", secret: "pulumiPassphrase" }]);
    assert.deepEqual(c.volumes, [
      { volume: "/srv/inference-fabric", containerPath: "/srv/inference-fabric" },
      { volume: "/srv/fabric-state", containerPath: "/srv/fabric-state" },
      { volume: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" },
    ]);
    assert.ok(c.stopGraceSeconds! >= 300, "SIGTERM lets it finish a poll with a drain and an update");
    assert.deepEqual(c.health?.test.slice(0, 2), ["CMD", "node"], "the image has node, not curl");
    assert.equal(c.health?.test.at(-1), "http://127.0.0.1:9464/metrics");
    assert.ok(requiredSecretKeys(p).includes("pulumiPassphrase"), "the program reads the passphrase from stack config");
    assert.ok(!JSON.stringify(p).includes("PULUMI_CONFIG_PASSPHRASE\":\""), "the plan names the passphrase's key, never a value");
  });

  it("an object-store backend mounts no state directory and takes its credentials from secrets", () => {
    const p = fleetWith({ ...spec, backendUrl: "s3://fabric-state/homelab?region=eu-west-1", secretEnv: { AWS_SECRET_ACCESS_KEY: { secret: "awsSecret" }, AWS_ACCESS_KEY_ID: { secret: "awsKey" } } });
    const c = p.autoscaler!.container;
    assert.deepEqual(c.volumes.map((v) => v.volume), ["/srv/inference-fabric", "/var/run/docker.sock"]);
    assert.deepEqual(c.secretEnv.map((s) => s.name), ["PULUMI_CONFIG_PASSPHRASE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    const cloud = fleetWith({ machine: "local", projectDir: "/srv/inference-fabric", backendUrl: "https://api.pulumi.com", secretEnv: { PULUMI_ACCESS_TOKEN: { secret: "pulumiAccessToken" } } });
    assert.deepEqual(cloud.autoscaler!.container.secretEnv, [{ name: "PULUMI_ACCESS_TOKEN", secret: "pulumiAccessToken" }], "Pulumi Cloud: a token, no passphrase");
  });

  it("Prometheus scrapes it; the tailnet lets it reach the gateway and Prometheus, and Prometheus reach it", () => {
    const p = fleetWith(spec, (f) => { f.mesh = { provider: "tailscale", tailnet: "example.ts.net", apiKey: { secret: "tailscaleApiKey" } }; });
    assert.ok(p.monitoring!.targets.some((t) => t.job === AUTOSCALER_METRICS_JOB && t.target === "127.0.0.1:9464"));
    const policy = JSON.parse(JSON.stringify(p.mesh!.policy)) as { grants: { src: string[]; dst: string[]; ip: string[] }[]; tests: { src: string; accept?: string[]; deny?: string[] }[] };
    const grants = policy.grants.filter((g) => g.src.includes("tag:autoscaler") || g.ip.includes("tcp:9464"));
    assert.ok(grants.some((g) => g.src.includes("tag:autoscaler") && g.ip.includes("tcp:4000")), JSON.stringify(grants));
    assert.ok(grants.some((g) => g.src.includes("tag:autoscaler") && g.ip.includes("tcp:9090")), JSON.stringify(grants));
    assert.ok(grants.some((g) => g.src.includes("tag:monitoring") && g.ip.includes("tcp:9464")), JSON.stringify(grants));
    assert.ok(policy.tests.some((t) => t.src === "tag:autoscaler" && t.accept?.some((a) => a.endsWith(":4000"))), "the policy's tests say so too");
  });

  it("refuses what cannot start: no image, no pool to scale, no Prometheus, a port taken, an unknown machine, hostile paths", () => {
    const noImage = fleetWith(null, (f) => { f.burst.autoscaler = spec; });
    assert.match(noImage.violations.find((v) => v.path === "images.autoscaler")?.message ?? "", /no image is published for it: build tools\/images\/autoscaler/);
    assert.equal(noImage.autoscaler, null);
    const noPool = fleetWith(spec, (f) => { delete f.burst.pools[0].autoscale; });
    assert.match(noPool.violations.map((v) => v.message).join("\n"), /no burst pool declares autoscale/);
    const noMonitoring = fleetWith(spec, (f) => { delete f.monitoring; });
    assert.match(noMonitoring.violations.map((v) => v.message).join("\n"), /reads its signals from Prometheus: add a monitoring section/);
    const clash = fleetWith({ ...spec, port: 4000 });
    assert.ok(clash.violations.some((v) => v.rule === "port-collision" && /autoscale controller/.test(v.message)), JSON.stringify(clash.violations));
    const unknown = fleetWith({ ...spec, machine: "nowhere" });
    assert.ok(unknown.violations.some((v) => v.path === "burst.autoscaler.machine"), JSON.stringify(unknown.violations));
    for (const [field, value] of [["projectDir", "/srv/x; rm -rf /"], ["projectDir", "relative/dir"], ["projectDir", "/srv/../etc"], ["backendUrl", "file://relative"], ["backendUrl", "http://state.example"], ["backendUrl", "file:///srv/$(id)"]] as const) {
      const base = YAML.parse(readFileSync(join(repoRoot, "stacks", "local-test.fleet.yaml"), "utf8")) as Record<string, any>;
      const f = { ...base, ...YAML.parse(AUTOSCALE_POOL) };
      f.burst.autoscaler = { ...spec, [field]: value };
      const parsed = parseFleet(YAML.stringify(f));
      assert.ok(!parsed.ok && parsed.violations.some((v) => v.path === `burst.autoscaler.${field}`), `${field}: ${value} is refused (${JSON.stringify(parsed.ok || parsed.violations)})`);
    }
  });
});

describe("fabric plan shows the controller container", () => {
  it("names its machine, image and metrics URL under the pools' autoscale lines", async () => {
    const { planSummary } = await import("../../cli/plan-summary");
    const text = planSummary("stacks/local-test.fleet.yaml", fleetWith(spec));
    assert.match(text, /^  controller container on local \(fabric-test\/autoscaler:node24\.21\.0-pulumi3\.259\.0\), metrics http:\/\/127\.0\.0\.1:9464\/metrics$/m);
  });
});
