import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import YAML from "yaml";
import { type LiteLLMInput, renderLiteLLMConfig } from "../../core/render/litellm";
import { BURST_GATE_CALLBACK, BURST_GATE_FILE, burstGateFreshSeconds, renderBurstGate } from "../../core/render/litellm-burst-gate";

const raw = { serializers: [(v: unknown) => v] };

/** The seed homelab: a 5090 workstation (orchestrator, embeddings, swap slot) and a DGX Spark reasoner. */
function homelab(): LiteLLMInput {
  const ws = "http://workstation.example.ts.net";
  return {
    groups: [
      { servedName: "reasoner", mode: "chat", contextWindow: 131072, backends: [
        { deployment: "spark-reasoner", apiBase: "http://spark.example.ts.net:8120/v1", engineModel: "reasoner" },
      ] },
      { servedName: "orchestrator", mode: "chat", contextWindow: 32768, backends: [
        { deployment: "orchestrator", apiBase: `${ws}:8199/v1`, engineModel: "orchestrator" },
      ] },
      { servedName: "embeddings", mode: "embedding", contextWindow: 8192, backends: [
        { deployment: "embeddings", apiBase: `${ws}:8209/v1`, engineModel: "embeddings" },
      ] },
      { servedName: "swap-r1", mode: "chat", contextWindow: 131072, backends: [
        { deployment: "swap", apiBase: `${ws}:8176/v1`, engineModel: "swap-r1", loadsOnDemand: true },
      ] },
    ],
    providers: [
      { name: "cloud-deepseek", model: "deepseek/deepseek-chat", apiKeyEnv: "DEEPSEEK_API_KEY", contextWindow: 131072 },
      { name: "cloud-claude", model: "anthropic/claude-sonnet-4-5", apiKeyEnv: "ANTHROPIC_API_KEY", contextWindow: 200000 },
    ],
    routes: [
      { name: "reason", targets: ["reasoner", "swap-r1", "cloud-deepseek", "cloud-claude"] },
      { name: "chat", targets: ["orchestrator", "cloud-deepseek"] },
    ],
    masterKeyEnv: "LITELLM_MASTER_KEY",
    numRetries: 2,
    timeoutSeconds: 600,
    allowedFails: 3,
    cooldownSeconds: 30,
  };
}

type Entry = { model_name: string; litellm_params: Record<string, string>; model_info: Record<string, unknown> };
const entries = (yaml: string, name: string): Entry[] =>
  (YAML.parse(yaml) as { model_list: Entry[] }).model_list.filter((e) => e.model_name === name);

