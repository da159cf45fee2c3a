// Routes reach burst pools: one gateway entry and one scrape target per host slot, whether or not a
// host is rented, and every check that knows route targets knows pools.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import YAML from "yaml";
import { parseFleet } from "../../core/fleet/load";
import type { Fleet } from "../../core/fleet/schema";
import { burstSlots } from "../../core/plan/burst";
import { plan } from "../../core/plan/plan";
import type { LiteLLMConfigFile } from "../../core/render/litellm";
import { validFleet } from "../support/fleets";
import { stackFleet } from "../support/stacks";

/** validFleet with a mesh and a pool `rent` (vLLM, 16K context) of 3 host slots. */
function fleetWithPool(change: (f: any) => void = () => {}): Fleet {
  const f = validFleet();
  f.recipes["llama-8b-rented"] = { ...f.recipes["llama-8b"], maxModelLen: 16384 };
  f.burst = {
    provider: "vast", apiKey: { secret: "vastApiKey" }, budgetPerHour: 5,
    pools: [{ name: "rent", recipe: "llama-8b-rented", maxHosts: 3, maxPricePerHour: 1, gpu: ["rtx-4090"] }],
  };
  f.mesh = { provider: "tailscale", tailnet: "example.ts.net" };
  f.gateway.routes = [{ name: "smart", targets: ["big", "rent", "cloud"], contextWindow: 8192 }];
  change(f);
  const parsed = parseFleet(YAML.stringify(f));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.violations));
  return parsed.fleet;
}

const configOf = (fleet: Fleet) => plan(fleet).gateway?.config as LiteLLMConfigFile;
const errors = (fleet: Fleet) => plan(fleet).violations.filter((v) => v.severity === "error");

describe("burst host slots", () => {
  test("slot n is <pool>-<n>.<tailnet> at burst.port, for every n up to maxHosts", () => {
    const fleet = fleetWithPool();
    const pool = fleet.burst!.pools[0]!;
    assert.deepEqual(burstSlots(fleet, pool).map((s) => s.baseUrl), [
      "http://rent-1.example.ts.net:8000/v1", "http://rent-2.example.ts.net:8000/v1", "http://rent-3.example.ts.net:8000/v1",
    ]);
  });

  test("a tailnet that is no *.ts.net name gives the bare host name (MagicDNS search domain)", () => {
    const fleet = fleetWithPool((f) => { f.mesh.tailnet = "example-org"; f.burst.port = 8100; });
    assert.deepEqual(burstSlots(fleet, fleet.burst!.pools[0]!).map((s) => `${s.address}:${s.port}`), ["rent-1:8100", "rent-2:8100", "rent-3:8100"]);
  });

  test("slotAddresses override slot n's address and port; later slots keep their tailnet name", () => {
    const fleet = fleetWithPool((f) => { f.burst.pools[0].slotAddresses = [{ address: "127.0.0.1", port: 41001 }, { address: "127.0.0.1", port: 41002 }]; });
    assert.deepEqual(burstSlots(fleet, fleet.burst!.pools[0]!).map((s) => s.baseUrl), [
      "http://127.0.0.1:41001/v1", "http://127.0.0.1:41002/v1", "http://rent-3.example.ts.net:8000/v1",
    ]);
  });

  test("more slot addresses than host slots is refused, naming the field", () => {
    const fleet = fleetWithPool((f) => { f.burst.pools[0].maxHosts = 1; f.burst.pools[0].slotAddresses = [{ address: "127.0.0.1", port: 41001 }, { address: "127.0.0.1", port: 41002 }]; });
    const found = errors(fleet).find((v) => v.path === "burst.pools[0].slotAddresses");
    assert.match(found?.message ?? "", /lists 2 slot addresses but has 1 host slots/);
  });

  test("a slot's tailnet name cannot also be a machine's name", () => {
    const fleet = fleetWithPool((f) => { f.machines.push({ name: "rent-2", hardware: "rtx-4090", address: "rent-2.example.ts.net", bindAddress: "100.64.0.3" }); });
    assert.ok(errors(fleet).some((v) => v.rule === "duplicate-name" && /machine name 'rent-2'/.test(v.message)), JSON.stringify(errors(fleet)));
  });
});

