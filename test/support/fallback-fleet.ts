// The fleet the gateway-fallback test renders its LiteLLM config from: every engine, burst slot and
// the cloud provider at a loopback port where a fake (or nobody) listens, one route per case.
import YAML from "yaml";
import { parseFleet } from "../../core/fleet/load";
import type { Fleet } from "../../core/fleet/schema";

/** The cloud provider's host name: the fleet grammar takes a DNS name there; the test maps it to 127.0.0.1. */
export const CLOUD_HOST = "cloud.fabric.test";

/** A deployment of the fallback fleet: a name and the first port of its replicas. */
export interface FakeDeployment { readonly name: string; readonly port: number; readonly replicas?: number }

export interface FallbackFleetInput {
  readonly deployments: readonly FakeDeployment[];
  /** Burst pools by name: one loopback port per host slot (maxHosts = the number of ports). */
  readonly pools: Readonly<Record<string, readonly number[]>>;
  /** Port of the loopback OpenAI-compatible server standing in for the cloud provider `cloud`. */
  readonly cloudPort: number;
  readonly routes: Readonly<Record<string, readonly string[]>>;
  /** A pool's served name, when its hosts join another group (default: the pool's name). */
  readonly poolServedNames?: Readonly<Record<string, string>>;
  /** gateway.healthCheckSeconds (default: the fleet default). */
  readonly healthCheckSeconds?: number;
}

/** A fleet whose gateway config is what `pulumi up` would deploy for these names and ports. */
export function fallbackFleet(input: FallbackFleetInput): Fleet {
  const fleet = {
    machines: [{ name: "local", hardware: "cpu", address: "127.0.0.1", bindAddress: "127.0.0.1", memoryGiB: 64 }],
    recipes: {
      "tiny-chat": {
        engine: "llamacpp",
        model: {
          id: "fabric-test/tiny-llama", file: "tiny-llama.gguf",
          config: { layers: 2, hiddenSize: 64, attentionHeads: 4, kvHeads: 2, headDim: 16, paramsBillion: 0.000107, vocabSize: 259, tiedEmbeddings: false, maxContext: 8192 },
          weightsGiB: 0.001,
        },
        quantization: "gguf-f16",
        maxModelLen: 4096,
      },
    },
    deployments: input.deployments.map((d) => ({ name: d.name, recipe: "tiny-chat", machine: "local", port: d.port, ...(d.replicas ? { replicas: d.replicas } : {}) })),
    gateway: {
      machine: "local",
      port: 4000,
      masterKey: { secret: "litellmMasterKey" },
      providers: [{ name: "cloud", model: "openai/cloud-model", apiKey: { secret: "cloudApiKey" }, apiBase: `http://${CLOUD_HOST}:${input.cloudPort}/v1`, contextWindow: 131072 }],
      routes: Object.entries(input.routes).map(([name, targets]) => ({ name, targets: [...targets] })),
      ...(input.healthCheckSeconds === undefined ? {} : { healthCheckSeconds: input.healthCheckSeconds }),
    },
    burst: {
      provider: "vast", apiKey: { secret: "vastApiKey" }, budgetPerHour: 100,
      pools: Object.entries(input.pools).map(([name, ports]) => ({
        name, recipe: "tiny-chat", ...(input.poolServedNames?.[name] ? { servedName: input.poolServedNames[name] } : {}), maxHosts: ports.length, maxPricePerHour: 1, gpu: ["rtx-4090"],
        slotAddresses: ports.map((port) => ({ address: "127.0.0.1", port })),
      })),
    },
  };
  const parsed = parseFleet(YAML.stringify(fleet));
  if (!parsed.ok) throw new Error(`the fallback fleet does not parse: ${JSON.stringify(parsed.violations)}`);
  return parsed.fleet;
}
