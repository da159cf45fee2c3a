// `vast:Instance`: one rented Vast.ai host as a Pulumi dynamic resource
// (type token `pulumi-nodejs:dynamic/vast:Instance`).
//
// Pulumi serializes the provider object (function serialization) into the state and runs it in
// the dynamic-provider process, so `makeVastInstanceProvider`'s closure captures only plain
// modules: vast-lifecycle, vast-launch, vast-client and closure-safe core (no Map or Set, see
// vast-launch.ts). Nothing from @pulumi is used at run time.
import * as pulumi from "@pulumi/pulumi";
import type { BurstRequest } from "../../core/burst/request";
import type { Fleet } from "../../core/fleet/schema";
import type { BurstBootScriptInput } from "../../core/render/burst-boot-script";
import { stackPrefixOfLabel } from "../../core/burst/host-label";
import { redact } from "../../core/burst/redact";
import { type RentReservation, settleReservations } from "../../core/burst/rent-ledger";
import { VAST_API_URL } from "./vast-client";
import { InstanceLeftBehind, LABEL_ID_PREFIX, type Log, type VastInstanceOutputs, clientFor, createVastInstance, isReleased, liveOf, rentAccount, secretsOf } from "./vast-lifecycle";
import { instancesLabelled } from "./vast-label-search";
import { DEFAULT_TIMING, type VastInstanceInputs, type VastTiming, relaunch } from "./vast-launch";

export { DEFAULT_TIMING, type VastInstanceInputs, type VastTiming } from "./vast-launch";
export type { VastInstanceOutputs } from "./vast-lifecycle";

/** The value the engine sends for a property not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * A change to any of these needs a new host. The old host is destroyed first (`deleteBeforeReplace`):
 * renting the new one first would put maxHosts + 1 hosts, and their price, on the pool for a while.
 */
export const REPLACE_ON = ["pool", "hostIndex", "recipeHash"] as const;
/**
 * These change in place, in the state only (they shape the next rent) except the label, which is
 * set through the API. Price cap and budget live in `request` / `fleet`: a running host keeps the
 * price it was rented at and the budget guard it booted with.
 */
export const UPDATE_IN_PLACE = ["label", "apiKey", "baseUrl", "request", "boot", "fleet", "instanceEnv", "timing"] as const;

/**
 * The provider. `log` receives progress and retry lines (never the key); the default writes to
 * stderr, which the engine shows in its diagnostics.
 */
