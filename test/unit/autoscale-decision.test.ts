// The autoscale decision (core/burst/autoscale-decision.ts): property tests over random policies
// and random runs of observations, each run fed back as the controller does (the decided count is
// the next observation's count, the history carried over).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type AutoscaleHistory, type AutoscalePolicy, type HostLoad, decideAutoscale, emptyHistory } from "../../core/burst/autoscale-decision";

const policyArb = fc.record({
  pool: fc.constant("reason-burst"),
  maxHosts: fc.integer({ min: 1, max: 8 }),
  pricePerHour: fc.double({ min: 0.1, max: 3, noNaN: true }),
  budgetPerHour: fc.double({ min: 0.1, max: 20, noNaN: true }),
  scaleUpAt: fc.double({ min: 0.5, max: 20, noNaN: true }),
  holdSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 120 })),
  idleMinutes: fc.double({ min: 0.1, max: 10, noNaN: true }),
  cooldownSeconds: fc.integer({ min: 0, max: 300 }),
  minShare: fc.double({ min: 0, max: 1, noNaN: true }),
  maxShare: fc.double({ min: 0, max: 1, noNaN: true }),
  downShare: fc.double({ min: 0, max: 0.99, noNaN: true }),
}).map(({ minShare, maxShare, downShare, ...p }): AutoscalePolicy => {
  const max = Math.max(1, Math.round(maxShare * p.maxHosts));
  return { ...p, max, min: Math.floor(minShare * max), scaleDownBelow: p.scaleUpAt * downShare };
});

interface Step { readonly dtMs: number; readonly signal: number | null; readonly stale: boolean; readonly loads: readonly (number | null)[]; readonly otherPools: number }
const stepArb = fc.record({
  dtMs: fc.integer({ min: 1_000, max: 90_000 }),
  signal: fc.option(fc.double({ min: 0, max: 40, noNaN: true }), { freq: 6 }),
  stale: fc.boolean().map((b) => b && Math.random() < 0.2),
  loads: fc.array(fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })), { freq: 8 }), { minLength: 8, maxLength: 8 }),
  otherPools: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 10, noNaN: true })),
});

interface Record_ { now: number; current: number; desired: number; action: string; reason: string; drainSlot: number | null; cap: number; signal: number | null; loads: HostLoad[]; stale: boolean }

/** Runs the controller loop over `steps`; returns every decision with what it saw. */
function run(policy: AutoscalePolicy, steps: readonly Step[], start = 0): Record_[] {
  let current = start;
  let history: AutoscaleHistory = emptyHistory;
  let now = 1_700_000_000_000;
  const out: Record_[] = [];
  for (const s of steps) {
    now += s.dtMs;
    const loads = Array.from({ length: current }, (_, i) => ({ slot: i + 1, load: s.loads[i % s.loads.length] ?? null }));
    const d = decideAutoscale(policy, { now, signal: s.signal, signalAt: s.stale ? now - 120_000 : now, current, hosts: loads, otherPoolsPerHour: s.otherPools }, history);
    out.push({ now, current, desired: d.desired, action: d.action, reason: d.reason, drainSlot: d.drainSlot, cap: d.cap, signal: s.signal, loads, stale: s.stale });
    history = d.history;
    current = d.desired;
  }
  return out;
}

const budgetCap = (p: AutoscalePolicy, other: number) => Math.max(0, Math.floor((p.budgetPerHour - other + 1e-9) / p.pricePerHour));

