import YAML from "yaml";

/** The scrape job of the autoscale controller container's own /metrics (burst.autoscaler). */
export const AUTOSCALER_METRICS_JOB = "fabric-autoscale";

/**
 * Name of the rules file next to prometheus.yml. It starts with "prometheus" so the monitoring
 * component can mount both files under one prefix.
 */
export const prometheusRulesFileName = "prometheus-rules.yml";

/** Label every engine target carries; alert rules select engines by it (`deployment!=""`). */
export const engineTargetLabel = "deployment";

/** Label burst host slot targets carry (the pool's name); EngineDown skips them, empty slots being down by design. */
export const burstPoolLabel = "burst_pool";

/** One endpoint Prometheus scrapes. */
export interface ScrapeTarget {
  /**
   * Job name: the engine's metrics job (`vllm`, `sglang`, `llamacpp`, `tei`, `trtllm`, `llama-swap`,
   * `ollama`), `litellm`, `node` or `dcgm`. Alert rules use `litellm`, `node` and `dcgm` by name.
   */
  readonly job: string;
  /** e.g. `/metrics`; LiteLLM serves `/metrics/` (the bare path redirects). */
  readonly metricsPath: string;
  /** `host:port` as Prometheus reaches it. */
  readonly address: string;
  /**
   * Target labels. Engine targets carry `deployment`, `machine`, `engine`, `served_name`; other
   * targets at least `machine`. A scraped label of the same name (vLLM's `engine` index) is kept
   * by Prometheus as `exported_<name>`.
   */
  readonly labels: Readonly<Record<string, string>>;
}

/** What prometheus.yml depends on. */
export interface PrometheusInput {
  /** Prometheus duration, e.g. `15s`. */
  readonly scrapeInterval: string;
  /** @default scrapeInterval */
  readonly evaluationInterval?: string;
  /** Where Prometheus scrapes itself (e.g. `127.0.0.1:9090`) and the machine it runs on. */
  readonly self: { readonly address: string; readonly machine: string };
  readonly targets: readonly ScrapeTarget[];
}

const duration = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const hostPort = /^[^\s/:]+:[0-9]{1,5}$/;

function checkTarget(t: ScrapeTarget): void {
  const where = `scrape target ${t.job}/${t.address}`;
  if (!hostPort.test(t.address)) throw new Error(`${where}: address must be host:port, e.g. 'spark.example.ts.net:8120'`);
  if (!t.metricsPath.startsWith("/")) throw new Error(`${where}: metricsPath '${t.metricsPath}' must start with '/'`);
  for (const name of Object.keys(t.labels)) {
    if (!labelName.test(name) || name.startsWith("__")) {
      throw new Error(`${where}: label '${name}' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading '__')`);
    }
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Groups targets into one scrape job per job name; a job has one metrics path. */
function scrapeJobs(targets: readonly ScrapeTarget[]): Map<string, { path: string; targets: ScrapeTarget[] }> {
  const jobs = new Map<string, { path: string; targets: ScrapeTarget[]; addresses: Set<string> }>();
  for (const t of targets) {
    checkTarget(t);
    const job = jobs.get(t.job) ?? { path: t.metricsPath, targets: [], addresses: new Set<string>() };
    if (job.path !== t.metricsPath) {
      throw new Error(`job '${t.job}' has two metrics paths ('${job.path}' and '${t.metricsPath}'): give the targets separate job names`);
    }
    if (job.addresses.has(t.address)) throw new Error(`job '${t.job}' lists ${t.address} twice`);
    job.addresses.add(t.address);
    job.targets.push(t);
    jobs.set(t.job, job);
  }
  return new Map([...jobs].map(([name, { path, targets: members }]) => [name, { path, targets: members }]));
}

/**
 * Renders prometheus.yml: Prometheus itself, then one job per job name (sorted), one static
 * config per target so each keeps its own labels. Same targets in any order → same bytes.
 */
export function renderPrometheusConfig(input: PrometheusInput): string {
  const evaluation = input.evaluationInterval ?? input.scrapeInterval;
  for (const [field, value] of [["scrapeInterval", input.scrapeInterval], ["evaluationInterval", evaluation]] as const) {
    if (!duration.test(value)) throw new Error(`${field} '${value}' is not a Prometheus duration such as '15s' or '1m'`);
  }
  const jobs = scrapeJobs(input.targets);
  checkTarget({ job: "prometheus", metricsPath: "/metrics", address: input.self.address, labels: {} });
  if (jobs.has("prometheus")) throw new Error("job name 'prometheus' is reserved for Prometheus scraping itself");
  const config = {
    global: { scrape_interval: input.scrapeInterval, evaluation_interval: evaluation },
    rule_files: [prometheusRulesFileName],
    scrape_configs: [
      { job_name: "prometheus", metrics_path: "/metrics", static_configs: [{ targets: [input.self.address], labels: { machine: input.self.machine } }] },
      ...[...jobs.entries()].sort(([a], [b]) => compare(a, b)).map(([job, { path, targets }]) => ({
        job_name: job,
        metrics_path: path,
        static_configs: [...targets].sort((a, b) => compare(a.address, b.address)).map((t) => ({
          targets: [t.address],
          labels: Object.fromEntries(Object.entries(t.labels).sort(([a], [b]) => compare(a, b))),
        })),
      })),
    ],
  };
  return "# Generated by inference-fabric from the fleet file; do not edit by hand.\n" + YAML.stringify(config, { lineWidth: 0 });
}
