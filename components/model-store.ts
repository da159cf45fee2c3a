import { shellQuote } from "../core/render/shell";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerSpec, StorePlan } from "../core/plan/types";
import { CONTAINER_IGNORE_CHANGES, containerArgs, oneShotContainerArgs } from "./docker/container-args";
import type { GpuHost } from "./docker/gpu-host";
import type { SecretValues, StoreKey } from "./secrets";

export interface ModelStoreArgs {
  /** The store as planned: the MinIO container, buckets, and the config keys of the root credentials. */
  readonly plan: StorePlan;
  /** The machine the store runs on. */
  readonly host: GpuHost;
  /** Root credentials, by stack config key. */
  readonly secrets: SecretValues;
  /** The `mc` image the setup runs (the store plan does not name it), e.g. `quay.io/minio/mc:RELEASE…`. */
  readonly mcImage: string;
  /**
   * The read-only key engines sync models with; the setup creates (or updates) it.
   * @default null (no read-only user)
   */
  readonly readOnlyKey?: StoreKey | null;
}

/** Name of the policy the read-only user gets. */
export const STORE_READ_POLICY = "fabric-models-read";
const POLICY_FILE = "/tmp/fabric-models-read.json";

/**
 * MinIO with its data volume and root credentials as secret env, then an idempotent `mc` run: the
 * buckets, versioning, and the read-only user. The run is a one-shot container rather than the
 * `@pulumi/minio` provider because that provider's plugin needs its own Go build (no plugin can be
 * downloaded here), while `mc` is already an image the fabric pulls for model syncs; every command it
 * runs is safe to repeat.
 *
 * The read-only user does not get MinIO's built-in `readonly` policy: that one allows only
 * GetObject and GetBucketLocation, and `mc mirror` (the engines' model sync) must also list the
 * bucket. It gets {@link STORE_READ_POLICY}: list and read on the store's buckets, nothing else.
 */
export class ModelStore extends pulumi.ComponentResource {
  /** The MinIO container. */
  readonly container: docker.Container;
  /** The one-shot `mc` setup; engines that sync from the store wait for it. */
  readonly setup: docker.Container;
  /** S3 API endpoint, e.g. `http://spark.example.ts.net:9000`. */
  readonly endpoint: string;

  constructor(name: string, args: ModelStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:store:ModelStore", name, {}, opts);
    const { plan, host } = args;
    const wiring = { secrets: args.secrets, volumeName: (v: string) => host.volumeName(v) };
    this.container = new docker.Container(`${name}-minio`, containerArgs(plan.container, {
      ...wiring,
      image: host.imageId(plan.container.image),
    }), { ...host.resourceOptions(this), deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES });

    const key = args.readOnlyKey ?? null;
    this.setup = new docker.Container(`${name}-setup`, oneShotContainerArgs(setupContainer(plan, args.mcImage, key !== null), {
      ...wiring,
      image: host.imageId(args.mcImage),
      ...(key ? { extraSecretEnv: { RO_ACCESS: key.accessKey, RO_SECRET: key.secretKey } } : {}),
    }), { ...host.resourceOptions(this), dependsOn: [this.container], deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORE_CHANGES });
    this.endpoint = plan.endpoint;
    this.registerOutputs({ containerName: this.container.name, endpoint: this.endpoint });
  }
}

/** The `mc` run: same network and root credentials as MinIO, the script as `sh -c`, the policy as a file. */
function setupContainer(plan: StorePlan, mcImage: string, readOnlyUser: boolean): ContainerSpec {
  const base = plan.container;
  return {
    ...base,
    name: `${base.name}-setup`,
    image: mcImage,
    entrypoint: ["/bin/sh", "-c"],
    args: [setupScript(plan, readOnlyUser)],
    env: { MC_CONFIG_DIR: "/tmp/.mc" },
    secretEnv: base.secretEnv,
    ports: [],
    gpus: null,
    health: null,
    labels: { ...base.labels, "fabric.role": "store-setup" },
    volumes: [],
    files: readOnlyUser ? [{ containerPath: POLICY_FILE, content: readPolicy(plan.buckets) }] : [],
  };
}

/**
 * Idempotent: `mb --ignore-existing`, `version enable`, `policy create` (overwrites) and `user add`
 * (updates the secret) all succeed when repeated; `policy attach` fails when the policy is already
 * attached ("policy change is already in effect", minio/mc#4863), so that answer counts as success.
 */
export function setupScript(plan: StorePlan, readOnlyUser: boolean): string {
  const rootUser = envOf(plan, plan.rootUserSecret);
  const rootPassword = envOf(plan, plan.rootPasswordSecret);
  const lines = [
    "set -eu",
    `mc alias set store ${shellQuote(plan.endpoint)} "$${rootUser}" "$${rootPassword}"`,
    ...plan.buckets.map((b) => `mc mb --ignore-existing ${shellQuote(`store/${b}`)}`),
    ...plan.versionedBuckets.map((b) => `mc version enable ${shellQuote(`store/${b}`)}`),
  ];
  if (readOnlyUser) {
    lines.push(
      `mc admin policy create store ${STORE_READ_POLICY} ${POLICY_FILE}`,
      `mc admin user add store "$RO_ACCESS" "$RO_SECRET"`,
      `if ! out=$(mc admin policy attach store ${STORE_READ_POLICY} --user "$RO_ACCESS" 2>&1); then`,
      `  case "$out" in *"already in effect"*) ;; *) echo "$out" >&2; exit 1 ;; esac`,
      "fi",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** List and read on the store's buckets. */
function readPolicy(buckets: readonly string[]): string {
  return `${JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: buckets.map((b) => `arn:aws:s3:::${b}`) },
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`) },
    ],
  }, null, 2)}\n`;
}

/** The env var MinIO gets a root credential in; the setup reads the same one. */
function envOf(plan: StorePlan, secret: string): string {
  const env = plan.container.secretEnv.find((s) => s.secret === secret);
  if (!env) throw new Error(`store: the MinIO container has no env var for the secret '${secret}'`);
  return env.name;
}
