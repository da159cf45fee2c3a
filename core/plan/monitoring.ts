import { GATEWAY_METRICS_JOB } from "../burst/autoscale-signal";
import { serviceImage } from "../catalog/services";
import { DCGM_EXPORTER_PORT, NODE_EXPORTER_PORT } from "../checks/ports";
import type { Fleet } from "../fleet/schema";
import { renderAlertRules } from "../render/alert-rules";
import { AUTOSCALER_METRICS_JOB, burstPoolLabel, prometheusRulesFileName, renderPrometheusConfig, type ScrapeTarget } from "../render/prometheus";
import { baseContainer, httpHealthCheck, listenHost, publishedPorts } from "./containers";
import type { ResolvedFleet } from "./resolve";
import type { BurstPlan, EnginePlan, MonitoringPlan } from "./types";

const CONFIG_DIR = "/etc/prometheus";

/**
 * Every host slot of every burst pool with metrics, rented or not: a host that comes up is scraped
 * without a config change. An empty slot is a target that is down by design; EngineDown skips them.
 */
export function burstScrapeTargets(burst: BurstPlan | null): ScrapeTarget[] {
  return (burst?.pools ?? []).flatMap((pool) => pool.metricsPath === null ? [] : pool.slots.map((slot) => ({
    job: pool.metricsJob,
    metricsPath: pool.metricsPath as string,
    address: `${slot.address}:${slot.port}`,
    labels: { deployment: slot.hostName, machine: slot.hostName, engine: pool.metricsJob, served_name: pool.servedName, [burstPoolLabel]: pool.name },
  })));
}

/** Every engine with metrics, every burst host slot, the gateway, the autoscale controller container, and the exporters on every machine. */
export function scrapeTargets(fleet: Fleet, resolved: ResolvedFleet, engines: readonly EnginePlan[], burst: BurstPlan | null = null): ScrapeTarget[] {
  const targets: ScrapeTarget[] = engines.flatMap((e) => e.metricsPath === null ? [] : [{
    job: e.metricsJob,
    metricsPath: e.metricsPath,
    address: `${e.address}:${e.port}`,
    labels: { deployment: e.deployment, machine: e.machine, engine: e.engine, served_name: e.servedName },
  }]);
  targets.push(...burstScrapeTargets(burst));
  const gateway = fleet.gateway;
  const gatewayMachine = resolved.machines.find((m) => m.spec.name === gateway?.machine);
  if (gateway && gatewayMachine) {
    targets.push({ job: GATEWAY_METRICS_JOB, metricsPath: "/metrics/", address: `${gatewayMachine.spec.address}:${gateway.port}`, labels: { machine: gatewayMachine.spec.name } });
  }
  const autoscaler = fleet.burst?.autoscaler;
  const autoscalerMachine = resolved.machines.find((m) => m.spec.name === autoscaler?.machine);
  if (autoscaler && autoscalerMachine) {
    targets.push({ job: AUTOSCALER_METRICS_JOB, metricsPath: "/metrics", address: `${autoscalerMachine.spec.address}:${autoscaler.port}`, labels: { machine: autoscalerMachine.spec.name } });
  }
  if (fleet.monitoring?.exporters) {
    for (const m of resolved.machines) {
      targets.push({ job: "node", metricsPath: "/metrics", address: `${m.spec.address}:${NODE_EXPORTER_PORT}`, labels: { machine: m.spec.name } });
      if (m.hardware && m.hardware.family !== "cpu") {
        targets.push({ job: "dcgm", metricsPath: "/metrics", address: `${m.spec.address}:${DCGM_EXPORTER_PORT}`, labels: { machine: m.spec.name } });
      }
    }
  }
  return targets;
}

/** Prometheus with the rendered config and rules; `--web.enable-lifecycle` lets a config change reload instead of recreate. */
export function planMonitoring(fleet: Fleet, resolved: ResolvedFleet, engines: readonly EnginePlan[], burst: BurstPlan | null = null): MonitoringPlan | null {
  const monitoring = fleet.monitoring;
  const machine = resolved.machines.find((m) => m.spec.name === monitoring?.machine);
  if (!monitoring || !machine) return null;
  const targets = scrapeTargets(fleet, resolved, engines, burst);
  const prometheusYml = renderPrometheusConfig({
    scrapeInterval: monitoring.scrapeInterval,
    self: { address: `${machine.spec.address}:${monitoring.port}`, machine: machine.spec.name },
    targets,
  });
  const rulesYml = renderAlertRules();
  return {
    machine: machine.spec.name,
    url: `http://${machine.spec.address}:${monitoring.port}`,
    prometheusYml,
    rulesYml,
    targets: targets.map((t) => ({ job: t.job, target: t.address, ...(t.labels.deployment ? { deployment: t.labels.deployment } : {}) })),
    container: {
      ...baseContainer("prometheus", serviceImage("prometheus", fleet.images), machine),
      args: [
        `--config.file=${CONFIG_DIR}/prometheus.yml`,
        "--storage.tsdb.path=/prometheus",
        `--storage.tsdb.retention.time=${monitoring.retention}`,
        `--web.listen-address=${listenHost(machine)}:${monitoring.port}`,
        "--web.enable-lifecycle",
      ],
      ports: publishedPorts(machine, [monitoring.port]),
      health: httpHealthCheck(machine, monitoring.port, "/-/ready", 30),
      labels: { "fabric.machine": machine.spec.name, "fabric.role": "monitoring" },
      volumes: [{ volume: "fabric-prometheus-data", containerPath: "/prometheus" }],
      files: [
        { containerPath: `${CONFIG_DIR}/prometheus.yml`, content: prometheusYml },
        { containerPath: `${CONFIG_DIR}/${prometheusRulesFileName}`, content: rulesYml },
      ],
    },
  };
}
