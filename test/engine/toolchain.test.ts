// The real Pulumi toolchain: the CLI, the Node.js language host and the provider plugins the
// project's @pulumi/* packages ask for. Expects `pulumi` on PATH, i.e. the runner was started
// after `source scripts/setup-pulumi.sh` (tools/README.md says what that builds and why).
// Plugin versions are read the way the engine reads them: start the plugin, ask GetPluginInfo
// over gRPC on loopback.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { LanguageRuntimeClient } from "@pulumi/pulumi/proto/language_grpc_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { providerPluginPath, requestedPluginVersion } from "../support/pulumi-cli";

const root = resolve(__dirname, "../..");
const setupHint = "source scripts/setup-pulumi.sh before running the engine tests (it builds or finds the Pulumi CLI)";

/** Versions pinned in scripts/setup-pulumi.sh (`name|vX.Y.Z|…` lines): one source of truth. */
function pinnedVersion(name: string): string {
  const script = readFileSync(join(root, "scripts/setup-pulumi.sh"), "utf8");
  const m = new RegExp(`"${name}\\|v([0-9][^|]*)\\|`).exec(script);
  assert.ok(m, `scripts/setup-pulumi.sh pins no version for ${name}`);
  return m[1]!;
}

function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

function pulumiPath(): string {
  const path = which("pulumi");
  if (!path) assert.fail(`'pulumi' is not on PATH: ${setupHint}`);
  return path;
}

function semverAtLeast(have: string, want: string): boolean {
  const a = have.split(/[.+-]/).slice(0, 3).map(Number);
  const b = want.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

type Client = LanguageRuntimeClient | ResourceProviderClient;

/** Starts a plugin binary as the engine does and returns the version from its GetPluginInfo. */
async function pluginVersion(binary: string, makeClient: (address: string) => Client): Promise<string> {
  // The argument is the engine address; plugins dial it lazily (first health check after minutes),
  // so a closed loopback port is enough for a GetPluginInfo round trip.
  // Own process group, so that a plugin that is a shell shim (exec-less `node …`) dies whole.
  const child = spawn(binary, ["127.0.0.1:9"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += String(d); });
  try {
    const port = await new Promise<number>((ok, fail) => {
      let out = "";
      const timer = setTimeout(() => fail(new Error(`${binary} printed no port within 30s; stderr: ${stderr}`)), 30_000);
      child.stdout.on("data", (d) => {
        out += String(d);
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) { clearTimeout(timer); ok(Number(m[1])); }
      });
      child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`${binary} exited with ${code}; stderr: ${stderr}`)); });
    });
    const client = makeClient(`127.0.0.1:${port}`);
    try {
      const info = await new Promise<PluginInfo>((ok, fail) => {
        client.getPluginInfo(new Empty(), (err: grpc.ServiceError | null, res: PluginInfo) => (err ? fail(err) : ok(res)));
      });
      return info.getVersion();
    } finally {
      client.close();
    }
  } finally {
    try { process.kill(-child.pid!, "SIGKILL"); } catch { child.kill("SIGKILL"); }
  }
}

const insecure = grpc.credentials.createInsecure();

describe("Pulumi toolchain", () => {
  test("pulumi is on PATH and reports the pinned version", () => {
    const pulumi = pulumiPath();
    const run = spawnSync(pulumi, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    assert.equal(run.status, 0, `pulumi version failed: ${run.stderr}`);
    const version = run.stdout.trim().replace(/^v/, "");
    const pinned = pinnedVersion("pulumi");
    const fabricBin = process.env.FABRIC_CACHE ? join(process.env.FABRIC_CACHE, "bin") : undefined;
    if (fabricBin && dirname(pulumi) === fabricBin) {
      assert.equal(version, pinned, `${pulumi} is not the build pinned in tools/pulumi`);
    } else {
      // An official CLI on a user's machine: anything at least as new as the pin.
      assert.ok(semverAtLeast(version, pinned), `${pulumi} is ${version}; the project needs >= ${pinned}`);
    }
  });

  test("the Node.js language host is found and answers GetPluginInfo", async () => {
    const pulumi = pulumiPath();
    const host = which("pulumi-language-nodejs") ?? [join(dirname(pulumi), "pulumi-language-nodejs")].find(existsSync);
    if (!host) assert.fail(`pulumi-language-nodejs is neither on PATH nor next to ${pulumi}: ${setupHint}`);
    const version = (await pluginVersion(host, (a) => new LanguageRuntimeClient(a, insecure))).replace(/^v/, "");
    assert.match(version, /^\d+\.\d+\.\d+/, `language host reported '${version}'`);
    if (dirname(host) === dirname(pulumi) && process.env.FABRIC_CACHE && host.startsWith(process.env.FABRIC_CACHE)) {
      assert.equal(version, pinnedVersion("pulumi-language-nodejs"));
    }
  });

  test("the dynamic-provider shim from @pulumi/pulumi is found", () => {
    const shim = which("pulumi-resource-pulumi-nodejs") ?? join(dirname(pulumiPath()), "pulumi-resource-pulumi-nodejs");
    assert.ok(existsSync(shim), `pulumi-resource-pulumi-nodejs not found: ${setupHint}`);
  });

  for (const provider of ["command", "docker", "tailscale"]) {
    test(`provider plugin pulumi-resource-${provider} is found and reports the version @pulumi/${provider} requests`, async (t) => {
      const wanted = requestedPluginVersion(provider);
      const binary = providerPluginPath(provider, wanted);
      if (!binary) {
        // Blocked here, not hidden: the Go module proxy refuses the provider modules (403), so the
        // setup cannot build them (tools/README.md). On a machine with the official CLI, npm's
        // install scripts put them in the plugin cache and this test runs.
        const reason = `pulumi-resource-${provider} ${wanted} is neither on PATH nor in the plugin cache; ` +
          "the Go module proxy refuses pulumi provider modules (403), see tools/README.md";
        console.log(`SKIPPED: ${reason}`);
        t.skip(`SKIPPED: ${reason}`);
        return;
      }
      const version = (await pluginVersion(binary, (a) => new ResourceProviderClient(a, insecure))).replace(/^v/, "");
      assert.equal(version, wanted, `${binary} reports ${version}, @pulumi/${provider} requests ${wanted}`);
    });
  }
});

