import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { plan } from "../../core/plan/plan";
import { stackFleet } from "../support/stacks";

describe("plan() on the homelab fleet", () => {
  const homelab = stackFleet("homelab");
  const p = plan(homelab);

  test("has no violations", () => {
    assert.deepEqual(p.violations.filter((v) => v.severity === "error"), []);
  });

  test("is deterministic: same fleet, same bytes", () => {
    assert.equal(JSON.stringify(plan(stackFleet("homelab"))), JSON.stringify(p));
  });

  test("places every deployment with the image for its machine's CPU architecture", () => {
    const byName = Object.fromEntries(p.engines.map((e) => [e.deployment, e]));
    assert.deepEqual(Object.keys(byName).sort(), ["embeddings", "orchestrator", "reasoner", "swap"]);
    assert.equal(byName.reasoner?.platform, "linux/arm64");
    assert.equal(byName.orchestrator?.platform, "linux/amd64");
  });

  test("the reasoner carries the seed's flags", () => {
    const argv = p.engines.find((e) => e.deployment === "reasoner")!.argv.join(" ");
    for (const flag of ["--max-model-len 131072", "--gpu-memory-utilization 0.55", "--max-num-seqs 10", "--kv-cache-dtype fp8"]) {
      assert.ok(argv.includes(flag), `${flag} in ${argv}`);
    }
    assert.match(argv, /"num_speculative_tokens":15/);
  });

  test("the reasoner syncs its weights from the store before it starts", () => {
    const reasoner = p.engines.find((e) => e.deployment === "reasoner")!;
    assert.ok(reasoner.modelSync, "modelSync planned");
    assert.match(reasoner.modelSync.container.args.join(" "), /mc mirror --overwrite --remove store\/models\/vrfai\/Qwen3.6-27B-NVFP4 /);
    assert.ok(reasoner.argv.some((a) => a.includes("/store/vrfai/Qwen3.6-27B-NVFP4")), "engine reads the synced path");
  });

  test("engine containers are named by recipe hash and labelled", () => {
    for (const e of p.engines) {
      assert.ok(e.container.name.startsWith(`${e.deployment}-${e.recipeHash.slice(0, 8)}`));
      for (const label of ["fabric.deployment", "fabric.machine", "fabric.hardware", "fabric.engine", "fabric.recipe", "fabric.recipe-hash"]) {
        assert.ok(e.container.labels[label], `${e.deployment} has ${label}`);
      }
    }
  });

  test("no engine is published on 0.0.0.0", () => {
    for (const e of p.engines) for (const port of e.container.ports) assert.notEqual(port.ip, "0.0.0.0");
  });

  test("reasoner and its swap fallback roll out in different waves", () => {
    const waveOf = (d: string) => p.waves.findIndex((w) => w.includes(d));
    assert.notEqual(waveOf("reasoner"), waveOf("swap"));
    assert.equal(p.waves.flat().length, p.engines.length);
  });

  test("waves settle for the gateway's probe interval + probe timeout + 2 s (or its cooldown + 2 s when longer); engines drain for rollout.drainSeconds", () => {
    assert.equal(p.waveSettleSeconds, 22);
    const slowCooldown = stackFleet("homelab");
    assert.equal(plan({ ...slowCooldown, gateway: { ...slowCooldown.gateway!, cooldownSeconds: 60 } }).waveSettleSeconds, 62);
    assert.ok(p.engines.every((e) => e.container.stopGraceSeconds === 30), "drainSeconds defaults to 30");
    assert.equal(p.gateway!.container.stopGraceSeconds, null);
    const fleet = stackFleet("homelab");
    const noGateway = plan({ ...fleet, gateway: undefined, rollout: { ...fleet.rollout, drainSeconds: 0 } });
    assert.equal(noGateway.waveSettleSeconds, 0, "nothing to wait for without a gateway");
    assert.ok(noGateway.engines.every((e) => e.container.stopGraceSeconds === 0));
  });

  test("Prometheus scrapes every engine that has metrics, the gateway and the exporters", () => {
    const scraped = new Set(p.monitoring!.targets.flatMap((t) => (t.deployment ? [t.deployment] : [])));
    for (const e of p.engines) if (e.metricsPath) assert.ok(scraped.has(e.deployment), `${e.deployment} scraped`);
    assert.ok(p.monitoring!.targets.some((t) => t.job === "litellm"));
    assert.ok(p.monitoring!.targets.some((t) => t.job === "dcgm" && t.target === "spark.example.ts.net:9400"));
  });

  test("the gateway routes reason → reasoner → burst pool → swap model → cloud, with keys only as env references", () => {
    const yaml = p.gateway!.configYaml;
    assert.match(yaml, /reason:\s*\n\s*- reason-burst\s*\n\s*- r1-distill-14b-q4\s*\n\s*- cloud-deepseek\s*\n\s*- cloud-claude/);
    assert.match(yaml, /os\.environ\/CLOUD_DEEPSEEK_API_KEY/);
    assert.deepEqual(p.gateway!.container.secretEnv.map((s) => s.secret).sort(), ["anthropicApiKey", "deepseekApiKey", "litellmMasterKey"]);
  });

  test("burst keys are ephemeral, preauthorised and expiring; static keys are not ephemeral", () => {
    const burst = p.mesh!.keys.find((k) => k.role === "burst")!;
    assert.deepEqual([burst.ephemeral, burst.preauthorized, burst.expirySeconds <= 3600], [true, true, true]);
    assert.ok(p.mesh!.keys.filter((k) => k.role !== "burst").every((k) => !k.ephemeral));
  });
});

