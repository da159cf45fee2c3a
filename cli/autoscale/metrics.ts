// The controller's own /metrics (Prometheus text format, prom-client): what it decided, what it
// saw, and whether it is holding because something it needs is unreachable.
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly desired = new Gauge({ name: "fabric_autoscale_desired_hosts", help: "Hosts the last decision wants, per pool.", labelNames: ["pool"], registers: [this.registry] });
  readonly current = new Gauge({ name: "fabric_autoscale_current_hosts", help: "Hosts the stack runs, per pool.", labelNames: ["pool"], registers: [this.registry] });
  readonly cap = new Gauge({ name: "fabric_autoscale_cap_hosts", help: "Most hosts allowed now: min(max, maxHosts, what the budget pays for).", labelNames: ["pool"], registers: [this.registry] });
  readonly signal = new Gauge({ name: "fabric_autoscale_signal", help: "Last value of the pool's signal (NaN when missing).", labelNames: ["pool", "signal"], registers: [this.registry] });
  readonly decisions = new Counter({ name: "fabric_autoscale_decisions_total", help: "Decisions taken, by action (up, down, hold).", labelNames: ["pool", "action"], registers: [this.registry] });
  readonly updates = new Counter({ name: "fabric_autoscale_updates_total", help: "Targeted pulumi ups run, by result (ok, failed, skipped).", labelNames: ["pool", "result"], registers: [this.registry] });
  readonly holding = new Gauge({ name: "fabric_autoscale_holding", help: "1 while the controller holds because a dependency is unreachable (prometheus, vast, state).", labelNames: ["cause"], registers: [this.registry] });
  readonly lastPoll = new Gauge({ name: "fabric_autoscale_last_poll_timestamp_seconds", help: "When the last poll ended.", registers: [this.registry] });
  private server: Server | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "fabric_autoscale_" });
    for (const cause of ["prometheus", "vast", "state"]) this.holding.set({ cause }, 0);
  }

  /** Serves /metrics on host:port (port 0: any free port); resolves with the URL. */
  async listen(host: string, port: number): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end("try /metrics\n");
        return;
      }
      void this.registry.metrics().then((text) => res.writeHead(200, { "Content-Type": this.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, resolve);
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}/metrics`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
