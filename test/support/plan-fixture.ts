import type { ContainerSpec, EnginePlan, HealthCheck, MachinePlan, Plan } from "../../core/plan/types";

/**
 * A hand-built Plan shaped like the homelab one: an RTX 5090 (amd64) with an orchestrator and a
 * swap slot, a DGX Spark (arm64) with a reasoner that syncs its model from the store, a gateway,
 * Prometheus and MinIO. Components are tested against it without `plan()`, and it shows the
 * contract they read. Values are illustrative, not what the renderers produce.
 */
export function planFixture(): Plan {
  const rtx = machine("rtx5090", "rtx-5090", "amd64", "ssh://ops@rtx5090.example.ts.net", 1);
  const spark = machine("spark", "dgx-spark", "arm64", "ssh://ops@spark.example.ts.net", 1);
  const orchestrator = engine({
    deployment: "orchestrator", machine: "rtx5090", hardware: "rtx-5090", arch: "amd64", port: 8199, recipe: "orchestrator-8b-awq", hash: "aaaa1111bbbb2222",
    image: "vllm/vllm-openai:v0.11.0",
    argv: ["vllm", "serve", "nvidia/Nemotron-Orchestrator-8B-AWQ", "--quantization", "awq_marlin", "--max-model-len", "32768", "--gpu-memory-utilization", "0.4", "--kv-cache-dtype", "fp8"],
  });
  const swap = engine({
    deployment: "swap", machine: "rtx5090", hardware: "rtx-5090", arch: "amd64", port: 8176, recipe: "r1-distill-14b-q4+gemma3-12b-q4", hash: "cccc3333dddd4444",
    image: "ghcr.io/mostlygeek/llama-swap:cuda", argv: ["/app/llama-swap", "--config", "/config/llama-swap.yaml", "--listen", "100.101.0.10:8176"],
    files: [{ containerPath: "/config/llama-swap.yaml", content: "models: {}\n" }],
  });
  const reasoner = engine({
    deployment: "reasoner", machine: "spark", hardware: "dgx-spark", arch: "arm64", port: 8120, recipe: "reasoner-27b-nvfp4", hash: "eeee5555ffff6666",
    image: "nvcr.io/nvidia/vllm:25.09-py3",
    argv: ["vllm", "serve", "/models/store/vrfai/Qwen3.6-27B-NVFP4", "--quantization", "modelopt_fp4", "--max-model-len", "131072", "--gpu-memory-utilization", "0.55",
      "--kv-cache-dtype", "fp8", "--speculative-config", "{\"method\":\"dflash\",\"model\":\"z-lab/Qwen3.6-27B-DFlash\",\"num_speculative_tokens\":15}"],
    sync: true,
  });
  const prometheusYml = "global: {scrape_interval: 15s}\nrule_files: [prometheus-rules.yml]\n";
  const rulesYml = "groups: []\n";
  const gatewayYaml = "model_list: []\n";
  return {
    machines: [rtx, spark],
    engines: [orchestrator, swap, reasoner],
    gateway: {
      machine: "rtx5090", url: "http://rtx5090.example.ts.net:4000", routes: [], config: {}, configYaml: gatewayYaml, modules: [],
      container: container("litellm", "ghcr.io/berriai/litellm:v1.109.1-stable", "amd64", "rtx5090", {
        args: ["--config", "/app/config.yaml", "--port", "4000"],
        secretEnv: [{ name: "LITELLM_MASTER_KEY", secret: "litellmMasterKey" }, { name: "DEEPSEEK_API_KEY", secret: "deepseekApiKey" }],
        health: health(4000, "/health/readiness", 60),
        files: [{ containerPath: "/app/config.yaml", content: gatewayYaml }],
        labels: { "fabric.machine": "rtx5090", "fabric.role": "gateway" },
      }),
    },
    monitoring: {
      machine: "rtx5090", url: "http://rtx5090.example.ts.net:9090", prometheusYml, rulesYml,
      targets: [orchestrator, swap, reasoner].map((e) => ({ job: e.metricsJob, target: `${e.address}:${e.port}`, deployment: e.deployment })),
      container: container("prometheus", "prom/prometheus:v3.5.0", "amd64", "rtx5090", {
        args: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--storage.tsdb.retention.time=15d", "--web.enable-lifecycle"],
        health: health(9090, "/-/ready", 30),
        volumes: [{ volume: "fabric-prometheus-data", containerPath: "/prometheus" }],
        files: [{ containerPath: "/etc/prometheus/prometheus.yml", content: prometheusYml }, { containerPath: "/etc/prometheus/prometheus-rules.yml", content: rulesYml }],
        labels: { "fabric.machine": "rtx5090", "fabric.role": "monitoring" },
      }),
    },
    store: {
      machine: "spark", endpoint: "http://spark.example.ts.net:9000", buckets: ["models"], versionedBuckets: ["models"],
      rootUserSecret: "minioRootUser", rootPasswordSecret: "minioRootPassword",
      container: container("minio", "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z", "arm64", "spark", {
        args: ["server", "/data", "--address", "100.101.0.20:9000"],
        secretEnv: [{ name: "MINIO_ROOT_USER", secret: "minioRootUser" }, { name: "MINIO_ROOT_PASSWORD", secret: "minioRootPassword" }],
        health: health(9000, "/minio/health/live", 30),
        volumes: [{ volume: "fabric-minio-data", containerPath: "/data" }],
        labels: { "fabric.machine": "spark", "fabric.role": "store" },
      }),
    },
    mesh: null,
    burst: null,
    autoscale: [],
    autoscaler: null,
    // The reason route's backends (reasoner, swap) sit in different waves.
    waves: [["orchestrator", "reasoner"], ["swap"]],
    waveSettleSeconds: 12,
    clusters: [],
    violations: [],
  };
}

