// How the pack reads a `docker:index/container:Container` as the analyzer hands it over: plain JSON
// (secrets already unwrapped by pulumi-policy), behind a proxy that throws on values unknown during
// preview. Secrets: see secret-paths.ts for what the pack can tell. Every read here tolerates unknowns, so one unknown field (the image id of an image that
// is not pulled yet) never hides the rest of the resource from a rule.

import { parseImage } from "../core/catalog/images";
import { engineCatalog } from "../core/catalog/engines";
import type { EngineKind } from "../core/catalog/types";
import { secretPathsOf } from "./secret-paths";

/** Type token of the Docker provider's container. */
export const CONTAINER = "docker:index/container:Container";
/** Type token of a pulled image: its `name` is the image reference, `platform` the machine's. */
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

/** Labels fabric puts on its containers; engines carry every `fabric.*` one, other services `fabric.machine` and `fabric.role`. */
export const LABEL = {
  deployment: "fabric.deployment",
  machine: "fabric.machine",
  hardware: "fabric.hardware",
  engine: "fabric.engine",
  recipe: "fabric.recipe",
  recipeHash: "fabric.recipe-hash",
  quantization: "fabric.quantization",
  servedName: "fabric.served-name",
  gpus: "fabric.gpus",
  memoryBudgetGiB: "fabric.memory-budget-gib",
  role: "fabric.role",
} as const;

/** A published port as the provider takes it. */
export interface PublishedPort {
  readonly internal: number;
  readonly external: number | undefined;
  /** Host address; empty or undefined means every interface, as Docker does. */
  readonly ip: string | undefined;
}

/** The fields of a container the rules read, each undefined when unknown during preview. */
export interface ContainerView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly image: string | undefined;
  readonly platform: string | undefined;
  /** Entrypoint then command, as the container runs them. */
  readonly argv: readonly string[];
  /** `NAME=value` entries whose value is known. */
  readonly envs: readonly string[];
  readonly networkMode: string | undefined;
  readonly ports: readonly PublishedPort[];
  readonly healthcheckTests: readonly string[] | undefined;
  readonly healthcheckStartPeriod: string | undefined;
  readonly restart: string | undefined;
  readonly uploads: readonly { readonly file: string; readonly content: string }[];
  /** Runs once to completion (`attach`, or `mustRun: false` with no restart policy): model sync, store setup, config writer. */
  readonly oneShot: boolean;
  /** Docker's own `gpus` request (`all`, `device=0,1`, `2`), as Docker reads it. */
  readonly gpus: string | undefined;
  /** The engine this container runs: its fabric.engine label, else the catalog engine its image belongs to. */
  readonly engineKind: EngineKind | undefined;
  /** Props paths that came from secret Outputs (secret-paths.ts); undefined when not recorded. */
  readonly secretPaths: readonly string[] | undefined;
}

/** Reads a value, or undefined when the analyzer's proxy says it is unknown during preview. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof Error && e.constructor.name === "UnknownValueError") return undefined;
    throw e;
  }
}

/** The known elements of a list prop; unknown elements are skipped. */
function knownList(read: () => unknown): unknown[] {
  const list = known(read);
  if (!Array.isArray(list)) return [];
  const out: unknown[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = known(() => list[i] as unknown);
    if (item !== undefined) out.push(item);
  }
  return out;
}

function str(read: () => unknown): string | undefined {
  const v = known(read);
  return typeof v === "string" ? v : undefined;
}

function num(read: () => unknown): number | undefined {
  const v = known(read);
  return typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
}

type Props = Record<string, any>;

/** The container as the rules see it. */
export function containerView(name: string, props: Props): ContainerView {
  const labels: Record<string, string> = {};
  for (const l of knownList(() => props.labels) as Props[]) {
    const label = str(() => l.label);
    const value = str(() => l.value);
    if (label !== undefined && value !== undefined) labels[label] = value;
  }
  const strings = (read: () => unknown) => knownList(read).filter((s): s is string => typeof s === "string");
  return {
    name: str(() => props.name) ?? name,
    labels,
    image: str(() => props.image),
    platform: str(() => props.platform),
    argv: [...strings(() => props.entrypoints), ...strings(() => props.command)],
    envs: strings(() => props.envs),
    networkMode: str(() => props.networkMode),
    ports: (knownList(() => props.ports) as Props[]).map((p) => ({
      internal: num(() => p.internal) ?? 0,
      external: num(() => p.external),
      ip: str(() => p.ip),
    })),
    healthcheckTests: known(() => props.healthcheck) === undefined ? undefined : strings(() => props.healthcheck.tests),
    healthcheckStartPeriod: str(() => props.healthcheck?.startPeriod),
    restart: str(() => props.restart),
    uploads: (knownList(() => props.uploads) as Props[]).flatMap((u) => {
      const file = str(() => u.file);
      const content = str(() => u.content);
      return file !== undefined && content !== undefined ? [{ file, content }] : [];
    }),
    oneShot: isOneShot(known(() => props.attach), known(() => props.mustRun), str(() => props.restart)),
    gpus: str(() => props.gpus),
    engineKind: engineKindOf(labels[LABEL.engine], str(() => props.image)),
    secretPaths: secretPathsOf(props),
  };
}

