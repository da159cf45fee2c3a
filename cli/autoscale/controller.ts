// The autoscale loop: poll Prometheus, decide per pool (core decideAutoscale), apply a change with
// one targeted `pulumi up` at a time, log every decision with its reason and figures. Holds —
// saying so — while Prometheus, Vast or the state backend is unreachable.
import { type AutoscaleHistory, type HostLoad, decideAutoscale, emptyHistory } from "../../core/burst/autoscale-decision";
import { BURST_HOST_LABEL, burstHostLabelValue } from "../../core/burst/autoscale-signal";
import type { AutoscalePlan } from "../../core/plan/autoscale";
import type { Drain, Release } from "./drain";
import type { ControllerMetrics } from "./metrics";
import { PrometheusUnreachable, type Sample } from "./prometheus-query";
import type { AutoscaleStack } from "./pulumi-stack";

export interface MetricsSource {
  scalar(expr: string): Promise<Sample>;
  byLabel(expr: string, label: string): Promise<Map<string, Sample>>;
}

export interface ControllerDeps {
  readonly policies: readonly AutoscalePlan[];
  /** $/h cap per host of every burst pool (autoscaled or not), for the shared budget. */
  readonly poolPrices: Readonly<Record<string, number>>;
  readonly stack: AutoscaleStack;
  readonly prometheus: MetricsSource;
  /** Resolves when the Vast API answers; throws with the reason when it does not. */
  readonly vastProbe: () => Promise<void>;
  /** Takes the host out of service and waits for its in-flight requests; false keeps the host. */
  readonly drain: Drain;
  /** Lifts what `drain` set, once the update ran (or the drain was called off). */
  readonly release: Release;
  readonly metrics: ControllerMetrics;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

export class AutoscaleController {
  private readonly history = new Map<string, AutoscaleHistory>();
  private readonly now: () => number;

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
  }

  private say(pool: string, text: string): void {
    this.deps.log(`${new Date(this.now()).toISOString()} ${pool} ${text}`);
  }

  /** One poll of every pool, changes applied one after the other. */
  async tick(): Promise<void> {
    const { stack, metrics } = this.deps;
    let counts: Record<string, number>;
    try {
      counts = await stack.counts();
      metrics.holding.set({ cause: "state" }, 0);
    } catch (e) {
      metrics.holding.set({ cause: "state" }, 1);
      for (const p of this.deps.policies) this.say(p.pool, `hold: the state backend cannot be read (${firstLine(e)}); holding every pool`);
      return;
    }
    let prometheusDown = false;
    for (const policy of this.deps.policies) {
      const current = counts[policy.pool] ?? 0;
      const seen = await this.observe(policy, current);
      if (seen.failed) prometheusDown = true;
      const otherPoolsPerHour = Object.entries(counts).filter(([name]) => name !== policy.pool)
        .reduce((sum, [name, n]) => sum + n * (this.deps.poolPrices[name] ?? 0), 0);
      const previous = this.history.get(policy.pool) ?? emptyHistory;
      const d = decideAutoscale(policy, { now: this.now(), signal: seen.signal.value, signalAt: seen.signal.at, current, hosts: seen.hosts, otherPoolsPerHour }, previous);
      metrics.current.set({ pool: policy.pool }, current);
      metrics.desired.set({ pool: policy.pool }, d.desired);
      metrics.cap.set({ pool: policy.pool }, d.cap);
      metrics.signal.set({ pool: policy.pool, signal: policy.signal }, seen.signal.value ?? Number.NaN);
      metrics.decisions.inc({ pool: policy.pool, action: d.action });
      const loads = seen.hosts.map((h) => `${h.slot}:${h.load === null ? "?" : Math.round(h.load * 100) / 100}`).join(" ") || "none";
      this.say(policy.pool, `${d.action} ${current}→${d.desired}: ${seen.why}${d.reason}; host loads ${loads}`);
      // Only what happened is remembered: a change that was not applied leaves the history as it was,
      // apart from when hosts were last seen busy.
      // (A scale-up not applied keeps the time the signal went high: it has held long enough.)
      const unchanged: AutoscaleHistory = { ...previous, highSince: d.action === "up" ? previous.highSince : null, lastBusyAt: d.history.lastBusyAt };
      if (d.action === "hold") {
        this.history.set(policy.pool, d.history);
        continue;
      }
      this.history.set(policy.pool, unchanged);
      if (await this.apply(policy, current, d.desired, d.drainSlot)) {
        this.history.set(policy.pool, d.history);
        counts = { ...counts, [policy.pool]: d.desired };
      }
    }
    metrics.holding.set({ cause: "prometheus" }, prometheusDown ? 1 : 0);
    metrics.lastPoll.set(this.now() / 1000);
  }

