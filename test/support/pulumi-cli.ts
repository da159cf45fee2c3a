import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { repoRoot } from "./stacks";

/** A copy of the project in a temp dir with its own file backend, so real pulumi runs never touch the repo's stacks/. */
export interface ScratchProject {
  readonly dir: string;
  readonly run: (args: readonly string[], extraEnv?: Record<string, string>) => { status: number | null; output: string };
}

const SOURCES = ["index.ts", "Pulumi.yaml", "package.json", "tsconfig.json", "core", "components", "cli", "stacks", "schema"];

export function scratchProject(passphrase: string): ScratchProject {
  const dir = mkdtempSync(join(tmpdir(), "fabric-engine-"));
  for (const entry of SOURCES) cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, ".state"));
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${join(dir, ".state")}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME: process.env.PULUMI_HOME ?? join(homedir(), ".pulumi"),
  };
  const run = (args: readonly string[], extraEnv: Record<string, string> = {}) => {
    const result = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: dir, env: { ...env, ...extraEnv }, encoding: "utf8", timeout: 600_000 });
    if (result.error) throw new Error(`pulumi could not run (${result.error.message}): source scripts/setup-pulumi.sh first`);
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  };
  return { dir, run };
}

/** Writes a file inside a scratch project. */
export function writeScratch(project: ScratchProject, path: string, content: string): void {
  writeFileSync(join(project.dir, path), content);
}

/** The provider version an @pulumi/* package asks the engine for (its package.json "pulumi.version"). */
export function requestedPluginVersion(pkg: string): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot, "node_modules/@pulumi", pkg, "package.json"), "utf8")) as {
    pulumi?: { version?: string };
  };
  if (!manifest.pulumi?.version) throw new Error(`@pulumi/${pkg} declares no pulumi.version`);
  return manifest.pulumi.version;
}

/** Where the engine would find a provider plugin: on PATH, or in the plugin cache ($PULUMI_HOME/plugins). */
export function providerPluginPath(provider: string, version: string): string | undefined {
  const binary = `pulumi-resource-${provider}`;
  const onPath = (process.env.PATH ?? "").split(delimiter).map((d) => join(d, binary)).find((p) => existsSync(p));
  if (onPath) return onPath;
  const home = process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
  const cached = join(home, "plugins", `resource-${provider}-v${version}`, binary);
  return existsSync(cached) ? cached : undefined;
}

/** Whether a provider plugin is available to the engine (PATH or plugin cache). */
export function hasProviderPlugin(provider: string, version: string): boolean {
  return providerPluginPath(provider, version) !== undefined;
}
