// Renting one Vast.ai host without leaking any: the create path of the `vast:Instance` provider.
//
// The rule (DESIGN.md, "Burst providers that leak paid instances"): no code path leaves an
// instance that neither the Pulumi state nor a search by label can find, and the pool's caps hold
// at every instant. The label (`fabric-<stack>-<pool>-<n>`) is in the rent request, so it is known
// before any instance exists. Per create:
//  - instances already carrying this host's label belong to no state (a replaced host is deleted
//    before its successor is created): they are destroyed before anything is rented;
//  - before each rent, what is alive at Vast is counted against the caps (core `rentRefusal`);
//  - the rent is refused but names a contract → that instance is destroyed before moving on;
//  - the rent's outcome is unknown (timeout, 5xx, connection lost; never retried) → the label is
//    looked for over several consecutive lists (the list is eventually consistent); an instance
//    that shows up is adopted, and only when none does is the next offer rented;
//  - the host bills above the price cap, or more than its budget guard was rendered for, or does
//    not reach `running` in time → it is destroyed, next offer;
//  - a destroy itself fails → create stops and throws an error carrying that instance's id, which
//    the dynamic provider protocol turns into a partially created resource: the state knows it;
//  - any failure after a rent whose outcome stayed unknown → the error carries the id
//    `label:<label>` instead, so the state keeps the label: the next refresh adopts what carries it,
//    the next up replaces it and destroy deletes every instance carrying it.
//
// Captured by Pulumi's function serialization: no @pulumi imports, only pure core and the client.
import { billedRefusal, burstCaps, rentRefusal } from "../../core/burst/headroom";
import { stackPrefixOfLabel } from "../../core/burst/host-label";
import { type RentReservation, hostsToCount, settleReservations } from "../../core/burst/rent-ledger";
import { parseVastOffers } from "../../core/burst/offers";
import { vastSearchBody } from "../../core/burst/search-body";
import { type RankedOffer, selectBurstOffers } from "../../core/burst/selection";
import { VastClient, VastError, type VastInstanceRecord } from "./vast-client";
import { type Launch, type VastInstanceInputs, type VastTiming, createBody, launchFor } from "./vast-launch";
import { findLostRent, instancesLabelled, isReleased, liveHostsOf } from "./vast-label-search";

export { isReleased } from "./vast-label-search";

