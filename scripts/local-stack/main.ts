// `scripts/main up|down`: the embedded default stack for real on this machine's Docker. Brings the
// model store up first (a targeted `pulumi up`), puts the model into MinIO if it is not there (the
// engines sync it from the store, as GPU hosts do in a user's fleet), then runs the whole `pulumi up`,
// and sends one chat completion through the gateway. State lives in a local file backend outside
// the repo ($FABRIC_CACHE/state); the stacks' secrets use the documented throwaway passphrase.
//
//   node --import tsx scripts/local-stack/main.ts up --stack local|local-test [--model FILE]
//   node --import tsx scripts/local-stack/main.ts down --stack local|local-test
//   node --import tsx scripts/local-stack/main.ts missing-images --stack local   (prints them, one a line)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadFleetFile } from "../../cli/load-fleet";
import { machineNeeds } from "../../components/machine-needs";
import { serviceImage } from "../../core/catalog/services";
import { plan as planFleet } from "../../core/plan/plan";
import type { Fleet } from "../../core/fleet/schema";
import type { Plan } from "../../core/plan/types";
import { type StoreCredentials, type StoreModel, statModel, storeModel, uploadModel } from "./store-model";
import { type PreviewSteps, storeRoots, targetClosure } from "./targets";

const root = resolve(__dirname, "../..");
const cache = process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric");
/** The documented throwaway passphrase of stacks/Pulumi.local*.yaml (demo values, 127.0.0.1 only). */
const LOCAL_PASSPHRASE = "local-only-not-secret";

const env: NodeJS.ProcessEnv = {
  ...process.env,
  PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL ?? `file://${join(cache, "state")}`,
  PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? LOCAL_PASSPHRASE,
  PULUMI_SKIP_UPDATE_CHECK: "true",
};

function fail(message: string): never {
  console.error(`scripts/main: ${message}`);
  process.exit(1);
}

/** Runs pulumi in the project; `show` streams its output to the terminal. */
function pulumi(stack: string, args: readonly string[], show = false): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("pulumi", [...args, "--stack", stack, "--non-interactive"], {
    cwd: root, env, encoding: "utf8", maxBuffer: 64 << 20, timeout: 1_800_000, stdio: show ? ["ignore", "inherit", "inherit"] : "pipe",
  });
  if (r.error) fail(`pulumi could not run (${r.error.message}); source scripts/setup-pulumi.sh`);
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function selectStack(stack: string): void {
  if (env.PULUMI_BACKEND_URL?.startsWith("file://")) mkdirSync(env.PULUMI_BACKEND_URL.slice("file://".length), { recursive: true });
  const r = spawnSync("pulumi", ["stack", "select", stack, "--create", "--non-interactive"], { cwd: root, env, encoding: "utf8" });
  if (r.status !== 0) fail(`pulumi stack select --create ${stack}: ${r.stderr.trim()}`);
}

function configSecret(stack: string, key: string): string {
  const r = pulumi(stack, ["config", "get", `fabric:${key}`]);
  if (r.status !== 0) fail(`pulumi config get fabric:${key}: ${r.stderr.trim()} (is PULUMI_CONFIG_PASSPHRASE the stack's?)`);
  return r.stdout.trim();
}

function stackPlan(stack: string): { fleet: Fleet; plan: Plan } {
  const config = readFileSync(join(root, "stacks", `Pulumi.${stack}.yaml`), "utf8");
  const fleetPath = /^ {2}fabric:fleet: (.+)$/m.exec(config)?.[1]?.trim();
  if (!fleetPath) fail(`stacks/Pulumi.${stack}.yaml sets no fabric:fleet`);
  const loaded = loadFleetFile(join(root, fleetPath), { readFile: (f) => readFileSync(f, "utf8") });
  if (!loaded.ok) fail(`${fleetPath} does not load; run \`npx fabric check ${fleetPath}\``);
  const p = planFleet(loaded.fleet);
  const errors = p.violations.filter((v) => v.severity === "error");
  if (errors.length > 0) fail(`${fleetPath} has ${errors.length} error(s); run \`npx fabric check ${fleetPath}\``);
  return { fleet: loaded.fleet, plan: p };
}

/** The store up (targeted) and the model in it: uploaded from `--model`, or fetched once from the Hugging Face hub. */
function ensureModel(stack: string, fleet: Fleet, p: Plan, modelFile: string | undefined): void {
  const model: StoreModel = storeModel(p);
  const preview = pulumi(stack, ["preview", "--json"]);
  if (preview.status !== 0) fail(`pulumi preview failed:\n${preview.stdout.slice(-3000)}${preview.stderr.slice(-2000)}`);
  const steps = JSON.parse(preview.stdout) as PreviewSteps;
  const roots = storeRoots(steps);
  if (roots.length === 0) {
    console.log("scripts/main: the model store is up and unchanged"); // a preview lists unchanged resources only as the stack
  } else {
    const targets = targetClosure(steps, roots);
    console.log(`scripts/main: the model store first (${targets.length} resources)`);
    const up = pulumi(stack, ["up", "--yes", "--skip-preview", ...targets.map((t) => `--target=${t}`)], true);
    if (up.status !== 0) fail("the store's pulumi up failed (output above)");
  }
  const store = p.store!; // storeModel() refused a plan without one
  const creds: StoreCredentials = { user: configSecret(stack, store.rootUserSecret), password: configSecret(stack, store.rootPasswordSecret) };
  const there = statModel(model, creds);
  if (there.ok) {
    console.log(`scripts/main: store/${model.object} is there (${there.size} bytes)`);
    return;
  }
  const file = modelFile ?? downloadFromHub(fleet, p);
  const put = uploadModel(model, creds, file);
  if (!put.ok) fail(`uploading ${file} to store/${model.object} failed (is the store running? a container removed by hand needs \`pulumi refresh\`): ${put.detail}`);
  console.log(`scripts/main: uploaded ${file} to store/${model.object} (${put.size} bytes)`);
}

