// The model file the engines of a stack sync from MinIO: where it lives in the store, whether it is
// there, and its upload. Shared by `scripts/main` and the end-to-end test.
import { spawnSync } from "node:child_process";
import type { Plan } from "../../core/plan/types";

/** The one object every engine of the plan mirrors from the store, and how to reach the store. */
export interface StoreModel {
  /** `bucket/prefix/file`, e.g. `models/fabric-test/tiny-llama/tiny-llama.gguf`. */
  readonly object: string;
  /** The store's API URL, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  /** The `mc` image the engines' syncs run (it has `mc`). */
  readonly mcImage: string;
}

/** Root credentials of the store (from the stack's secret config; never on a command line). */
export interface StoreCredentials { readonly user: string; readonly password: string }

/**
 * The store object the plan's engines load. Throws when an engine does not sync from the store or
 * the engines load different files: scripts/main uploads one model.
 */
export function storeModel(plan: Plan): StoreModel {
  if (!plan.store) throw new Error("the fleet has no storage: nothing to upload the model into");
  const objects = new Set<string>();
  for (const e of plan.engines) {
    const sync = e.modelSync;
    if (!sync) throw new Error(`${e.deployment} does not sync its model from the store (recipe model.source: store)`);
    const args = e.container.args;
    const file = args[args.indexOf("-m") + 1] ?? "";
    if (!args.includes("-m") || !file.startsWith(`${sync.localPath}/`)) {
      throw new Error(`${e.deployment}: its -m ${file || "(none)"} is not under the synced ${sync.localPath}`);
    }
    objects.add(`${sync.bucket}/${sync.prefix}/${file.slice(sync.localPath.length + 1)}`);
  }
  if (objects.size !== 1) throw new Error(`the engines load ${objects.size} different store objects (${[...objects].join(", ")}); expected one`);
  return { object: [...objects][0]!, endpoint: plan.store.endpoint, mcImage: plan.engines[0]!.modelSync!.container.image };
}

/** What `mc` answered: the object's size when it is there. */
export interface StoreAnswer { readonly ok: boolean; readonly size: number | null; readonly detail: string }

/** `mc stat` of the model object (a throwaway mc container on the host network). */
export function statModel(model: StoreModel, creds: StoreCredentials): StoreAnswer {
  return mc(model, creds, [], `mc stat --json store/${model.object}`);
}

/** Uploads a local file as the model object, then stats it. */
export function uploadModel(model: StoreModel, creds: StoreCredentials, localFile: string): StoreAnswer {
  return mc(model, creds, ["-v", `${localFile}:/upload/model:ro`], `mc cp --quiet /upload/model store/${model.object} >/dev/null && mc stat --json store/${model.object}`);
}

function mc(model: StoreModel, creds: StoreCredentials, mounts: readonly string[], script: string): StoreAnswer {
  // Root credentials through the environment, never argv (they would show in `ps` and docker inspect).
  const r = spawnSync("docker", [
    "run", "--rm", "--network", "host", "-e", "MC_CONFIG_DIR=/tmp/.mc", "-e", "ROOT_USER", "-e", "ROOT_PASSWORD", ...mounts,
    "--entrypoint", "/bin/sh", model.mcImage, "-c", `mc alias set store ${model.endpoint} "$ROOT_USER" "$ROOT_PASSWORD" >/dev/null && ${script}`,
  ], { encoding: "utf8", timeout: 300_000, env: { ...process.env, ROOT_USER: creds.user, ROOT_PASSWORD: creds.password } });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`.replaceAll(creds.password, "***");
  const size = /"size":\s*(\d+)/.exec(r.stdout ?? "");
  return { ok: r.status === 0, size: size ? Number(size[1]) : null, detail: out.trim().slice(-800) };
}