function machine(name: string, hardware: string, arch: "amd64" | "arm64", dockerHost: string, gpus: number): MachinePlan {
  return {
    name, hardware, cpuArch: arch, platform: `linux/${arch}`, dockerHost, address: `${name}.example.ts.net`, gpus,
    exporters: [container("node-exporter", "prom/node-exporter:v1.9.1", arch, name, {
      args: ["--path.rootfs=/host"], volumes: [{ volume: "/", containerPath: "/host", readOnly: true }], health: health(9100, "/metrics", 10),
    })],
  };
}

interface EngineFixture {
  deployment: string; machine: string; hardware: string; arch: "amd64" | "arm64"; port: number; recipe: string; hash: string;
  image: string; argv: string[]; files?: ContainerSpec["files"]; sync?: boolean;
}

function engine(e: EngineFixture): EnginePlan {
  const [first = "", ...rest] = e.argv;
  const spec = container(`${e.deployment}-${e.hash.slice(0, 8)}`, e.image, e.arch, e.machine, {
    entrypoint: [first], args: rest, gpus: [0], ipcHost: true, shmSizeMiB: 16384,
    secretEnv: [{ name: "HF_TOKEN", secret: "huggingFaceToken" }],
    health: health(e.port, "/health", 900), stopGraceSeconds: 30,
    volumes: [{ volume: `fabric-models-${e.machine}`, containerPath: "/models" }],
    files: e.files ?? [],
    labels: {
      "fabric.machine": e.machine, "fabric.deployment": e.deployment, "fabric.hardware": e.hardware, "fabric.engine": "vllm",
      "fabric.recipe": e.recipe, "fabric.recipe-hash": e.hash,
    },
  });
  return {
    deployment: e.deployment, machine: e.machine, hardware: e.hardware, engine: "vllm", recipe: e.recipe, recipeHash: e.hash,
    servedName: e.deployment, image: e.image, platform: `linux/${e.arch}`, argv: e.argv, port: e.port, address: `${e.machine}.example.ts.net`,
    metricsPath: "/metrics", metricsJob: "vllm", memory: null, maxModelLen: 32768, container: spec, cluster: null,
    workload: {
      image: e.image, command: null, args: e.argv.slice(1), env: {}, secretEnv: spec.secretEnv, gpus: 1, port: e.port, healthPath: "/health", healthCommand: null,
      metricsPath: "/metrics", loadSeconds: 900, drainSeconds: 30, sharedMemory: { host: true, sizeMiB: null }, files: e.files ?? [], cachePath: "/models",
      modelSync: null, labels: { "fabric.deployment": e.deployment, "fabric.engine": "vllm", "fabric.recipe": e.recipe, "fabric.recipe-hash": e.hash },
    },
    modelSync: e.sync
      ? {
        endpoint: "http://spark.example.ts.net:9000", bucket: "models", prefix: "vrfai/Qwen3.6-27B-NVFP4", localPath: "/models/store/vrfai/Qwen3.6-27B-NVFP4",
        container: container(`${e.deployment}-sync-${e.hash.slice(0, 8)}`, "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z", e.arch, e.machine, {
          entrypoint: ["/bin/sh", "-c"], args: ["mc alias set store http://spark.example.ts.net:9000 \"$STORE_ACCESS_KEY\" \"$STORE_SECRET_KEY\" && mc mirror store/models/x /models/store/x"],
          restart: "no", volumes: [{ volume: `fabric-models-${e.machine}`, containerPath: "/models" }],
        }),
      }
      : null,
  };
}

function container(name: string, image: string, arch: "amd64" | "arm64", machineName: string, over: Partial<ContainerSpec>): ContainerSpec {
  return {
    name, image, platform: `linux/${arch}`, entrypoint: null, args: [], env: {}, secretEnv: [], network: "bridge", ports: [],
    gpus: null, ipcHost: false, pidHost: false, shmSizeMiB: null, health: null, stopGraceSeconds: null, restart: "unless-stopped", labels: { "fabric.machine": machineName },
    volumes: [], files: [], ...over,
  };
}

function health(port: number, path: string, startPeriodSeconds: number): HealthCheck {
  return {
    test: ["CMD-SHELL", `curl -fsS -o /dev/null http://127.0.0.1:${port}${path}`], path, port,
    intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds,
  };
}