/** The first engine's GGUF from the Hugging Face hub, cached in $FABRIC_CACHE/models (a user's machine; never in tests). */
function downloadFromHub(fleet: Fleet, p: Plan): string {
  const e = p.engines[0]!;
  const { id, file, revision } = fleet.recipes[e.recipe]?.model ?? {};
  if (!id || !file) fail(`${e.deployment}: recipe ${e.recipe} names no model file to download; pass --model FILE`);
  const target = join(cache, "models", id, revision ?? "main", file);
  if (!existsSync(target)) {
    mkdirSync(dirname(target), { recursive: true });
    const url = `https://huggingface.co/${id}/resolve/${revision ?? "main"}/${file}`;
    console.log(`scripts/main: ${e.deployment} loads ${file}; downloading ${url}`);
    const r = spawnSync("curl", ["-fL", "--retry", "3", "-o", `${target}.part`, url], { stdio: "inherit", timeout: 1_800_000 });
    if (r.status !== 0) fail(`downloading ${url} failed; put the file in the store yourself or pass --model FILE`);
    renameSync(`${target}.part`, target);
  }
  return target;
}

/** The stack config key holding the gateway's master key. */
function masterKeySecret(fleet: Fleet): string {
  const masterKey = fleet.gateway?.masterKey;
  if (typeof masterKey !== "object") fail("gateway.masterKey is not a {secret: <config key>} reference");
  return masterKey.secret;
}

async function smoke(stack: string, fleet: Fleet, p: Plan): Promise<void> {
  const route = fleet.gateway?.routes[0]?.name ?? p.engines[0]?.servedName;
  if (!p.gateway || !route) fail("the stack has no gateway route to send a completion to");
  const key = configSecret(stack, masterKeySecret(fleet));
  const res = await fetch(`${p.gateway!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: route, messages: [{ role: "user", content: "Say hello." }], max_tokens: 16 }),
    signal: AbortSignal.timeout(120_000),
  }).catch((e: Error) => fail(`the gateway at ${p.gateway!.url} did not answer: ${e.message}`));
  const body = await res.text();
  if (res.status !== 200) fail(`chat completion through the gateway: HTTP ${res.status}: ${body.slice(0, 400)}`);
  const parsed = JSON.parse(body) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
  console.log(`scripts/main: a chat completion through the gateway (route ${route}): ${parsed.usage.completion_tokens} tokens: ${JSON.stringify(parsed.choices[0]?.message.content)}`);
}

/** The images the stack pulls (every machine's, as the program does) that this Docker does not have. */
function missingImages(stack: string): string[] {
  const { fleet, plan: p } = stackPlan(stack);
  const images = new Set([...machineNeeds(p, serviceImage("mc", fleet.images)).values()].flatMap((n) => n.images));
  return [...images].filter((image) => spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status !== 0);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { stack: { type: "string", default: "local" }, model: { type: "string" } } });
  const [command] = positionals;
  const stack = values.stack!;
  if (!existsSync(join(root, "stacks", `Pulumi.${stack}.yaml`))) fail(`--stack ${stack}: stacks/Pulumi.${stack}.yaml does not exist`);
  if (command === "missing-images") {
    for (const image of missingImages(stack)) console.log(image);
    return;
  }
  selectStack(stack);
  if (command === "down") {
    if (pulumi(stack, ["destroy", "--yes", "--skip-preview"], true).status !== 0) fail("pulumi destroy failed (output above)");
    return;
  }
  if (command !== "up") fail(`unknown command '${command ?? ""}': up, down or missing-images`);
  const { fleet, plan: p } = stackPlan(stack);
  ensureModel(stack, fleet, p, values.model);
  console.log("scripts/main: pulumi up of the whole stack");
  if (pulumi(stack, ["up", "--yes", "--skip-preview"], true).status !== 0) fail("pulumi up failed (output above)");
  await smoke(stack, fleet, p);
  console.log([
    `scripts/main: stack ${stack} is up (state: ${env.PULUMI_BACKEND_URL})`,
    `  gateway     ${p.gateway?.url}  (key: PULUMI_CONFIG_PASSPHRASE=${LOCAL_PASSPHRASE} pulumi config get fabric:${masterKeySecret(fleet)} --stack ${stack})`,
    `  prometheus  ${p.monitoring?.url}`,
    `  store       ${p.store?.endpoint}`,
    `  tear down   scripts/main down --images ${stack === "local" ? "upstream" : "built"}`,
  ].join("\n"));
}

main().catch((e: Error) => fail(e.stack ?? e.message));
