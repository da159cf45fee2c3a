// `fabric autoscale --stack <name>`: the long-running controller that rents burst hosts when a
// route's local engines back up and releases them when idle, through targeted `pulumi up`s of the
// stack (Automation API), so the stack stays the one source of truth. See README "### Autoscale".
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { VastClient } from "../components/burst/vast-client";
import { parseFleet } from "../core/fleet/load";
import type { Fleet } from "../core/fleet/schema";
import { plan } from "../core/plan/plan";
import { AutoscaleController, firstLine } from "./autoscale/controller";
import { gatewayDrain, inFlightDrain } from "./autoscale/drain";
import { LiteLLMGatewaySlots } from "./autoscale/gateway-slots";
import { LockHeld, acquireStackLock, lockDirFor } from "./autoscale/lock";
import { ControllerMetrics } from "./autoscale/metrics";
import { PrometheusQuery } from "./autoscale/prometheus-query";
import { gatewayMasterKey, PulumiAutoscaleStack } from "./autoscale/pulumi-stack";
import { type CliIo, EXIT } from "./io";
import { formatViolation } from "./load-fleet";

/** Seconds a targeted up may take after a drain: the gateway's drain mark outlives both, then lapses. */
const UPDATE_BUDGET_SECONDS = 900;

export const AUTOSCALE_USAGE = `usage: fabric autoscale --stack <name> [--cwd DIR] [--prometheus URL] [--interval SECONDS]
                       [--metrics-listen HOST:PORT] [--lock-dir DIR] [--drain-timeout SECONDS] [--once]
  polls Prometheus and sets each autoscaled burst pool's host count by a stack-config override
  (fabric:burstDesired) and a pulumi up targeted at that pool, one update at a time. Run it in the
  project directory (or --cwd) with the backend and passphrase 'pulumi up' uses. Before a host is
  destroyed the gateway stops routing to it (its burst gate, with the stack's master key) and its
  in-flight requests finish.
  --prometheus       default: the fleet's monitoring URL
  --interval         seconds between polls (default 15)
  --metrics-listen   where its own /metrics listens (default 127.0.0.1:9464; port 0 = any free port)
  --lock-dir         where the one-controller-per-stack lock lives (default: beside a file:// state)
  --drain-timeout    seconds a host may take to finish its requests before a scale-down is called off (default 120)
  --once             one poll, then exit (0)`;

