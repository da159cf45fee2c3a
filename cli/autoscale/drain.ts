// Draining a host before its destroy: its in-flight requests (running + waiting, from Prometheus)
// must read 0 at two scrapes in a row, within a deadline. A host that keeps getting requests is
// kept: the scale-down is called off and decided again at the next poll.
import { BURST_HOST_LABEL, burstHostLabelValue } from "../../core/burst/autoscale-signal";
import type { AutoscalePlan } from "../../core/plan/autoscale";
import type { MetricsSource } from "./controller";

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
