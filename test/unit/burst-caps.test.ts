// Pure core of issue 11: host labels, the caps checked before each rent, the sweep's decision, and
// the client's redaction and Retry-After parsing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { burstCaps, rentRefusal } from "../../core/burst/headroom";
import { burstHostLabel, isStackHostLabel, poolOfLabel, stackLabelPrefix, stackPrefixOfLabel } from "../../core/burst/host-label";
import { decideBurstSweep } from "../../core/burst/orphans";
import { type RentReservation, hostsToCount, settleReservations } from "../../core/burst/rent-ledger";
import { redact, retryAfterMs } from "../../components/burst/vast-client";
import { stackFleet } from "../support/stacks";

const fleet = stackFleet("homelab");
const caps = burstCaps(fleet, "reason-burst");
const host = (id: number, label: string, pricePerHour: number | null = 0.6) => ({ id, label, pricePerHour });

describe("burst host labels", () => {
  test("fabric-<stack>-<pool>-<n>, and back", () => {
    assert.equal(burstHostLabel("prod-eu", "reason-burst", 2), "fabric-prod-eu-reason-burst-2");
    assert.equal(stackPrefixOfLabel("fabric-prod-eu-reason-burst-2", "reason-burst", 2), "fabric-prod-eu-");
    assert.equal(stackPrefixOfLabel("fabric-prod-eu-reason-burst-2", "reason-burst", 3), null);
    assert.equal(stackPrefixOfLabel("mine-reason-burst-2", "reason-burst", 2), null);
  });

  test("a stack's hosts are told apart from a longer stack name's when the pools are known", () => {
    const prefix = stackLabelPrefix("a");
    assert.ok(isStackHostLabel("fabric-a-reason-burst-1", prefix, ["reason-burst"]));
    assert.ok(!isStackHostLabel("fabric-a-b-reason-burst-1", prefix, ["reason-burst"]));
    assert.ok(!isStackHostLabel("fabric-a-reason-burst-x", prefix, ["reason-burst"]));
    assert.ok(isStackHostLabel("fabric-a-b-reason-burst-1", prefix, null), "without pools, any <name>-<n> counts");
    assert.equal(poolOfLabel("fabric-a-reason-burst-1", prefix, ["reason", "reason-burst"]), "reason-burst");
  });
});

describe("rentRefusal: the caps before each rent", () => {
  const prefix = "fabric-test-";
  test("room for one more host at or under the cap", () => {
    assert.equal(rentRefusal([host(1, "fabric-test-reason-burst-2")], prefix, caps, 0.8), null);
  });
  test("above the price cap, with the numbers", () => {
    assert.equal(rentRefusal([], prefix, caps, 0.95), "$0.95/h is above pool reason-burst's price cap $0.80/h");
  });
  test("maxHosts counts every live host of the pool, owned by a state or not", () => {
    const live = [host(1, "fabric-test-reason-burst-2"), host(2, "fabric-test-reason-burst-9"), host(3, "fabric-other-reason-burst-1"), host(4, "someone-else")];
    assert.match(rentRefusal(live, prefix, caps, 0.5) ?? "", /already has 2 live host\(s\) against maxHosts 2: fabric-test-reason-burst-2 \(1\), fabric-test-reason-burst-9 \(2\)/);
  });
  test("the fleet's budget counts every pool of the stack; a host without a price counts at its pool's cap", () => {
    const tight = { ...caps, maxHosts: 10, poolBudgetPerHour: 10, fleetBudgetPerHour: 1.5 };
    assert.match(rentRefusal([host(1, "fabric-test-reason-burst-1", null)], prefix, tight, 0.75) ?? "", /would cost \$1\.55\/h .* against budgetPerHour \$1\.50\/h/);
  });
  test("property: whenever it accepts, the pool stays within maxHosts, the price cap and both budgets", () => {
    fc.assert(fc.property(fc.array(fc.record({ n: fc.integer({ min: 1, max: 4 }), price: fc.double({ min: 0.05, max: 1.2, noNaN: true }) }), { maxLength: 4 }), fc.double({ min: 0.05, max: 1.2, noNaN: true }), (hosts, price) => {
      const live = hosts.map((h, i) => host(i + 1, `fabric-test-reason-burst-${h.n}`, h.price));
      if (rentRefusal(live, prefix, caps, price) !== null) return;
      const total = live.reduce((s, h) => s + (h.pricePerHour ?? 0), 0) + price;
      assert.ok(live.length + 1 <= caps.maxHosts && price <= caps.maxPricePerHour && total <= caps.poolBudgetPerHour + 1e-9 && total <= caps.fleetBudgetPerHour + 1e-9);
    }));
  });
});