describe("autoscale decision", () => {
  test("never above max, maxHosts or what the budget pays for", () => {
    fc.assert(fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 10 }), (policy, steps, start) => {
      run(policy, steps, start).forEach((r, i) => {
        const cap = Math.min(policy.max, policy.maxHosts, budgetCap(policy, steps[i]!.otherPools));
        assert.ok(r.desired <= cap, `desired ${r.desired} > cap ${cap}: ${r.reason}`);
        assert.ok(r.desired * policy.pricePerHour + steps[i]!.otherPools <= policy.budgetPerHour + 1e-6 || r.desired === 0);
        assert.ok(r.desired >= 0);
      });
    }), { numRuns: 400 });
  });

  test("one host at a time, except when clamping into [min, cap]", () => {
    fc.assert(fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 60 }), (policy, steps) => {
      for (const r of run(policy, steps)) {
        const clamped = r.current > r.cap || r.current < Math.min(policy.min, r.cap);
        if (!clamped) assert.ok(Math.abs(r.desired - r.current) <= 1, r.reason);
      }
    }), { numRuns: 300 });
  });

  test("holds steady while the signal is missing or stale (inside min…cap)", () => {
    fc.assert(fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 60 }), (policy, steps) => {
      for (const r of run(policy, steps)) {
        const inside = r.current <= r.cap && r.current >= Math.min(policy.min, r.cap);
        if ((r.signal === null || r.stale) && inside) {
          assert.equal(r.desired, r.current, r.reason);
          assert.match(r.reason, /signal (missing|stale)/);
        }
      }
    }), { numRuns: 300 });
  });

  test("changes are at least cooldownSeconds apart (cap and min clamps aside)", () => {
    fc.assert(fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 80 }), (policy, steps) => {
      let last: number | null = null;
      for (const r of run(policy, steps)) {
        if (r.action === "hold") continue;
        const clamped = r.current > r.cap || r.current < Math.min(policy.min, r.cap);
        if (!clamped && last !== null) assert.ok(r.now - last >= policy.cooldownSeconds * 1000, `${r.now - last} ms after the last change: ${r.reason}`);
        last = r.now;
      }
    }), { numRuns: 300 });
  });

  test("scales down only the newest host, only after idleMinutes of known zero load", () => {
    fc.assert(fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 80 }), (policy, steps) => {
      const records = run(policy, steps);
      records.forEach((r, i) => {
        if (r.action !== "down" || r.current > r.cap) return;
        assert.equal(r.drainSlot, r.current, "the slot a lower count removes");
        // Every observation of that slot within idleMinutes before now saw load 0, known.
        const windowStart = r.now - policy.idleMinutes * 60_000;
        const seenSince = records.slice(0, i + 1).filter((p) => p.now >= windowStart && p.current >= r.current);
        for (const p of seenSince) assert.equal(p.loads[r.current - 1]?.load, 0, `slot ${r.current} was busy or unknown at ${p.now}: ${r.reason}`);
        // And it existed (was observed) at least idleMinutes ago: a fresh host gets its grace time.
        const firstSeen = records.find((p) => p.current >= r.current && records.slice(records.indexOf(p), i + 1).every((q) => q.current >= r.current));
        assert.ok(firstSeen && r.now - firstSeen.now >= policy.idleMinutes * 60_000, r.reason);
      });
    }), { numRuns: 400 });
  });

  test("a host streaming a long request is never released for idleness (dstack#3825)", () => {
    fc.assert(fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 60 }), (policy, steps) => {
      // Host 1 is always running one request; the signal is always low.
      const busy = steps.map((s) => ({ ...s, signal: 0, stale: false, otherPools: 0, loads: [1, ...s.loads.slice(1)] }));
      const start = Math.min(1, Math.min(policy.max, policy.maxHosts, budgetCap(policy, 0)));
      for (const r of run({ ...policy, min: 0 }, busy, start)) {
        if (r.current === 1 && r.cap >= 1) assert.notEqual(r.desired, 0, r.reason);
      }
    }), { numRuns: 200 });
  });

  test("no flapping under a noisy signal: hysteresis and hold", () => {
    fc.assert(fc.property(policyArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 10, maxLength: 100 }), (policy, noise) => {
      // Between the thresholds nothing ever changes.
      const between = noise.map((n) => ({ dtMs: 5_000, signal: policy.scaleDownBelow + n * (policy.scaleUpAt - policy.scaleDownBelow) * 0.999, stale: false, loads: [0], otherPools: 0 }));
      const start = Math.max(Math.min(policy.min, policy.max, policy.maxHosts, budgetCap(policy, 0)), 0);
      for (const r of run(policy, between, start)) assert.equal(r.action, "hold", r.reason);
      // A signal crossing scaleUpAt up and down faster than holdSeconds never rents.
      if (policy.holdSeconds >= 10) {
        const flicker = noise.map((n, i) => ({ dtMs: 4_000, signal: i % 2 === 0 ? policy.scaleUpAt * (1 + n) : policy.scaleUpAt * 0.99, stale: false, loads: [0], otherPools: 0 }));
        for (const r of run(policy, flicker, start)) assert.notEqual(r.action, "up", r.reason);
      }
    }), { numRuns: 300 });
  });

  test("a backlog that lasts rents one host per cooldown, up to the cap", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 10, max: 120 }), fc.integer({ min: 1, max: 15 }), (hold, cooldown, dtSeconds) => {
      const policy: AutoscalePolicy = { pool: "p", min: 0, max: 3, maxHosts: 4, pricePerHour: 1, budgetPerHour: 10, scaleUpAt: 1, scaleDownBelow: 0.5, holdSeconds: hold, idleMinutes: 5, cooldownSeconds: cooldown };
      const steps = Array.from({ length: 600 }, () => ({ dtMs: dtSeconds * 1000, signal: 5, stale: false, loads: [1, 1, 1], otherPools: 0 }));
      const ups = run(policy, steps).filter((r) => r.action === "up");
      assert.equal(ups.length, 3);
      for (let i = 1; i < ups.length; i++) assert.ok(ups[i]!.now - ups[i - 1]!.now >= Math.max(cooldown, hold) * 1000);
    }));
  });

  test("a known run: backlog held → one host; load stops → released after the idle window", () => {
    const policy: AutoscalePolicy = { pool: "p", min: 0, max: 2, maxHosts: 2, pricePerHour: 0.5, budgetPerHour: 3, scaleUpAt: 2, scaleDownBelow: 1, holdSeconds: 10, idleMinutes: 1, cooldownSeconds: 20 };
    const steps: Step[] = [
      { dtMs: 5_000, signal: 3, stale: false, loads: [], otherPools: 0 },
      { dtMs: 5_000, signal: 3, stale: false, loads: [], otherPools: 0 },
      { dtMs: 5_000, signal: 3, stale: false, loads: [], otherPools: 0 },
      { dtMs: 5_000, signal: 3, stale: false, loads: [2], otherPools: 0 },
      { dtMs: 30_000, signal: 0, stale: false, loads: [0], otherPools: 0 },
      { dtMs: 25_000, signal: 0, stale: false, loads: [0], otherPools: 0 },
      { dtMs: 35_000, signal: 0, stale: false, loads: [0], otherPools: 0 },
    ];
    const r = run(policy, steps);
    assert.deepEqual(r.map((x) => x.desired), [0, 0, 1, 1, 1, 1, 0], r.map((x) => x.reason).join("\n"));
    assert.match(r[2]!.reason, /signal ≥ 2 for 10 s: renting host 1/);
    assert.match(r[3]!.reason, /cooling down|waiting/);
    assert.match(r[4]!.reason, /host 1 is idle for 30 s of 1 min/);
    assert.match(r[5]!.reason, /host 1 is idle for 55 s of 1 min/);
    assert.match(r[6]!.reason, /host 1 idle for 90 s: draining and releasing it/);
    assert.equal(r[6]!.drainSlot, 1);
  });
});
