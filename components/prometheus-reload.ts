import * as pulumi from "@pulumi/pulumi";

/** Inputs of a reload: where, and the config hash whose change triggers it. */
interface ReloadInputs {
  readonly url: string;
  readonly configHash: string;
  readonly attempts: number;
  readonly delayMs: number;
}

/**
 * POSTs Prometheus's `/-/reload` on create and whenever the config hash changes. A dynamic
 * provider rather than a shell command: it needs no provider plugin and no curl on the machine
 * running `pulumi up`. Retries cover Prometheus still starting.
 */
const reloadProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: ReloadInputs, news: ReloadInputs) {
    return { changes: olds.configHash !== news.configHash || olds.url !== news.url };
  },
  async create(inputs: ReloadInputs) {
    await reloadProvider.update!("", inputs, inputs);
    return { id: `reload-${inputs.configHash.slice(0, 12)}`, outs: inputs };
  },
  async update(_id: string, _olds: ReloadInputs, news: ReloadInputs) {
    let last = "";
    for (let attempt = 1; attempt <= news.attempts; attempt++) {
      try {
        const response = await fetch(news.url, { method: "POST", signal: AbortSignal.timeout(10_000) });
        if (response.ok) return { outs: news };
        last = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, news.delayMs));
    }
    throw new Error(`POST ${news.url} failed ${news.attempts} times (last: ${last}); is Prometheus up with --web.enable-lifecycle?`);
  },
};

export interface PrometheusReloadArgs {
  /** Full reload URL, e.g. `http://127.0.0.1:9090/-/reload`. */
  readonly url: pulumi.Input<string>;
  /** Hash of the config files; a new hash reloads. */
  readonly configHash: pulumi.Input<string>;
  /** @default 30 */
  readonly attempts?: number;
  /** @default 2000 */
  readonly delayMs?: number;
}

/** Reloads Prometheus's configuration in place, so a config change keeps the TSDB and its history. */
export class PrometheusReload extends pulumi.dynamic.Resource {
  constructor(name: string, args: PrometheusReloadArgs, opts?: pulumi.CustomResourceOptions) {
    super(reloadProvider, name, { attempts: 30, delayMs: 2000, ...args }, opts, "fabric-prometheus-reload");
  }
}