describe("a route whose target is a burst pool", () => {
  test("falls back through the pool's group: one entry per host slot, marked burst_pool", () => {
    const config = configOf(fleetWithPool());
    const slots = config.model_list.filter((e) => e.model_name === "rent");
    assert.deepEqual(slots.map((e) => [e.model_info.id, e.litellm_params.api_base, e.litellm_params.model, e.model_info.burst_pool]), [
      ["rent@rent-1", "http://rent-1.example.ts.net:8000/v1", "openai/rent", "rent"],
      ["rent@rent-2", "http://rent-2.example.ts.net:8000/v1", "openai/rent", "rent"],
      ["rent@rent-3", "http://rent-3.example.ts.net:8000/v1", "openai/rent", "rent"],
    ]);
    assert.deepEqual(config.router_settings.fallbacks, [{ smart: ["rent", "cloud"] }]);
    assert.deepEqual(errors(fleetWithPool()), []);
  });

  test("a pool as primary: the route copies its slots", () => {
    const config = configOf(fleetWithPool((f) => { f.gateway.routes = [{ name: "smart", targets: ["rent", "cloud"] }]; }));
    assert.deepEqual(config.model_list.filter((e) => e.model_name === "smart").map((e) => [e.model_info.id, e.model_info.burst_pool]), [
      ["smart@rent-1", "rent"], ["smart@rent-2", "rent"], ["smart@rent-3", "rent"],
    ]);
  });

  test("a pool serving a local engine's name adds its slots to that group", () => {
    const config = configOf(fleetWithPool((f) => { f.burst.pools[0].servedName = "chat"; f.gateway.routes = [{ name: "smart", targets: ["chat", "cloud"] }]; }));
    assert.deepEqual(config.model_list.filter((e) => e.model_name === "chat").map((e) => e.model_info.id), ["chat@chat", "chat@rent-1", "chat@rent-2", "chat@rent-3"]);
  });

  test("the plan's route chain names the pool and its window; a pool below the promised window is refused", () => {
    const p = plan(fleetWithPool());
    assert.deepEqual(p.gateway?.routes[0]?.targets.map((t) => [t.name, t.contextWindow, t.pools.map((x) => `${x.name}:${x.slots}`).join()]), [
      ["big", 32768, ""], ["rent", 16384, "rent:3"], ["cloud", 131072, ""],
    ]);
    const tooSmall = fleetWithPool((f) => { f.gateway.routes[0].contextWindow = 32768; });
    assert.ok(errors(tooSmall).some((v) => v.rule === "gateway-routes-resolve" && /fallback 'rent' serves 16384 tokens but route 'smart' promises 32768/.test(v.message)));
  });

  test("a misspelt pool gets a did-you-mean", () => {
    const fleet = fleetWithPool((f) => { f.gateway.routes[0].targets = ["big", "rnet"]; });
    assert.ok(errors(fleet).some((v) => /route target 'rnet' .*did you mean 'rent'/.test(v.message)), JSON.stringify(errors(fleet)));
  });

  test("a pool cannot share a deployment's name", () => {
    const fleet = fleetWithPool((f) => { f.burst.pools[0].name = "chat"; });
    assert.ok(errors(fleet).some((v) => v.rule === "duplicate-name" && v.path === "burst.pools[0].name"));
  });
});

describe("Prometheus scrapes burst host slots", () => {
  test("one target per slot, labelled with its pool; the homelab's two slots included", () => {
    const p = plan(fleetWithPool());
    assert.deepEqual(p.monitoring?.targets.filter((t) => t.deployment?.startsWith("rent-")).map((t) => `${t.job} ${t.target}`), [
      "vllm rent-1.example.ts.net:8000", "vllm rent-2.example.ts.net:8000", "vllm rent-3.example.ts.net:8000",
    ]);
    assert.match(p.monitoring?.prometheusYml ?? "", /burst_pool: rent/);
    const homelab = plan(stackFleet("homelab"));
    assert.deepEqual(homelab.monitoring?.targets.filter((t) => t.deployment?.startsWith("reason-burst-")).map((t) => t.target),
      ["reason-burst-1.example.ts.net:8000", "reason-burst-2.example.ts.net:8000"]);
  });
});