describe("renderLiteLLMConfig", () => {
  it("renders the homelab gateway config", (t) => {
    t.assert.snapshot(renderLiteLLMConfig(homelab()).yaml, raw);
  });

  it("the YAML parses back to the returned config", () => {
    const { config, yaml } = renderLiteLLMConfig(homelab());
    assert.deepEqual(YAML.parse(yaml), JSON.parse(JSON.stringify(config)));
  });

  it("falls back along the route's chain in order, after the primary", () => {
    const { config } = renderLiteLLMConfig(homelab());
    assert.deepEqual(config.router_settings.fallbacks, [
      { chat: ["cloud-deepseek"] },
      { reason: ["swap-r1", "cloud-deepseek", "cloud-claude"] },
    ]);
  });

  it("context-window fallbacks list the later cloud providers, never engines (whose windows follow recipes)", () => {
    const { config } = renderLiteLLMConfig(homelab());
    assert.deepEqual(config.router_settings.context_window_fallbacks, [
      { chat: ["cloud-deepseek"] },
      { reason: ["cloud-deepseek", "cloud-claude"] },
    ]);
    const input = homelab();
    const same = renderLiteLLMConfig({ ...input, routes: [{ name: "reason", targets: ["reasoner", "swap-r1"] }] });
    assert.deepEqual(same.config.router_settings.context_window_fallbacks, []);
    const fromCloud = renderLiteLLMConfig({ ...input, routes: [{ name: "reason", targets: ["cloud-deepseek", "reasoner", "cloud-claude"] }] });
    assert.deepEqual(fromCloud.config.router_settings.context_window_fallbacks, [{ reason: ["cloud-claude"] }]);
  });

  it("engine context windows do not reach the config: a recipe's maxModelLen change leaves it byte-identical", () => {
    const input = homelab();
    const wider = { ...input, groups: input.groups.map((g) => ({ ...g, contextWindow: g.contextWindow * 2 })) };
    assert.equal(renderLiteLLMConfig(wider).yaml, renderLiteLLMConfig(input).yaml);
  });

  it("clients call the route name: its entries copy the primary's backends", () => {
    const { yaml } = renderLiteLLMConfig(homelab());
    const [route] = entries(yaml, "reason");
    const [primary] = entries(yaml, "reasoner");
    assert.ok(route && primary);
    assert.deepEqual(route.litellm_params, primary.litellm_params);
    assert.equal(route.model_info.id, "reason@spark-reasoner");
    // LiteLLM keeps health per entry id: the copy is probed too, so a stalled primary leaves the route.
    assert.equal(route.model_info.disable_background_health_check, undefined);
    assert.equal(primary.model_info.disable_background_health_check, undefined);
    const chat = entries(yaml, "chat");
    assert.deepEqual(chat.map((e) => e.litellm_params.api_base), ["http://workstation.example.ts.net:8199/v1"]);
    const cloudFirst = renderLiteLLMConfig({ ...homelab(), routes: [{ name: "cloud-first", targets: ["cloud-claude", "reasoner"] }] });
    const [copy] = entries(cloudFirst.yaml, "cloud-first");
    assert.equal(copy?.model_info.id, "cloud-first@cloud-claude");
    assert.equal(copy?.litellm_params.api_key, "os.environ/ANTHROPIC_API_KEY");
  });

  it("gives every entry a unique id", () => {
    const ids = renderLiteLLMConfig(homelab()).config.model_list.map((e) => e.model_info.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("speaks plain OpenAI to every engine and sends no key it does not need", () => {
    const { config } = renderLiteLLMConfig(homelab());
    const engines = config.model_list.filter((e) => e.litellm_params.api_base?.includes("example.ts.net"));
    assert.equal(engines.length, 6);
    for (const e of engines) {
      assert.match(e.litellm_params.model, /^openai\//);
      assert.equal(e.litellm_params.api_key, "none");
    }
    const [embed] = config.model_list.filter((e) => e.model_name === "embeddings");
    assert.equal(embed?.model_info.mode, "embedding");
    assert.equal(embed?.model_info.max_input_tokens, undefined, "engine windows follow recipes; the gateway does not carry them");
  });

  it("leaves swap slots and paid providers out of background health checks", () => {
    const { config } = renderLiteLLMConfig(homelab());
    const skipped = config.model_list.filter((e) => e.model_info.disable_background_health_check).map((e) => e.model_info.id);
    assert.deepEqual(skipped, ["swap-r1@swap", "cloud-claude", "cloud-deepseek"]);
    assert.equal(config.router_settings.enable_health_check_routing, true);
    assert.deepEqual(config.router_settings.background_health_check_model_groups, ["chat", "embeddings", "orchestrator", "reason", "reasoner"]);
  });

  it("holds no secret values, only os.environ references", () => {
    const { config, yaml } = renderLiteLLMConfig(homelab());
    for (const pattern of [/sk-[A-Za-z0-9]/, /hf_[A-Za-z0-9]/, /tskey-/, /[A-Za-z0-9+/=]{40,}/]) {
      assert.doesNotMatch(yaml, pattern);
    }
    for (const e of config.model_list) assert.match(e.litellm_params.api_key, /^(os\.environ\/[A-Z_][A-Z0-9_]*|none)$/);
    assert.equal(config.general_settings.master_key, "os.environ/LITELLM_MASTER_KEY");
    assert.deepEqual(entries(yaml, "cloud-claude")[0]?.litellm_params.api_key, "os.environ/ANTHROPIC_API_KEY");
  });

  it("refuses a secret where an env var name belongs", () => {
    assert.throws(() => renderLiteLLMConfig({ ...homelab(), masterKeyEnv: "sk-1234567890" }),
      /masterKeyEnv: 'sk-1234567890' is not an environment variable name/);
    const providers = [{ name: "cloud-x", model: "openai/gpt-x", apiKeyEnv: "sk-live-abc", contextWindow: 1000 }];
    assert.throws(() => renderLiteLLMConfig({ ...homelab(), providers, routes: [] }), /providers\.cloud-x\.apiKeyEnv/);
  });

  it("is stable when only engine recipes change", () => {
    // Plan data carries recipe details next to the addresses; the renderer must not read them.
    const withRecipe = (recipe: string, image: string) => {
      const input = homelab();
      return {
        ...input,
        groups: input.groups.map((g) => ({
          ...g,
          backends: g.backends.map((b) => ({ ...b, recipe, recipeHash: `${recipe}-hash`, image, argv: ["--quantization", recipe] })),
        })),
      };
    };
    const before = renderLiteLLMConfig(withRecipe("awq-4bit", "vllm/vllm-openai:v0.11.0")).yaml;
    const after = renderLiteLLMConfig(withRecipe("fp8", "lmsysorg/sglang:v0.5.0")).yaml;
    assert.equal(after, before);
  });

  it("does not depend on the order of groups, backends or providers", () => {
    const input = homelab();
    const shuffled: LiteLLMInput = {
      ...input,
      groups: [...input.groups].reverse().map((g) => ({ ...g, backends: [...g.backends].reverse() })),
      providers: [...input.providers].reverse(),
      routes: [...input.routes].reverse(),
    };
    assert.equal(renderLiteLLMConfig(shuffled).yaml, renderLiteLLMConfig(input).yaml);
  });

  it("load-balances replicas of one served name in one group", () => {
    const input = homelab();
    const groups = input.groups.map((g) => g.servedName !== "orchestrator" ? g : {
      ...g,
      backends: [2, 1].map((i) => ({ deployment: `orchestrator-${i}`, apiBase: `http://workstation.example.ts.net:${8198 + i}/v1`, engineModel: "orchestrator" })),
    });
    const { yaml } = renderLiteLLMConfig({ ...input, groups });
    assert.deepEqual(entries(yaml, "orchestrator").map((e) => e.model_info.id), ["orchestrator@orchestrator-1", "orchestrator@orchestrator-2"]);
    assert.equal(entries(yaml, "chat").length, 2);
  });

  it("names the problem when a route or model name is wrong", () => {
    const input = homelab();
    assert.throws(() => renderLiteLLMConfig({ ...input, routes: [{ name: "reason", targets: ["reasoner", "cloud-gpt"] }] }),
      /route 'reason': target 'cloud-gpt' is not a served name or provider; known: /);
    assert.throws(() => renderLiteLLMConfig({ ...input, routes: [{ name: "reasoner", targets: ["swap-r1"] }] }),
      /route 'reasoner' has the same name as a served model or provider/);
    assert.throws(() => renderLiteLLMConfig({ ...input, providers: [{ ...input.providers[0]!, name: "reasoner" }] }),
      /model name 'reasoner' is used twice/);
    assert.throws(() => renderLiteLLMConfig({ ...input, groups: [{ servedName: "empty", mode: "chat", contextWindow: 1, backends: [] }] }),
      /served name 'empty' has no backends/);
  });
});

describe("gateway metrics", () => {
  it("lets Prometheus scrape the gateway without the master key (LiteLLM asks for it by default)", () => {
    const { config } = renderLiteLLMConfig({ groups: [], providers: [], routes: [], masterKeyEnv: "LITELLM_MASTER_KEY", numRetries: 1, timeoutSeconds: 60, allowedFails: 1, cooldownSeconds: 10 });
    assert.equal((config.litellm_settings as Record<string, unknown>).require_auth_for_metrics_endpoint, false);
  });
});

describe("gateway failover between replicas", () => {
  const { config } = renderLiteLLMConfig({ groups: [], providers: [], routes: [], masterKeyEnv: "LITELLM_MASTER_KEY", numRetries: 3, timeoutSeconds: 60, allowedFails: 3, cooldownSeconds: 10 });
  const router = config.router_settings as Record<string, unknown>;

  it("tells LiteLLM to skip a backend from its first refused connection, 502 or 503 (the e2e rollout shows the effect)", () => {
    // LiteLLM maps a refused connection to InternalServerError ("Connection error") and a loading
    // llama-server's 503 to ServiceUnavailableError; both must cool the backend down at once.
    assert.deepEqual(router.allowed_fails_policy, { InternalServerErrorAllowedFails: 0, BadGatewayErrorAllowedFails: 0, ServiceUnavailableErrorAllowedFails: 0, TimeoutErrorAllowedFails: 0 });
    assert.equal(router.allowed_fails, 3, "other failures keep the fleet's allowedFails");
    assert.equal(router.cooldown_time, 10);
    assert.equal(router.num_retries, 3);
  });

  it("gives no retries to a lone backend that a route falls back from: retrying it would only back off (the e2e fallback test measures it)", () => {
    // reason (a copy of the one reasoner) → swap-r1 (one) → cloud-deepseek → cloud-claude; chat (a copy of orchestrator) → cloud-deepseek.
    // Every single-backend name followed by a later target gets DefaultRetries 0; cloud-claude, always last, keeps its retries.
    const policy = renderLiteLLMConfig(homelab()).config.router_settings.model_group_retry_policy as Record<string, unknown>;
    assert.deepEqual(Object.keys(policy), ["chat", "cloud-deepseek", "reason", "swap-r1"]);
    assert.deepEqual(policy.reason, { DefaultRetries: 0 });
  });
});

describe("burst gate (a burst host slot is routable only after its own probe passed)", () => {
  const withPool = (): LiteLLMInput => {
    const h = homelab();
    return {
      ...h,
      healthCheckIntervalSeconds: 15,
      groups: h.groups.map((g) => g.servedName !== "reasoner" ? g : { ...g, backends: [...g.backends,
        { deployment: "reasoner-burst-1", apiBase: "http://reasoner-burst-1:8000/v1", engineModel: "reasoner", burstPool: "reasoner-burst" }] }),
    };
  };

  it("is named as a callback and shipped beside the config only when the fleet has burst slots", () => {
    const plain = renderLiteLLMConfig(homelab());
    assert.deepEqual(plain.modules, []);
    assert.deepEqual(plain.config.litellm_settings.callbacks, ["prometheus"]);
    const gated = renderLiteLLMConfig(withPool());
    assert.deepEqual(gated.modules.map((m) => m.file), [BURST_GATE_FILE]);
    assert.deepEqual(gated.config.litellm_settings.callbacks, ["prometheus", BURST_GATE_CALLBACK]);
    assert.equal(BURST_GATE_CALLBACK.split(".")[0], BURST_GATE_FILE.replace(/\.py$/, ""), "LiteLLM imports <module>.<instance> from the config's directory");
    assert.deepEqual(entries(gated.yaml, "reason").map((e) => e.model_info.burst_pool), ["reasoner-burst", undefined], "route copies keep the pool mark the gate reads");
  });

  it("trusts a probe for two rounds plus one probe timeout", () => {
    assert.equal(burstGateFreshSeconds(15, 5), 35);
    assert.match(renderLiteLLMConfig(withPool()).modules[0]!.content, /^FRESH_SECONDS = 35$/m);
    assert.throws(() => renderBurstGate({ freshSeconds: 0, slots: [] }), /freshSeconds must be positive/);
    assert.throws(() => renderBurstGate({ freshSeconds: 35, slots: ["x\"); import os; #"] }), /is not a host name/);
    assert.match(renderLiteLLMConfig(withPool()).modules[0]!.content, /^SLOTS = frozenset\(\["reasoner-burst-1"\]\)$/m);
  });

  it("is Python that compiles", { skip: spawnSync("python3", ["--version"]).status !== 0 ? "SKIPPED: no python3 on PATH" : false }, () => {
    const source = renderLiteLLMConfig(withPool()).modules[0]!.content;
    const r = spawnSync("python3", ["-c", "import sys; compile(sys.stdin.read(), 'fabric_burst_gate.py', 'exec')"], { input: source, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });
});