export async function runAutoscale(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...args], options: {
      stack: { type: "string" }, cwd: { type: "string" }, prometheus: { type: "string" }, interval: { type: "string", default: "15" },
      "metrics-listen": { type: "string", default: "127.0.0.1:9464" }, "lock-dir": { type: "string" }, "drain-timeout": { type: "string", default: "120" },
      once: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
    } }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${AUTOSCALE_USAGE}`);
    return EXIT.badInput;
  }
  if (values.help) {
    io.out(AUTOSCALE_USAGE);
    return EXIT.ok;
  }
  const interval = Number(values.interval);
  const drainTimeout = Number(values["drain-timeout"]);
  const listen = /^(.+):(\d+)$/.exec(values["metrics-listen"]);
  if (!values.stack || !(interval >= 1) || !(drainTimeout >= 0) || !listen) {
    io.err(`fabric autoscale: ${!values.stack ? "--stack is required" : !listen ? "--metrics-listen must be HOST:PORT" : "--interval must be ≥ 1 and --drain-timeout ≥ 0 (seconds)"}\n${AUTOSCALE_USAGE}`);
    return EXIT.badInput;
  }
  const stackName = values.stack;
  const cwd = resolve(values.cwd ?? process.cwd());
  const say = (line: string) => io.out(line);

  let fleet: Fleet | undefined;
  const stack = new PulumiAutoscaleStack(stackName, cwd, () => fleet as Fleet, say);
  let fleetPath: string;
  try {
    fleetPath = await stack.fleetPath();
  } catch (e) {
    io.err(`fabric autoscale: cannot read stack ${stackName} in ${cwd}: ${firstLine(e)}`);
    return EXIT.badInput;
  }
  const parsed = parseFleet(io.readFile(resolve(cwd, fleetPath)));
  if (!parsed.ok) {
    for (const v of parsed.violations) io.err(formatViolation(fleetPath, v));
    return EXIT.badInput;
  }
  fleet = parsed.fleet;
  const computed = plan(fleet);
  const errors = computed.violations.filter((v) => v.severity === "error");
  if (errors.length > 0) {
    for (const v of errors) io.err(formatViolation(fleetPath, v));
    io.err(`fabric autoscale: ${fleetPath} has violations; fix them first (fabric check ${fleetPath})`);
    return EXIT.violations;
  }
  if (computed.autoscale.length === 0) {
    io.err(`fabric autoscale: no burst pool of ${fleetPath} declares autoscale; nothing to do`);
    return EXIT.badInput;
  }
  const prometheusUrl = values.prometheus ?? computed.monitoring?.url;
  if (!prometheusUrl) {
    io.err(`fabric autoscale: ${fleetPath} has no monitoring section; pass --prometheus URL`);
    return EXIT.badInput;
  }

  let release: () => void;
  try {
    const project = await stack.projectName();
    release = acquireStackLock(lockDirFor(await stack.backendUrl(), values["lock-dir"]), project, stackName, say);
  } catch (e) {
    io.err(`fabric autoscale: REFUSED: ${e instanceof LockHeld ? e.message : firstLine(e)}`);
    return EXIT.violations;
  }
  // The gateway's burst gate takes a draining host out of routing (no gateway: in-flight wait only).
  let gate: LiteLLMGatewaySlots | null = null;
  let noGate = "no gateway in the fleet";
  if (computed.gateway && computed.gateway.modules.length > 0) {
    const key = await gatewayMasterKey(stack, fleet).catch(() => null);
    if (key) gate = new LiteLLMGatewaySlots(computed.gateway.url, key);
    else {
      noGate = "no gateway master key in the stack config";
      say(`fabric autoscale: no gateway master key in stack ${stackName} (gateway.masterKey): a draining host stays in the gateway until it is gone`);
    }
  }
  const metrics = new ControllerMetrics();
  const prometheus = new PrometheusQuery(prometheusUrl);
  const controller = new AutoscaleController({
    policies: computed.autoscale,
    poolPrices: Object.fromEntries((fleet.burst?.pools ?? []).map((p) => [p.name, p.maxPricePerHour])),
    stack,
    prometheus,
    vastProbe: async () => {
      const { apiKey, baseUrl } = await stack.vast();
      if (!apiKey) throw new Error("no Vast API key in the stack config the fleet names (burst.apiKey) or VAST_API_KEY");
      const client = new VastClient({ apiKey, baseUrl, retry: { requestTimeoutMs: 10_000, maxAttempts: 2, maxTotalMs: 20_000 }, log: () => undefined });
      await client.listInstances().catch((e: Error) => { throw new Error(client.clean(e.message)); });
    },
    ...gatewayDrain(gate, inFlightDrain(prometheus, { timeoutMs: drainTimeout * 1000, intervalMs: 2_000 }), drainTimeout + UPDATE_BUDGET_SECONDS, noGate),
    metrics,
    log: say,
  });
  try {
    const url = await metrics.listen(listen[1]!, Number(listen[2]));
    say(`fabric autoscale: stack ${stackName}, ${computed.autoscale.length} pool(s), Prometheus ${prometheusUrl}, every ${interval} s; metrics on ${url}`);
    for (const a of computed.autoscale) say(`  ${a.pool}: signal ${a.signalQuery}`);
    // SIGINT/SIGTERM: finish the current poll (never an update half-way), then stop.
    const stop = new AbortController();
    const onSignal = () => { say("fabric autoscale: stopping after this poll"); stop.abort(); };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    while (!stop.signal.aborted) {
      await controller.tick();
      if (values.once) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, interval * 1000);
        stop.signal.addEventListener("abort", () => { clearTimeout(timer); r(); }, { once: true });
      });
    }
    return EXIT.ok;
  } finally {
    await metrics.close();
    release();
  }
}