/** What the state records about a rented host, besides the inputs. */
export interface VastInstanceLive {
  /** 0 while unknown (a rent whose answer was lost; the resource id is then `label:<label>`). */
  readonly instanceId: number;
  readonly offerId: number;
  readonly machineId: number | null;
  /** $/hour the host is billed (dph_total, as the API reports it for the instance). */
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

/** Receives progress and retry lines (never a secret). */
export type Log = (line: string) => void;

/** Resource id prefix of a host whose instance id is unknown: the state holds its label only. */
export const LABEL_ID_PREFIX = "label:";

/** `actualStatus` of a resource recorded by label only. */
export const UNCONFIRMED = "unconfirmed";

/**
 * An instance may exist that this create could not destroy or confirm. The dynamic provider
 * protocol reads `id`, `properties` and `reasons` off a create error and records the resource in
 * the state (the engine encrypts `apiKey` there). `id` is the instance id, or `label:<label>` when
 * only the label is known. `properties` holds the key in plain text, so it is not enumerable:
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

/** The Vast account a host is rented on, as the rent ledger tells accounts apart (no secret in it). */
export function rentAccount(inputs: Pick<VastInstanceInputs, "baseUrl" | "apiKey">): string {
  let hash = 0;
  for (const c of inputs.apiKey) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return `${inputs.baseUrl}#${hash}`;
}

/** Every secret a host's inputs hold: the API key and the instance environment's values. */
export function secretsOf(inputs: Pick<VastInstanceInputs, "apiKey" | "instanceEnv">): string[] {
  return [inputs.apiKey, ...Object.values(inputs.instanceEnv ?? {})].filter((v): v is string => typeof v === "string" && v.length > 0);
}

export function clientFor(inputs: Pick<VastInstanceInputs, "apiKey" | "baseUrl" | "timing" | "instanceEnv">, log: Log): VastClient {
  return new VastClient({ apiKey: inputs.apiKey, baseUrl: inputs.baseUrl, retry: inputs.timing?.retry ?? {}, alsoRedact: secretsOf(inputs).slice(1), log });
}

/**
 * Rents the best offer that comes up; throws (having destroyed all it rented, or recorded it) when
 * none does. `ledger` is shared by the creates running in this process (see core rent-ledger).
 */
export async function createVastInstance(inputs: VastInstanceInputs, log: Log, ledger: RentReservation[] = []): Promise<{ id: string; outs: VastInstanceOutputs }> {
  const client = clientFor(inputs, log);
  const stackPrefix = stackPrefixOfLabel(inputs.label, inputs.pool, inputs.hostIndex);
  if (stackPrefix === null) throw new Error(`${inputs.label}: the label must read fabric-<stack>-${inputs.pool}-${inputs.hostIndex}: the caps and \`fabric burst sweep\` find hosts by it`);
  const caps = burstCaps(inputs.fleet, inputs.pool);
  const offers = parseVastOffers(await client.searchOffers(vastSearchBody(inputs.request)));
  const ranked = selectBurstOffers(offers, inputs.request);
  if (ranked.length === 0) throw new Error(`${inputs.label}: no Vast offer qualifies: the search returned ${offers.length} offer(s) and none passed the pool's limits`);
  const candidates = ranked.slice(0, inputs.timing.maxOffersTried);
  const skipped: string[] = [];
  for (const leftover of await instancesLabelled(client, inputs.label)) {
    await destroyOrSurface(client, inputs, leftover.id, 0, "carries this host's label but is in no state (an earlier rent whose answer was lost)", skipped, null);
    skipped.push(`instance ${leftover.id}: carried this host's label from an earlier run, destroyed`);
  }
  // Set once a rent's outcome stays unknown: from then on every failure keeps the label in the state.
  let unconfirmed = false;
  // Each rent is reserved in the ledger from the moment the caps allow it, and released only once
  // its instance is known not to exist (refused, gone, destroyed). A kept host stays reserved for the
  // deployment (the list may lag behind it); so does a rent whose outcome stays unknown (id null):
  // its instance may still appear, and every later rent of this process must fit beside it.
  const account = rentAccount(inputs);
  const release = (reservation: RentReservation) => { if (ledger.includes(reservation)) ledger.splice(ledger.indexOf(reservation), 1); };
  try {
    for (const candidate of candidates) {
      const offerId = candidate.offer.id;
      const listed = liveHostsOf(await client.listInstances());
      settleReservations(ledger, account, listed.map((h) => h.id));
      const live = hostsToCount(listed, ledger, account);
      const refusal = rentRefusal(live, stackPrefix, caps, candidate.pricePerHour);
      if (refusal !== null) throw new Error(`${inputs.label}: not renting offer ${offerId}: ${refusal}. Hosts no state owns are removed by \`fabric burst sweep --stack <stack> --yes\`${skippedNote(skipped)}`);
      const launch = launchFor(inputs, candidate);
      // No await between the check and the reservation: concurrent creates see it at their next check.
      const reservation: RentReservation = { account, label: inputs.label, pricePerHour: candidate.pricePerHour, id: null };
      ledger.push(reservation);
      let instanceId: number;
      try {
        instanceId = await client.createInstance(offerId, createBody(inputs, launch));
      } catch (e) {
        if (!(e instanceof VastError)) throw e;
        if (e.contractId !== null) {
          await destroyOrSurface(client, inputs, e.contractId, offerId, `the rent was refused (${e.message}) but named instance ${e.contractId}`, skipped, launch);
          skipped.push(`offer ${offerId}: refused with instance ${e.contractId}, destroyed`);
          release(reservation);
          continue;
        }
        if (isOfferGone(e)) {
          skipped.push(`offer ${offerId}: gone (${e.code ?? `HTTP ${e.status}`})`);
          release(reservation);
          continue;
        }
        if (e.kind === "client" || e.kind === "unauthorized") release(reservation);
        if (e.kind !== "timeout" && e.kind !== "network" && e.kind !== "server") throw new Error(`${inputs.label}: renting offer ${offerId} failed: ${e.message}${skippedNote(skipped)}`);
        unconfirmed = true;
        const found = await findLostRent(client, inputs.label, inputs.timing);
        if (found === null) {
          skipped.push(`offer ${offerId}: outcome unknown (${e.message}); no instance labelled ${inputs.label} in ${inputs.timing.lostRentLooks} consecutive lists`);
          continue;
        }
        log(`vast: ${inputs.label}: the rent of offer ${offerId} answered ${e.message}, yet instance ${found.id} carries the label: adopting it`);
        instanceId = found.id;
      }
      reservation.id = instanceId;
      log(`vast: ${inputs.label}: rented offer ${offerId} as instance ${instanceId}; waiting for running`);
      const refuseBilled = (instance: VastInstanceRecord) => billedRefusal(inputs.fleet, live, stackPrefix, caps,
        { id: instance.id, billed: instance.dph_total ?? null, searched: candidate.pricePerHour, guardHours: launch.maxHours });
      let outcome: Awaited<ReturnType<typeof waitUntilRunning>>;
      try {
        outcome = await waitUntilRunning(client, instanceId, inputs.timing, refuseBilled);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        await destroyOrSurface(client, inputs, instanceId, offerId, `polling it failed (${why})`, skipped, launch);
        release(reservation);
        throw new Error(`${inputs.label}: polling instance ${instanceId} failed, so it was destroyed: ${why}${skippedNote(skipped)}`);
      }
      if (outcome.instance) {
        if (unconfirmed) await destroyStrays(client, inputs, instanceId, skipped, log);
        return { id: String(instanceId), outs: outputsOf(inputs, candidate, launch, outcome.instance, skipped) };
      }
      await destroyOrSurface(client, inputs, instanceId, offerId, outcome.reason, skipped, launch);
      skipped.push(`offer ${offerId}: instance ${instanceId} ${outcome.reason}, destroyed`);
      release(reservation);
    }
    throw new Error(`${inputs.label}: no host came up after trying ${candidates.length} of ${ranked.length} qualifying offer(s): ${skipped.join("; ")}`);
  } catch (e) {
    if (!unconfirmed || e instanceof InstanceLeftBehind) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new InstanceLeftBehind(
      `${why}. A rent whose answer was lost may still create an instance labelled ${inputs.label}: the state records that label, `
      + "so the next `pulumi refresh` adopts it, `pulumi up` replaces it and `pulumi destroy` deletes it; `fabric burst sweep` finds it too",
      `${LABEL_ID_PREFIX}${inputs.label}`, { ...inputs, ...noLaunch(inputs), ...emptyLive(0, 0), actualStatus: UNCONFIRMED, skipped: [...skipped] },
    );
  }
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

/**
 * Polls until `running` (returned), a failed status, disappearance, a billing `refusal` (checked on
 * every answer, so a host billed above the caps is destroyed at once) or the timeout (reason returned).
 */
export async function waitUntilRunning(client: VastClient, id: number, timing: VastTiming, refusal: (instance: VastInstanceRecord) => string | null = () => null): Promise<{ instance: VastInstanceRecord; reason?: never } | { instance?: never; reason: string }> {
  const started = Date.now();
  const maxPolls = Math.ceil(timing.readyTimeoutMs / Math.max(1, timing.pollIntervalMs)) + 1;
  let last: string | null = null;
  for (let poll = 0; poll < maxPolls; poll++) {
    const instance = await client.showInstance(id);
    if (!instance || isReleased(instance)) return { reason: "disappeared while loading" };
    const refused = refusal(instance);
    if (refused !== null) return { reason: refused };
    last = instance.actual_status;
    if (last === "running") return { instance };
    if (last !== null && FAILED_STATUSES.includes(last)) return { reason: `reached status '${last}'${instance.status_msg ? ` (${instance.status_msg})` : ""}` };
    if (Date.now() - started + timing.pollIntervalMs > timing.readyTimeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, timing.pollIntervalMs));
  }
  return { reason: `was still '${last ?? "null"}' after ${(timing.readyTimeoutMs / 1000).toFixed(1)} s` };
}

/** Destroys an instance this create rented (or found); if that fails, throws so the state records it. */
async function destroyOrSurface(client: VastClient, inputs: VastInstanceInputs, id: number, offerId: number, why: string, skipped: readonly string[], launch: Launch | null): Promise<void> {
  try {
    await client.destroyInstance(id);
  } catch (e) {
    const message = `${inputs.label}: instance ${id}${offerId > 0 ? ` (offer ${offerId})` : ""} ${why}, and destroying it failed: ${e instanceof Error ? e.message : String(e)}. `
      + `It is recorded in the state: the next \`pulumi up\` replaces it, \`pulumi destroy\` deletes it${skippedNote(skipped)}`;
    throw new InstanceLeftBehind(message, String(id), { ...inputs, ...(launch ?? noLaunch(inputs)), ...emptyLive(id, offerId), actualStatus: "destroy-failed", skipped: [...skipped] });
  }
}

/**
 * After a create whose earlier rent had an unknown outcome succeeded: instances that carry the
 * label but are not the host kept came from that rent, late. Destroyed; when the list fails, the
 * delete of this resource and `fabric burst sweep` still find them by label.
 */
async function destroyStrays(client: VastClient, inputs: VastInstanceInputs, kept: number, skipped: string[], log: Log): Promise<void> {
  let strays: VastInstanceRecord[];
  try {
    strays = (await instancesLabelled(client, inputs.label)).filter((i) => i.id !== kept);
  } catch (e) {
    log(`vast: ${inputs.label}: could not list instances to look for a late rent (${e instanceof Error ? e.message : String(e)}); deleting this host, or \`fabric burst sweep\`, removes any by its label`);
    return;
  }
  for (const stray of strays) {
    await destroyOrSurface(client, inputs, stray.id, 0, "appeared late from a rent whose answer was lost", skipped, null);
    skipped.push(`instance ${stray.id}: appeared late from a lost rent, destroyed`);
  }
}

/** Launch fields of a host whose launch is unknown: any diff against real inputs replaces it. */
function noLaunch(inputs: VastInstanceInputs): Launch {
  return { hardwareId: "", image: "", bootScript: "", maxHours: 0, bootTimeoutMinutes: 0, expectedSecondsToUseful: 0, meshHostName: `${inputs.pool}-${inputs.hostIndex}`, enginePort: 0 };
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
