// Monitoring: every engine container is a Prometheus scrape target, at the port it serves on.
import { posix } from "node:path";
import type { StackValidationPolicy } from "@pulumi/policy";
import YAML from "yaml";
import { engineTargetLabel } from "../../core/render/prometheus";
import { describeContainer, isEngine, LABEL, stackContainers } from "../container-props";
import { hostPorts, listenAddresses } from "../listen";

export interface EveryEngineMonitoredConfig {
  /** Engine kinds (fabric.engine) with no metrics endpoint, exempt from the rule. @default ["ollama"] */
  readonly exemptEngines?: readonly string[];
  /** Report a stack that has engines but uploads no prometheus.yml at all. @default false */
  readonly requireMonitoring?: boolean;
}

/** A static scrape target: `host:port` and its labels. */
interface Target { readonly job: string; readonly address: string; readonly labels: Readonly<Record<string, string>> }

interface PrometheusConfig {
  readonly scrape_configs?: readonly {
    readonly job_name?: string;
    readonly static_configs?: readonly { readonly targets?: readonly string[]; readonly labels?: Record<string, string> }[];
  }[];
}

/** Every static target of a prometheus.yml. */
function staticTargets(config: PrometheusConfig): Target[] {
  return (config.scrape_configs ?? []).flatMap((job) => (job.static_configs ?? []).flatMap((sc) =>
    (sc.targets ?? []).map((address) => ({ job: job.job_name ?? "", address, labels: sc.labels ?? {} }))));
}

export const everyEngineMonitored: StackValidationPolicy = {
  name: "every-engine-monitored",
  description: "Every engine container is a static scrape target of the prometheus.yml the stack uploads (found by content, matched by its deployment label or its address), at a port the engine serves on. Stacks that upload no prometheus.yml pass unless requireMonitoring is set.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      exemptEngines: { type: "array", items: { type: "string" }, default: ["ollama"], description: "Engine kinds without a metrics endpoint." },
      requireMonitoring: { type: "boolean", default: false, description: "Report engines when the stack uploads no prometheus.yml at all." },
    },
  },
  validateStack: (args, report) => {
    const config = args.getConfig<EveryEngineMonitoredConfig>();
    const exempt = config.exemptEngines ?? ["ollama"];
    const containers = stackContainers(args.resources);
    const engines = containers.filter((c) => isEngine(c) && !exempt.includes(c.labels[LABEL.engine] ?? c.engineKind ?? ""));
    // Prometheus configs by content (scrape_configs, YAML or JSON), whatever the file is called.
    const files = containers.flatMap((c) => c.uploads.filter((u) => /["']?scrape_configs["']?\s*:/.test(u.content) || posix.basename(u.file) === "prometheus.yml").map((u) => ({ ...u, container: c })));
    if (files.length === 0) {
      if (config.requireMonitoring && engines.length > 0) {
        report(`no container uploads a prometheus.yml, so none of the ${engines.length} engine(s) is monitored: add a monitoring section to the fleet`);
      }
      return;
    }
    const targets: Target[] = [];
    for (const f of files) {
      try {
        targets.push(...staticTargets(YAML.parse(f.content) as PrometheusConfig));
      } catch (e) {
        report(`${describeContainer(f.container)} ${f.file}: cannot parse the Prometheus config: ${(e as Error).message.split("\n")[0]}`, f.container.urn);
      }
    }
    for (const c of engines) {
      const deployment = c.labels[LABEL.deployment];
      const ports = hostPorts(c);
      // Its target: by deployment label, or by address (its name, a host it listens or publishes on, or loopback, at one of its ports).
      const hosts = new Set([c.name, "localhost", "127.0.0.1", ...listenAddresses(c).flatMap((a) => a.host ?? []), ...c.ports.flatMap((p) => p.ip ?? [])]);
      const byAddress = (t: Target) => {
        const colon = t.address.lastIndexOf(":");
        return hosts.has(t.address.slice(0, colon).replace(/^\[|\]$/g, "")) && ports.includes(Number(t.address.slice(colon + 1)));
      };
      const mine = targets.filter((t) => (deployment !== undefined && t.labels[engineTargetLabel] === deployment) || byAddress(t));
      if (mine.length === 0) {
        report(`${describeContainer(c)}: is not a Prometheus scrape target (no target with ${engineTargetLabel}="${deployment ?? ""}" or at its address), so its alerts can never fire: give its engine a metrics path or add the target`, c.urn);
        continue;
      }
      const wrong = mine.filter((t) => !ports.includes(Number(t.address.slice(t.address.lastIndexOf(":") + 1))));
      if (ports.length > 0 && wrong.length === mine.length) {
        report(`${describeContainer(c)}: serves on port ${ports.join(", ")} but Prometheus scrapes it at ${mine.map((t) => t.address).join(", ")}`, c.urn);
      }
    }
  },
};
