// `fabric bench` against loopback servers that fail the way a busy gateway does (HTTP 500, a
// refused port): failures are counted in the error rate, never a crash; bad flags exit 2 naming the
// flag; an SLO miss exits 1; `fabric tune` refuses bad flags. The real engine and gateway, and
// tune's scratch stacks: test/e2e/bench.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { freePort } from "../support/llama-processes";
import { runCliAsync } from "../support/cli";
import { type FakeServer, startFake } from "../support/openai-fakes";

describe("fabric bench: failures are figures, not crashes", () => {
  let broken: FakeServer;
  before(async () => { broken = await startFake("broken", "status-500"); });
  after(async () => { await broken.close(); });

  test("HTTP 500 on every request: error rate 100%, the error named, exit 0 without an SLO", async () => {
    const r = await runCliAsync(["bench", "--url", `http://127.0.0.1:${broken.port}/v1`, "--concurrency", "1,2", "--requests", "3", "--warmup", "1", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { levels: { errorRate: number; requests: number; errors: string[] }[]; sent: { requests: number } };
    assert.deepEqual(report.levels.map((l) => [l.requests, l.errorRate]), [[3, 1], [3, 1]]);
    assert.match(report.levels[0]!.errors[0]!, /^HTTP 500: /);
    assert.equal(report.sent.requests, 7, "1 warm-up + 2 levels × 3");
    assert.equal(broken.requests(), 7, "no retries: one request each");
  });

  test("an SLO on the error rate: exit 1 and the miss in the table", async () => {
    const r = await runCliAsync(["bench", "--url", `http://127.0.0.1:${broken.port}/v1`, "--concurrency", "1", "--requests", "2", "--warmup", "0", "--slo", '{"maxErrorRate":0.1}']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /maxErrorRate: error rate 100% > 10% \(missed by 90 points; 2 of 2 failed\)/);
  });

  test("a refused port: every request failed, exit 0", async () => {
    const port = await freePort();
    const r = await runCliAsync(["bench", "--url", `http://127.0.0.1:${port}/v1`, "--concurrency", "1", "--requests", "2", "--warmup", "0", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { levels: { failed: number }[] }).levels[0]!.failed, 2);
  });

  test("bad input exits 2 naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["bench", "--url", "http://127.0.0.1:1/v1", "--concurrency", "0"], /--concurrency takes positive numbers/],
      [["bench", "--url", "http://127.0.0.1:1/v1", "--concurrency", "1", "--rate", "2"], /--concurrency or --rate, not both/],
      [["bench", "--route", "chat"], /--route needs --stack/],
      [["bench"], /exactly one of --route, --deployment, --url/],
      [["bench", "--url", "http://127.0.0.1:1/v1", "--slo", '{"ttftP95Ms":-1}'], /--slo: ttftP95Ms: /],
      [["bench", "--url", "http://127.0.0.1:1/v1", "--output-tokens", "1"], /outputTokens: /],
      [["bench", "--url", "http://127.0.0.1:1/v1", "--goodput", "ttft"], /--goodput takes ttft:MS/],
    ];
    for (const [args, message] of cases) {
      const r = await runCliAsync(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

describe("fabric tune: bad input", () => {
  test("exits 2 naming what is missing or wrong, before touching any stack", async () => {
    const cases: [string[], RegExp][] = [
      [["tune"], /--stack, --machine and --recipes are required/],
      [["tune", "--stack", "s", "--machine", "m", "--recipes", "a", "--concurrency", "0"], /--concurrency takes whole numbers ≥ 1/],
      [["tune", "--stack", "s", "--machine", "m", "--recipes", "a", "--gpus", "x"], /--gpus takes GPU indices/],
    ];
    for (const [args, message] of cases) {
      const r = await runCliAsync(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