/** One-shot: attached, or not kept running and not restarted (a restart policy makes it a service whatever mustRun says). */
function isOneShot(attach: unknown, mustRun: unknown, restart: string | undefined): boolean {
  if (attach === true) return true;
  return mustRun === false && (restart === undefined || restart === "no");
}

/** Repository → engine, from every image the engine catalog builds (plus NGC's vLLM). */
const ENGINE_REPOSITORIES: ReadonlyMap<string, EngineKind> = new Map([
  ...Object.values(engineCatalog).flatMap((e) => Object.values(e.images).map((image) => [parseImage(image as string).repository, e.id] as const)),
  ["nvcr.io/nvidia/vllm", "vllm"],
]);

/** The engine kind of a container: its label when it names a catalog engine, else its image's repository. */
export function engineKindOf(label: string | undefined, image: string | undefined): EngineKind | undefined {
  if (label !== undefined && label in engineCatalog) return label as EngineKind;
  return image === undefined ? undefined : ENGINE_REPOSITORIES.get(parseImage(image).repository);
}

/**
 * An engine container: it carries the deployment and engine labels, or runs a catalog engine image
 * (labels or not: a hand-written engine is still an engine), and has no service role.
 */
export function isEngine(c: ContainerView): boolean {
  if (c.labels[LABEL.role] !== undefined) return false;
  return (c.labels[LABEL.deployment] !== undefined && c.labels[LABEL.engine] !== undefined) || c.engineKind !== undefined;
}

/** An engine that carries fabric's labels, so the label-based rules (memory, quantisation) can check it. */
export function isLabelledEngine(c: ContainerView): boolean {
  return isEngine(c) && c.labels[LABEL.deployment] !== undefined && c.labels[LABEL.engine] !== undefined;
}

/** A pulled image's id (`sha256:…`) rather than a reference: the fabric's containers run these. */
export function isImageId(image: string): boolean {
  return /^(sha256:)?[0-9a-f]{64}$/.test(image);
}

/** `NAME=value` → [NAME, value]. */
export function splitEnv(entry: string): [string, string] {
  const eq = entry.indexOf("=");
  return eq < 0 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** How messages name a container: `orchestrator-31323aba (deployment orchestrator on rtx5090)`. */
export function describeContainer(c: ContainerView): string {
  const deployment = c.labels[LABEL.deployment];
  const role = c.labels[LABEL.role];
  const machine = c.labels[LABEL.machine];
  const what = deployment !== undefined ? `deployment ${deployment}` : role !== undefined ? role : c.engineKind !== undefined ? `${c.engineKind} engine` : undefined;
  const where = machine !== undefined ? ` on ${machine}` : "";
  return what !== undefined ? `${c.name} (${what}${where})` : `${c.name}${where}`;
}

/** A resource as a stack policy gets it (the fields of pulumi-policy's PolicyResource this pack reads). */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, any>;
  /** The resource's provider (pulumi-policy's PolicyProviderResource). */
  readonly provider?: { readonly urn: string; readonly props: Record<string, any> };
}

/** A stack container: the view, its URN, and the Docker host it runs on. */
export type StackContainer = ContainerView & {
  readonly urn: string;
  /** The machine it runs on (containers on one machine share ports and GPUs): see {@link stackContainers}. */
  readonly host: string;
  /** How messages name that machine. */
  readonly hostName: string;
};

/**
 * The containers of a stack, each with its URN and machine, in name order (the engine registers
 * resources in no fixed order, and a rule that reports the second of two containers must name the
 * same one every preview). The machine is the fabric.machine label; a container without one is on
 * the machine whose labelled containers share its provider's Docker `host`, else on that host.
 */
export function stackContainers(resources: readonly StackResource[]): StackContainer[] {
  const containers = resources.filter((r) => r.type === CONTAINER).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const views = containers.map((r) => ({
    r, view: containerView(r.name, r.props),
    dockerHost: r.provider ? str(() => r.provider?.props.host) ?? r.provider.urn : undefined,
  }));
  const machinesOf = new Map<string, Set<string>>();
  for (const { view, dockerHost } of views) {
    const machine = view.labels[LABEL.machine];
    if (dockerHost !== undefined && machine !== undefined) machinesOf.set(dockerHost, (machinesOf.get(dockerHost) ?? new Set()).add(machine));
  }
  return views.map(({ r, view, dockerHost }) => {
    const sharing = dockerHost === undefined ? undefined : machinesOf.get(dockerHost);
    const host = view.labels[LABEL.machine] ?? (sharing?.size === 1 ? [...sharing][0] : undefined) ?? dockerHost ?? "the default Docker host";
    return { ...view, urn: r.urn, host, hostName: host };
  });
}
