// fabric tune's pure parts: the scratch fleet (one engine beside the live stack, no gateway), the
// winner's ranking, and the fleet edit that adopts it (a reviewable diff that keeps comments).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type TuneCandidate, pickWinner, renderTuneSummary, scratchFleet, scratchPort } from "../../core/bench/tune";
import { summarizeLevel } from "../../core/bench/summary";
import { BenchProfile } from "../../core/fleet/slo";
import { plan } from "../../core/plan/plan";
import { adoptWinner } from "../../cli/tune";
import { repoRoot, stackFleet } from "../support/stacks";

const fleet = stackFleet("local-test");

describe("scratchFleet", () => {
  test("one engine of the candidate on the machine, its own name and port, no gateway or monitoring; the plan is clean", () => {
    const port = scratchPort(fleet);
    assert.equal(port, 18000);
    const scratch = scratchFleet(fleet, "tiny-chat", { machine: "local", port });
    const p = plan(scratch);
    assert.deepEqual(p.violations.filter((v) => v.severity === "error"), []);
    assert.deepEqual(p.engines.map((e) => [e.deployment, e.port, e.servedName]), [["tune-candidate", 18000, "tiny-chat"]]);
    assert.equal(p.gateway, null);
    assert.equal(p.monitoring, null);
    assert.ok(p.engines[0]!.modelSync, "the model still syncs from the live store");
    const live = plan(fleet).engines.map((e) => e.container.name);
    assert.ok(!live.includes(p.engines[0]!.container.name), "never a live engine's container name");
  });

  test("an unknown recipe or machine is named", () => {
    assert.throws(() => scratchFleet(fleet, "nope", { machine: "local", port: 1 }), /recipes\.nope: no such recipe; recipes: tiny-chat/);
    assert.throws(() => scratchFleet(fleet, "tiny-chat", { machine: "gpu9", port: 1 }), /no machine 'gpu9'/);
  });
});

describe("pickWinner", () => {
  const level = (concurrency: number, tokens: number, errors: number) => summarizeLevel({ concurrency, rate: null }, [
    ...Array.from({ length: 4 }, () => ({ ok: true, ttftMs: 10, e2eMs: 1000, itlMs: [], outputTokens: tokens, inputTokens: 1 })),
    ...Array.from({ length: errors }, () => ({ ok: false, ttftMs: null, e2eMs: 1, itlMs: [], outputTokens: 0, inputTokens: 0 })),
  ], 1);
  const candidate = (recipe: string, levels: ReturnType<typeof level>[], extra: Partial<TuneCandidate> = {}): TuneCandidate =>
    ({ recipe, recipeHash: recipe.padEnd(12, "0"), report: { target: "t", model: recipe, profile: BenchProfile.parse({}), levels }, ...extra });

  test("ranked at the highest concurrency: fewer errors first, then more output tokens/s", () => {
    const a = candidate("a", [level(1, 100, 0), level(2, 10, 0)]);
    const b = candidate("b", [level(1, 1, 0), level(2, 20, 0)]);
    const c = candidate("c", [level(1, 1, 0), level(2, 90, 1)]);
    assert.equal(pickWinner([a, b, c])?.recipe, "b");
  });

  test("failed candidates and SLO misses never win; none left: no winner", () => {
    const failed = candidate("f", [], { report: undefined, failure: "SLO gate after rollout wave 1: …" });
    const missed = candidate("m", [level(1, 999, 0)], {});
    const withMiss: TuneCandidate = { ...missed, report: { ...missed.report!, slo: { atConcurrency: 1, misses: [{ figure: "ttftP95Ms", measured: 10, limit: 1, message: "TTFT p95 10 ms > 1 ms (missed by 9 ms)" }] } } };
    assert.equal(pickWinner([failed, withMiss]), undefined);
    assert.match(renderTuneSummary([failed, withMiss], undefined), /f \(f00000000000\): FAILED: SLO gate[\s\S]*SLO MISSED: TTFT p95 10 ms > 1 ms[\s\S]*winner: none/);
  });
});

describe("adoptWinner", () => {
  const text = readFileSync(join(repoRoot, "stacks/local-test.fleet.yaml"), "utf8");

  test("switches the deployment's recipe and keeps every comment and the flow style", () => {
    const after = adoptWinner(text, fleet, { machine: "local", candidates: ["tiny-chat", "other"], winner: "other" });
    const changed = after.split("\n").filter((l, i) => l !== text.split("\n")[i]);
    assert.deepEqual(changed, ["  - {name: tiny, recipe: other, machine: local, port: 8081, replicas: 2}"]);
    assert.equal(after.split("\n").length, text.split("\n").length);
  });

  test("by --deployment; no change when it already runs the winner", () => {
    assert.match(adoptWinner(text, fleet, { machine: "local", candidates: ["x"], winner: "y", deployment: "tiny" }), /recipe: y,/);
    assert.equal(adoptWinner(text, fleet, { machine: "local", candidates: ["tiny-chat"], winner: "tiny-chat" }), text);
  });
});
