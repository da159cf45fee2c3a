// Renting one Vast.ai host without leaking any: the create path of the `vast:Instance` provider.
//
// The rule (DESIGN.md, "Burst providers that leak paid instances"): no code path leaves an
// instance the Pulumi state does not know. So, per offer tried in ranked order:
//  - the rent is refused but names a contract → that instance is destroyed before moving on;
//  - the rent's outcome is unknown (timeout, 5xx, connection lost; never retried) → instances
//    carrying our label that did not exist before we started are found and destroyed;
//  - the host does not reach `running` in time, or fails → it is destroyed, next offer;
//  - a destroy itself fails → create stops and throws an error carrying that instance's id, which
//    the dynamic provider protocol turns into a partially created resource: the state knows it,
//    the next `pulumi up` replaces it and `pulumi destroy` deletes it.
//
// Captured by Pulumi's function serialization: no @pulumi imports, only pure core and the client.
import { parseVastOffers } from "../../core/burst/offers";
import { vastSearchBody } from "../../core/burst/search-body";
import { type RankedOffer, selectBurstOffers } from "../../core/burst/selection";
import { VastClient, VastError, type VastInstanceRecord } from "./vast-client";
import { type Launch, type VastInstanceInputs, type VastTiming, createBody, launchFor } from "./vast-launch";

/** What the state records about a rented host, besides the inputs. */
export interface VastInstanceLive {
  readonly instanceId: number;
  readonly offerId: number;
  readonly machineId: number | null;
  /** $/hour the host costs (dph_total). */
  readonly pricePerHour: number | null;
  readonly inetDown: number | null;
  readonly sshHost: string | null;
  readonly sshPort: number | null;
  readonly publicIp: string | null;
  /** Public port per container port, e.g. {"8000/tcp": 41234} (the engine itself is reached over the tailnet). */
  readonly mappedPorts: Readonly<Record<string, number>>;
  /** `http://<meshHostName>:<enginePort>/v1`: the engine's OpenAI-compatible URL on the tailnet. */
  readonly endpoint: string;
  readonly actualStatus: string | null;
  /** Why this offer won, from the ranking. */
  readonly selection: readonly string[];
  /** Offers skipped on the way, with the reason. */
  readonly skipped: readonly string[];
}

export type VastInstanceOutputs = VastInstanceInputs & VastInstanceLive & Launch;

/** Receives progress and retry lines (never the key). */
export type Log = (line: string) => void;

/**
 * An instance was created but could not be destroyed. The dynamic provider protocol reads `id`,
 * `properties` and `reasons` off a create error and records the resource in the state (the engine
 * encrypts `apiKey` there). `properties` holds the key in plain text, so it is not enumerable:
 * logging or JSON-encoding the error does not print it.
 */
export class InstanceLeftBehind extends Error {
  readonly reasons: string[];
  declare readonly properties: Record<string, unknown>;
  constructor(message: string, readonly id: string, properties: Record<string, unknown>) {
    super(message);
    this.reasons = [message];
    Object.defineProperty(this, "properties", { value: properties, enumerable: false });
  }
}

export function clientFor(inputs: Pick<VastInstanceInputs, "apiKey" | "baseUrl" | "timing" | "instanceEnv">, log: Log): VastClient {
  const alsoRedact = Object.values(inputs.instanceEnv ?? {}).filter((v) => typeof v === "string" && v.length >= 8);
  return new VastClient({ apiKey: inputs.apiKey, baseUrl: inputs.baseUrl, retry: inputs.timing?.retry ?? {}, alsoRedact, log });
}