describe("plan() on the local fleet", () => {
  const p = plan(stackFleet("local"));

  test("has no violations", () => {
    assert.deepEqual(p.violations, []);
  });

  test("two replicas on consecutive ports, in separate waves, both on host networking", () => {
    assert.deepEqual(p.engines.map((e) => [e.deployment, e.port]), [["tiny-1", 8081], ["tiny-2", 8082]]);
    assert.deepEqual(p.waves, [["tiny-1"], ["tiny-2"]]);
    assert.ok(p.engines.every((e) => e.container.network === "host" && e.container.gpus === null));
  });

  test("the memory fit sizes the same context llama.cpp is started with (-c)", () => {
    for (const e of p.engines) {
      const c = Number(e.argv[e.argv.indexOf("-c") + 1]);
      assert.equal(c, 4096 * 2, "maxModelLen × maxNumSeqs");
      assert.equal(e.memory?.kvCacheTokens, c);
      assert.equal(e.memory?.maxConcurrency, 2);
    }
  });

  test("the route 'chat' load-balances both replicas", () => {
    const entries = (p.gateway!.config as { model_list: { model_name: string; litellm_params: { api_base: string } }[] }).model_list;
    const chat = entries.filter((m) => m.model_name === "chat").map((m) => m.litellm_params.api_base).sort();
    assert.deepEqual(chat, ["http://127.0.0.1:8081/v1", "http://127.0.0.1:8082/v1"]);
  });
});

describe("engine health checks", () => {
  test("Ollama's container probes with the ollama binary in exec form: its image has no curl, wget or python3", async () => {
    const { Fleet } = await import("../../core/fleet/schema");
    const { validFleet } = await import("../support/fleets");
    const fleet = validFleet();
    fleet.recipes.local = { engine: "ollama", model: { id: "Qwen/Qwen3-8B-GGUF", config: "qwen3-8b" }, quantization: "gguf-q4_k_m", maxModelLen: 4096 };
    fleet.deployments.push({ name: "local", recipe: "local", machine: "gpu1", port: 11434 });
    const engine = plan(Fleet.parse(fleet)).engines.find((e) => e.deployment === "local");
    assert.deepEqual(engine?.container.health?.test, ["CMD", "ollama", "show", "local"]);
    const vllm = plan(Fleet.parse(fleet)).engines.find((e) => e.deployment === "chat");
    assert.equal(vllm?.container.health?.test[0], "CMD-SHELL", "HTTP engines keep the HTTP probe");
  });
});