describe("the rent ledger", () => {
  const reserve = (label: string, id: number | null, account = "a"): RentReservation => ({ account, label, pricePerHour: 0.5, id });
  test("reservations the list does not show yet count; a lost rent is matched one for one by an unclaimed host with its label", () => {
    const listed = [host(10, "fabric-test-reason-burst-1")];
    const ledger = [reserve("fabric-test-reason-burst-2", 11), reserve("fabric-test-reason-burst-1", null), reserve("fabric-test-reason-burst-1", null), reserve("fabric-test-reason-burst-1", 12, "b")];
    assert.deepEqual(hostsToCount(listed, ledger, "a").map((h) => h.id), [10, 11, -1], "host 10 is one lost rent, the other still counts; account b is another list");
    settleReservations(ledger, "a", [11]);
    assert.deepEqual(ledger.map((r) => r.id), [null, null, 12], "listed reservations settle; lost rents and other accounts stay");
  });
});

describe("decideBurstSweep", () => {
  test("the stack's hosts no state owns are orphans; owned hosts and other accounts' labels are left alone", () => {
    const live = [host(1, "fabric-test-reason-burst-1"), host(2, "fabric-test-reason-burst-1"), host(3, "fabric-test-b-reason-burst-1"), host(4, "my-notebook")];
    const decision = decideBurstSweep({ stack: "test", pools: ["reason-burst"], live, ownedIds: [1] });
    assert.deepEqual(decision.orphans.map((h) => h.id), [2]);
    assert.deepEqual(decision.owned.map((h) => h.id), [1]);
    assert.equal(decision.others, 2);
  });
});

describe("redaction and Retry-After", () => {
  const KEY = "vast-key-0123456789abcdefABCDEF";
  test("a whole secret, and any fragment of 8 or more characters (a prefix left by a cut), is redacted", () => {
    assert.equal(redact(`Bearer ${KEY}.`, KEY), "Bearer [redacted].");
    assert.equal(redact(`...Authorization: Bearer ${KEY.slice(0, 20)}…`, KEY), "...Authorization: Bearer [redacted]…");
    assert.equal(redact(`x${KEY.slice(5, 13)}y ${KEY.slice(0, 7)}`, KEY), "x[redacted]y vast-ke", "7 characters are left, 8 are not");
    assert.equal(redact("short sec and more", "sec", ""), "short [redacted] and more");
  });
  test("property: no 8-character fragment of the secret survives", () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 0, max: KEY.length - 8 }), fc.integer({ min: 8, max: KEY.length }), fc.string(), (before, start, length, after) => {
      const out = redact(`${before}${KEY.slice(start, start + length)}${after}`, KEY);
      for (let i = 0; i + 8 <= KEY.length; i++) assert.ok(!out.includes(KEY.slice(i, i + 8)));
    }));
  });
  test("Retry-After as seconds or an HTTP date", () => {
    assert.equal(retryAfterMs("15"), 15_000);
    assert.equal(retryAfterMs("0.5"), 500);
    assert.equal(retryAfterMs(new Date(1_000_000 + 3_000).toUTCString(), 1_000_000), 3_000);
    assert.equal(retryAfterMs(null), null);
    assert.equal(retryAfterMs("soon"), null);
  });
});