/** Rents the best offer that comes up; throws (having destroyed all it rented) when none does. */
export async function createVastInstance(inputs: VastInstanceInputs, log: Log): Promise<{ id: string; outs: VastInstanceOutputs }> {
  const client = clientFor(inputs, log);
  const offers = parseVastOffers(await client.searchOffers(vastSearchBody(inputs.request)));
  const ranked = selectBurstOffers(offers, inputs.request);
  if (ranked.length === 0) throw new Error(`${inputs.label}: no Vast offer qualifies: the search returned ${offers.length} offer(s) and none passed the pool's limits`);
  const candidates = ranked.slice(0, inputs.timing.maxOffersTried);
  const skipped: string[] = [];
  const preexisting = new Set((await client.listInstances()).filter((i) => i.label === inputs.label).map((i) => i.id));

  for (const candidate of candidates) {
    const offerId = candidate.offer.id;
    const launch = launchFor(inputs, candidate);
    let instanceId: number;
    try {
      instanceId = await client.createInstance(offerId, createBody(inputs, launch));
    } catch (e) {
      if (!(e instanceof VastError)) throw e;
      if (e.contractId !== null) {
        await destroyOrSurface(client, inputs, e.contractId, offerId, `the rent was refused (${e.message}) but named instance ${e.contractId}`, skipped, launch);
        skipped.push(`offer ${offerId}: refused with instance ${e.contractId}, destroyed`);
      } else if (isOfferGone(e)) {
        skipped.push(`offer ${offerId}: gone (${e.code ?? `HTTP ${e.status}`})`);
      } else if (e.kind === "timeout" || e.kind === "network" || e.kind === "server") {
        const swept = await sweepOrphans(client, inputs, preexisting, offerId, skipped, launch);
        skipped.push(`offer ${offerId}: outcome unknown (${e.message}); ${swept.length === 0 ? "no instance appeared" : `destroyed ${swept.join(", ")}`}`);
      } else {
        throw new Error(`${inputs.label}: renting offer ${offerId} failed: ${e.message}${skippedNote(skipped)}`);
      }
      continue;
    }
    log(`vast: ${inputs.label}: rented offer ${offerId} as instance ${instanceId}; waiting for running`);
    let outcome: Awaited<ReturnType<typeof waitUntilRunning>>;
    try {
      outcome = await waitUntilRunning(client, instanceId, inputs.timing);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      await destroyOrSurface(client, inputs, instanceId, offerId, `polling it failed (${why})`, skipped, launch);
      throw new Error(`${inputs.label}: polling instance ${instanceId} failed, so it was destroyed: ${why}${skippedNote(skipped)}`);
    }
    if (outcome.instance) return { id: String(instanceId), outs: outputsOf(inputs, candidate, launch, outcome.instance, skipped) };
    await destroyOrSurface(client, inputs, instanceId, offerId, outcome.reason, skipped, launch);
    skipped.push(`offer ${offerId}: instance ${instanceId} ${outcome.reason}, destroyed`);
  }
  throw new Error(`${inputs.label}: no host came up after trying ${candidates.length} of ${ranked.length} qualifying offer(s): ${skipped.join("; ")}`);
}

/** Offer taken between search and rent: 404/410, or `no_such_ask` under any status. */
export function isOfferGone(e: VastError): boolean {
  return e.code === "no_such_ask" || (e.kind === "client" && (e.status === 404 || e.status === 410));
}

/**
 * Host statuses after which waiting is pointless (REFERENCE.md §6). An array, not a Set: Pulumi's
 * function serialization turns a captured Set into a plain object (seen under the real engine).
 */
const FAILED_STATUSES: readonly string[] = ["exited", "offline", "stopped", "frozen"];

/** Polls until `running` (returned), a failed status, disappearance or the timeout (reason returned). */
export async function waitUntilRunning(client: VastClient, id: number, timing: VastTiming): Promise<{ instance: VastInstanceRecord; reason?: never } | { instance?: never; reason: string }> {
  const started = Date.now();
  const maxPolls = Math.ceil(timing.readyTimeoutMs / Math.max(1, timing.pollIntervalMs)) + 1;
  let last: string | null = null;
  for (let poll = 0; poll < maxPolls; poll++) {
    const instance = await client.showInstance(id);
    if (!instance || isReleased(instance)) return { reason: "disappeared while loading" };
    last = instance.actual_status;
    if (last === "running") return { instance };
    if (last !== null && FAILED_STATUSES.includes(last)) return { reason: `reached status '${last}'${instance.status_msg ? ` (${instance.status_msg})` : ""}` };
    if (Date.now() - started + timing.pollIntervalMs > timing.readyTimeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, timing.pollIntervalMs));
  }
  return { reason: `was still '${last ?? "null"}' after ${(timing.readyTimeoutMs / 1000).toFixed(1)} s` };
}