export function makeVastInstanceProvider(log?: Log): pulumi.dynamic.ResourceProvider<VastInstanceInputs, VastInstanceOutputs> {
  const say: Log = log ?? ((line) => console.error(line));
  // Shared by every host this provider creates: the engine deserializes one provider per deployment
  // (its cache is keyed by the serialized text, the same for every host), so concurrent creates count
  // each other's rents before Vast's list shows them.
  const rentLedger: RentReservation[] = [];
  /** A log that removes the host's secrets (and any 8-character fragment of one) from every line. */
  const sayFor = (inputs: Pick<VastInstanceInputs, "apiKey" | "instanceEnv">): Log => (line) => say(redact(line, ...secretsOf(inputs)));
  /** Runs a provider operation with the defaults filled in; its errors leave without any secret. */
  async function guarded<T>(inputs: VastInstanceInputs, run: (full: VastInstanceInputs, log: Log) => Promise<T>): Promise<T> {
    const full = { ...inputs, timing: { ...DEFAULT_TIMING, ...inputs.timing } };
    try {
      return await run(full, sayFor(inputs));
    } catch (e) {
      if (e instanceof Error) {
        e.message = redact(e.message, ...secretsOf(inputs));
        if (e.stack) e.stack = redact(e.stack, ...secretsOf(inputs));
        if (e instanceof InstanceLeftBehind) {
          e.reasons.splice(0, e.reasons.length, ...e.reasons.map((r) => redact(r, ...secretsOf(inputs))));
          sayFor(inputs)(`vast: ${e.message}`);
        }
      }
      throw e;
    }
  }
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      const need = (ok: boolean, property: string, reason: string) => { if (!ok) failures.push({ property, reason }); };
      const unknown = (v: unknown) => v === UNKNOWN;
      need(unknown(news.apiKey) || (typeof news.apiKey === "string" && news.apiKey.length > 0), "apiKey", "the Vast API key is empty");
      need(unknown(news.label) || (typeof news.label === "string" && /^[\w.-]{1,64}$/.test(news.label)), "label", `label '${String(news.label)}' must be 1-64 letters, digits, '.', '_' or '-'`);
      need(unknown(news.hostIndex) || (Number.isInteger(news.hostIndex) && news.hostIndex >= 1), "hostIndex", `hostIndex must be an integer ≥ 1, got ${String(news.hostIndex)}`);
      need(unknown(news.request) || (typeof news.request === "object" && Array.isArray(news.request?.hardware)), "request", "request must be a burstRequest()");
      const timing = { ...DEFAULT_TIMING, ...(typeof news.timing === "object" ? news.timing : {}) };
      need(timing.pollIntervalMs > 0 && timing.readyTimeoutMs >= timing.pollIntervalMs, "timing", `need 0 < pollIntervalMs (${timing.pollIntervalMs}) ≤ readyTimeoutMs (${timing.readyTimeoutMs})`);
      need(Number.isInteger(timing.maxOffersTried) && timing.maxOffersTried > 0, "timing", `maxOffersTried must be a positive integer, got ${timing.maxOffersTried}`);
      need(Number.isInteger(timing.lostRentLooks) && timing.lostRentLooks > 0 && timing.lostRentLookIntervalMs >= 0, "timing", `need lostRentLooks a positive integer (${timing.lostRentLooks}) and lostRentLookIntervalMs ≥ 0 (${timing.lostRentLookIntervalMs})`);
      need(unknown(news.label) || unknown(news.pool) || unknown(news.hostIndex) || failures.some((f) => f.property === "label") || stackPrefixOfLabel(String(news.label), news.pool, news.hostIndex) !== null, "label",
        `label '${String(news.label)}' must read fabric-<stack>-${String(news.pool)}-${String(news.hostIndex)}: the caps and \`fabric burst sweep\` find hosts by it`);
      return { inputs: { ...news, baseUrl: news.baseUrl || VAST_API_URL, timing }, failures };
    },

    async diff(_id, olds, news) {
      const differs = (key: keyof VastInstanceInputs) => news[key] === UNKNOWN || canonical(olds[key]) !== canonical(news[key]);
      const replaces: string[] = REPLACE_ON.filter(differs);
      // What the host would boot now, on its GPU: a new image or boot script needs a new host.
      const now = [news.request, news.boot, news.fleet].some((v) => (v as unknown) === UNKNOWN) ? null : relaunch(news, olds);
      if (now === null) replaces.push("boot");
      else {
        if (now.image !== olds.image) replaces.push("image");
        if (now.bootScript !== olds.bootScript) replaces.push("bootScript");
      }
      // A host that is no longer running (exited, offline, failed to start or to be destroyed) is replaced.
      if (olds.actualStatus !== "running") replaces.push("actualStatus");
      const changes = replaces.length > 0 || UPDATE_IN_PLACE.some(differs);
      return { changes, replaces, deleteBeforeReplace: true };
    },

    // A partial failure's id (an instance id, or `label:<label>`) is recorded by the engine (see InstanceLeftBehind).
    async create(inputs) {
      return guarded(inputs, (full, log) => createVastInstance(full, log, rentLedger));
    },

    async read(id, props) {
      if (!props) throw new Error(`vast:Instance ${id}: no state to read with (pulumi import is not supported)`);
      return guarded(props, async (full, log) => {
        const client = clientFor(full, log);
        if (id.startsWith(LABEL_ID_PREFIX)) {
          // Only the label is known: adopt what carries it (the next up replaces it: its launch is unknown).
          const [found] = await instancesLabelled(client, full.label);
          return found ? { id: String(found.id), props: { ...props, ...liveOf(props, found, props) } } : { id, props };
        }
        const instance = await client.showInstance(Number(id));
        // Gone (destroyed outside Pulumi, or self-terminated when idle): an empty id drops it from the state.
        if (!instance || isReleased(instance)) return { id: "" };
        return { id, props: { ...props, ...liveOf(props, instance, props), label: instance.label ?? props.label } };
      });
    },

    async update(id, olds, news) {
      return guarded(news, async (full, log) => {
        if (canonical(olds.label) !== canonical(news.label)) await clientFor(full, log).setLabel(Number(id), news.label);
        return { outs: { ...olds, ...news } };
      });
    },

    // Destroys the host, then every other instance carrying its label: a late rent of its create
    // (no other host ever carries it: a replacement is created only after this delete).
    async delete(id, props) {
      await guarded(props, async (full, log) => {
        const client = clientFor(full, log);
        const known = id.startsWith(LABEL_ID_PREFIX) ? null : Number(id);
        if (known !== null) {
          const result = await client.destroyInstance(known);
          settleReservations(rentLedger, rentAccount(full), [], [known]);
          log(`vast: ${props.label}: instance ${id} ${result === "destroyed" ? "destroyed" : "was already gone"}`);
        }
        let labelled;
        try {
          labelled = (await instancesLabelled(client, props.label)).filter((i) => i.id !== known);
        } catch (e) {
          // With the id destroyed, a failing list must not fail the delete; without an id it must (the state keeps the label).
          if (known === null) throw e;
          log(`vast: ${props.label}: could not list instances to look for late rents (${e instanceof Error ? e.message : String(e)}); \`fabric burst sweep\` finds any by label`);
          return;
        }
        for (const instance of labelled) {
          await client.destroyInstance(instance.id);
          log(`vast: ${props.label}: instance ${instance.id} carried the label (a rent whose answer was lost), destroyed`);
        }
      });
    },
  };
}

