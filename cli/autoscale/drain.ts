// Draining a host before its destroy: the gateway stops sending it requests (the burst gate's
// drain mark), then its in-flight requests (running + waiting, from Prometheus) must read 0 at two
// scrapes in a row, within a deadline. A host that keeps requests is kept: the scale-down is
// called off, the mark lifted, and the pool decided again at the next poll.
import { BURST_HOST_LABEL, burstHostLabelValue } from "../../core/burst/autoscale-signal";
import type { AutoscalePlan } from "../../core/plan/autoscale";
import type { MetricsSource } from "./controller";
import type { GatewaySlots } from "./gateway-slots";

export type Drain = (policy: AutoscalePlan, slot: number) => Promise<{ drained: boolean; detail: string }>;
/** After the update (or a called-off drain): lifts the gateway mark; resolves with what happened. */
export type Release = (policy: AutoscalePlan, slot: number) => Promise<string>;

export interface DrainOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export function inFlightDrain(prometheus: MetricsSource, o: DrainOptions) {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  return async (policy: AutoscalePlan, slot: number): Promise<{ drained: boolean; detail: string }> => {
    const deadline = now() + o.timeoutMs;
    const zeroAt = new Set<number>();
    let last = "no sample";
    for (;;) {
      try {
        const sample = (await prometheus.byLabel(policy.hostInFlightQuery, BURST_HOST_LABEL)).get(burstHostLabelValue(policy.pool, slot));
        if (sample?.value === 0 && sample.at !== null) {
          zeroAt.add(sample.at);
          if (zeroAt.size >= 2) return { drained: true, detail: `0 requests in flight at ${zeroAt.size} scrapes in a row` };
        } else {
          zeroAt.clear();
          last = sample?.value === null || sample === undefined ? "no sample" : `${sample.value} in flight`;
        }
      } catch (e) {
        zeroAt.clear();
        last = `Prometheus: ${(e as Error).message}`;
      }
      if (now() + o.intervalMs > deadline) return { drained: false, detail: `still ${last} after ${Math.round(o.timeoutMs / 1000)} s: keeping the host` };
      await sleep(o.intervalMs);
    }
  };
}

/**
 * The gateway mark around the in-flight wait. The mark lasts `markSeconds` (drain deadline plus
 * the update's time) so it lapses on its own should the controller die. Without a gateway (none
 * in the fleet, or it cannot be told) the in-flight wait alone decides, and the log says so: the
 * gateway's retries then cover a request that reaches the host as it goes.
 */
export function gatewayDrain(gate: GatewaySlots | null, inFlight: Drain, markSeconds: number, noGate = "no gateway in the fleet"): { drain: Drain; release: Release } {
  return {
    drain: async (policy, slot) => {
      const name = burstHostLabelValue(policy.pool, slot);
      let marked = noGate;
      if (gate) {
        marked = await gate.drain(name, markSeconds).then(() => "out of the gateway", (e: Error) => `the gateway was not told (${e.message})`);
      }
      const r = await inFlight(policy, slot);
      return { drained: r.drained, detail: `${marked}; ${r.detail}` };
    },
    release: async (policy, slot) => {
      if (!gate) return "no gateway mark to lift";
      const name = burstHostLabelValue(policy.pool, slot);
      return gate.release(name).then(() => `gateway mark on ${name} lifted (back after a passing probe)`, (e: Error) => `gateway mark on ${name} not lifted (${e.message}); it lapses on its own`);
    },
  };
}