/** `cur_state: unloaded` is what a destroyed contract reads as until it disappears. */
export function isReleased(instance: VastInstanceRecord): boolean {
  return instance.cur_state === "unloaded";
}

/** Destroys an instance this create rented; if that fails, throws so the state records it. */
async function destroyOrSurface(client: VastClient, inputs: VastInstanceInputs, id: number, offerId: number, why: string, skipped: readonly string[], launch: Launch): Promise<void> {
  try {
    await client.destroyInstance(id);
  } catch (e) {
    const message = `${inputs.label}: instance ${id} (offer ${offerId}) ${why}, and destroying it failed: ${e instanceof Error ? e.message : String(e)}. `
      + `It is recorded in the state: the next \`pulumi up\` replaces it, \`pulumi destroy\` deletes it${skippedNote(skipped)}`;
    throw new InstanceLeftBehind(message, String(id), { ...inputs, ...launch, ...emptyLive(id, offerId), actualStatus: "destroy-failed", skipped: [...skipped] });
  }
}

/**
 * After a rent with unknown outcome: destroys instances carrying our label that existed neither
 * before this create nor in Vast's answer. Looks twice, a poll interval apart, since a new
 * contract can take a moment to be listed.
 */
async function sweepOrphans(client: VastClient, inputs: VastInstanceInputs, preexisting: ReadonlySet<number>, offerId: number, skipped: readonly string[], launch: Launch): Promise<number[]> {
  const destroyed: number[] = [];
  for (let look = 0; look < 2; look++) {
    if (look > 0) await new Promise((resolve) => setTimeout(resolve, inputs.timing.pollIntervalMs));
    const orphans = (await client.listInstances()).filter((i) => i.label === inputs.label && !preexisting.has(i.id) && !destroyed.includes(i.id));
    for (const orphan of orphans) {
      await destroyOrSurface(client, inputs, orphan.id, offerId, "appeared after a rent whose answer was lost", skipped, launch);
      destroyed.push(orphan.id);
    }
  }
  return destroyed;
}

function skippedNote(skipped: readonly string[]): string {
  return skipped.length > 0 ? ` (before that: ${skipped.join("; ")})` : "";
}

function emptyLive(id: number, offerId: number): VastInstanceLive {
  return {
    instanceId: id, offerId, machineId: null, pricePerHour: null, inetDown: null, sshHost: null, sshPort: null, publicIp: null,
    mappedPorts: {}, endpoint: "", actualStatus: null, selection: [], skipped: [],
  };
}

/** Public port per container port, from Docker-style `ports` (HostPort may be a string). */
export function mappedPortsOf(instance: VastInstanceRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [port, bindings] of Object.entries(instance.ports ?? {})) {
    const hostPort = Number(bindings?.[0]?.HostPort);
    if (Number.isInteger(hostPort) && hostPort > 0) out[port] = hostPort;
  }
  return out;
}

/** The live fields of a running (or refreshed) instance. */
export function liveOf(launch: Pick<Launch, "meshHostName" | "enginePort">, instance: VastInstanceRecord, previous: Partial<VastInstanceLive> = {}): VastInstanceLive {
  return {
    instanceId: instance.id,
    offerId: previous.offerId ?? 0,
    machineId: instance.machine_id ?? previous.machineId ?? null,
    pricePerHour: instance.dph_total ?? previous.pricePerHour ?? null,
    inetDown: instance.inet_down ?? previous.inetDown ?? null,
    sshHost: instance.ssh_host ?? null,
    sshPort: instance.ssh_port ?? null,
    publicIp: instance.public_ipaddr?.trim() || null,
    mappedPorts: mappedPortsOf(instance),
    endpoint: `http://${launch.meshHostName}:${launch.enginePort}/v1`,
    actualStatus: instance.actual_status,
    selection: previous.selection ?? [],
    skipped: previous.skipped ?? [],
  };
}

function outputsOf(inputs: VastInstanceInputs, candidate: RankedOffer, launch: Launch, instance: VastInstanceRecord, skipped: readonly string[]): VastInstanceOutputs {
  return { ...inputs, ...launch, ...liveOf(launch, instance, { offerId: candidate.offer.id, selection: [...candidate.reasons], skipped: [...skipped] }) };
}