/** JSON with sorted keys, for comparing inputs. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => Array.isArray(v) ? v.map(sort)
    : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([k, x]) => [k, sort(x)]))
      : v;
  return JSON.stringify(sort(value)) ?? "undefined";
}

const provider = makeVastInstanceProvider();

/** Arguments of one rented host; the burst pool component computes them from the fleet. */
export interface VastInstanceArgs {
  /** The Vast API key; the state holds it only encrypted. */
  readonly apiKey: pulumi.Input<string>;
  /** @default "https://console.vast.ai/api/v0" */
  readonly baseUrl?: pulumi.Input<string>;
  /** Shown in the Vast console so a human sees the owner: `fabric-<stack>-<pool>-<n>`. */
  readonly label: pulumi.Input<string>;
  /** Burst pool name. */
  readonly pool: string;
  /** 1-based host number in the pool (tailnet name `<pool>-<hostIndex>`). */
  readonly hostIndex: number;
  /** The pool recipe's hash; a new hash means a new host. */
  readonly recipeHash: string;
  /** Offer search and ranking: core `burstRequest(fleet, pool)`. */
  readonly request: BurstRequest;
  /** Boot-script input per hardware option: core `burstBootScriptInput`, by hardware id. */
  readonly boot: Readonly<Record<string, BurstBootScriptInput>>;
  /** The fleet (budget guard per rented price). */
  readonly fleet: Fleet;
  /** Instance environment: TS_AUTHKEY and the engine's secret env (HF_TOKEN); stored as a secret. */
  readonly instanceEnv: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Poll / timeout / retry settings. @default DEFAULT_TIMING */
  readonly timing?: Partial<VastTiming>;
}

/** One rented Vast.ai host, running until deleted. Outputs are read from the API once it is `running`. */
export class VastInstance extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<number>;
  declare readonly offerId: pulumi.Output<number>;
  declare readonly machineId: pulumi.Output<number | null>;
  declare readonly hardwareId: pulumi.Output<string>;
  declare readonly image: pulumi.Output<string>;
  declare readonly pricePerHour: pulumi.Output<number | null>;
  declare readonly inetDown: pulumi.Output<number | null>;
  declare readonly sshHost: pulumi.Output<string | null>;
  declare readonly sshPort: pulumi.Output<number | null>;
  declare readonly publicIp: pulumi.Output<string | null>;
  declare readonly mappedPorts: pulumi.Output<Record<string, number>>;
  declare readonly meshHostName: pulumi.Output<string>;
  /** The engine's OpenAI-compatible URL on the tailnet. */
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly actualStatus: pulumi.Output<string | null>;
  declare readonly maxHours: pulumi.Output<number>;
  declare readonly label: pulumi.Output<string>;
  declare readonly selection: pulumi.Output<string[]>;
  declare readonly skipped: pulumi.Output<string[]>;

  constructor(name: string, args: VastInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = Object.fromEntries([
      "instanceId", "offerId", "machineId", "hardwareId", "image", "bootScript", "pricePerHour", "inetDown", "sshHost", "sshPort", "publicIp",
      "mappedPorts", "meshHostName", "enginePort", "endpoint", "actualStatus", "maxHours", "bootTimeoutMinutes", "expectedSecondsToUseful", "selection", "skipped",
    ].map((k) => [k, undefined]));
    const inputs = {
      ...args,
      apiKey: pulumi.secret(args.apiKey),
      instanceEnv: pulumi.secret(args.instanceEnv),
      baseUrl: args.baseUrl ?? VAST_API_URL,
      timing: args.timing ?? {},
    };
    const secretOutputs = ["apiKey", "instanceEnv", ...(opts?.additionalSecretOutputs ?? [])];
    super(provider, name, { ...outputs, ...inputs }, { ...opts, additionalSecretOutputs: secretOutputs }, "vast", "Instance");
  }
}