  /**
   * The signal and the hosts' loads. A failed query leaves its part unknown (signal missing: hold;
   * host load unknown: busy) and says why; anything but a Prometheus failure is a bug and throws.
   */
  private async observe(policy: AutoscalePlan, current: number): Promise<{ signal: Sample; hosts: HostLoad[]; why: string; failed: boolean }> {
    const problems: string[] = [];
    const failed = (e: unknown) => {
      if (!(e instanceof PrometheusUnreachable)) throw e;
      problems.push(firstLine(e));
      return null;
    };
    const signal = await this.deps.prometheus.scalar(policy.signalQuery).catch(failed) ?? { value: null, at: null };
    const loads = current > 0 ? await this.deps.prometheus.byLabel(policy.hostLoadQuery, BURST_HOST_LABEL).catch(failed) ?? new Map<string, Sample>() : new Map<string, Sample>();
    const hosts = Array.from({ length: current }, (_, i) => ({ slot: i + 1, load: loads.get(burstHostLabelValue(policy.pool, i + 1))?.value ?? null }));
    return { signal, hosts, why: problems.length > 0 ? `Prometheus query failed (${problems.join("; ")}): ` : "", failed: problems.length > 0 };
  }

  /** Vast reachable → (drain) → override + targeted up. True when the stack now runs `desired`. */
  private async apply(policy: AutoscalePlan, current: number, desired: number, drainSlot: number | null): Promise<boolean> {
    const { metrics } = this.deps;
    try {
      await this.deps.vastProbe();
      metrics.holding.set({ cause: "vast" }, 0);
    } catch (e) {
      metrics.holding.set({ cause: "vast" }, 1);
      metrics.updates.inc({ pool: policy.pool, result: "skipped" });
      this.say(policy.pool, `hold at ${current}: Vast unreachable (${firstLine(e)}); not changing the pool`);
      return false;
    }
    if (drainSlot !== null) {
      const t0 = this.now();
      const drain = await this.deps.drain(policy, drainSlot);
      this.say(policy.pool, `drain host ${drainSlot}: ${drain.detail} (${((this.now() - t0) / 1000).toFixed(1)} s)`);
      if (!drain.drained) {
        metrics.updates.inc({ pool: policy.pool, result: "skipped" });
        this.say(policy.pool, `drain host ${drainSlot} called off: ${await this.deps.release(policy, drainSlot)}`);
        return false;
      }
    }
    const t0 = this.now();
    try {
      const summary = await this.deps.stack.apply(policy.pool, desired);
      metrics.updates.inc({ pool: policy.pool, result: "ok" });
      this.say(policy.pool, `applied ${current}→${desired} in ${((this.now() - t0) / 1000).toFixed(1)} s: ${summary}`);
      return true;
    } catch (e) {
      metrics.updates.inc({ pool: policy.pool, result: "failed" });
      metrics.holding.set({ cause: "state" }, 1);
      this.say(policy.pool, `update ${current}→${desired} failed after ${((this.now() - t0) / 1000).toFixed(1)} s, holding at ${current}: ${firstLine(e)}`);
      return false;
    } finally {
      // The slot waits for a new passing probe: a destroyed host's last one no longer counts.
      if (drainSlot !== null) this.say(policy.pool, `host ${drainSlot}: ${await this.deps.release(policy, drainSlot)}`);
    }
  }
}

/** The line that says what went wrong (pulumi's `error:` line when there is one), cut to 300 characters. */
export function firstLine(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e)).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const error = lines.find((l) => /\berror:/i.test(l));
  return (error ? error.slice(error.search(/\berror:/i)) : lines[0] ?? "unknown error").slice(0, 300);
}
