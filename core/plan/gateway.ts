import { serviceImage } from "../catalog/services";
import type { Fleet } from "../fleet/schema";
import { type LiteLLMGroup, renderLiteLLMConfig } from "../render/litellm";
import { baseContainer, httpHealthCheck, listenHost, publishedPorts } from "./containers";
import { burstSlots } from "./burst";
import { type ResolvedFleet, servedModels } from "./resolve";
import { resolveRoute, type RouteTarget } from "./routes";
import type { GatewayPlan, GatewayRoutePlan, GatewayRouteTargetPlan, SecretEnv } from "./types";

export const MASTER_KEY_ENV = "LITELLM_MASTER_KEY";
const CONFIG_DIR = "/app";
const CONFIG_PATH = `${CONFIG_DIR}/config.yaml`;

/** Env var a cloud provider's key reaches the gateway in: `cloud-deepseek` → `CLOUD_DEEPSEEK_API_KEY`. */
export function providerKeyEnv(provider: string): string {
  return `${provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`;
}

/** Model groups: every served name with the engines behind it, and every burst host slot, reached over the mesh. */
export function gatewayGroups(resolved: ResolvedFleet): LiteLLMGroup[] {
  const groups = new Map<string, LiteLLMGroup>();
  for (const d of resolved.instances) {
    if (!d.machine) continue;
    for (const m of servedModels(d)) {
      const existing = groups.get(m.group);
      const backend = {
        deployment: d.name,
        apiBase: `http://${d.machine.spec.address}:${d.port}/v1`,
        engineModel: m.engineModel,
        ...(d.spec.swap ? { loadsOnDemand: true } : {}),
      };
      groups.set(m.group, {
        servedName: m.group,
        mode: m.mode,
        contextWindow: Math.min(existing?.contextWindow ?? Infinity, m.contextWindow),
        backends: [...(existing?.backends ?? []), backend],
      });
    }
  }
  // Every host slot of every pool, rented or not: hosts come and go without a gateway restart.
  for (const pool of resolved.fleet.burst?.pools ?? []) {
    const recipe = resolved.recipes.get(pool.recipe)?.recipe;
    if (!recipe) continue;
    const servedName = pool.servedName ?? pool.name;
    const existing = groups.get(servedName);
    const backends = burstSlots(resolved.fleet, pool).map((slot) => ({
      deployment: slot.hostName, apiBase: slot.baseUrl, engineModel: servedName, burstPool: pool.name,
    }));
    groups.set(servedName, {
      servedName,
      mode: recipe.engine === "tei" ? "embedding" : "chat",
      contextWindow: Math.min(existing?.contextWindow ?? Infinity, recipe.maxModelLen),
      backends: [...(existing?.backends ?? []), ...backends],
    });
  }
  return [...groups.values()];
}

/** A chain step with what stands behind it: local engines, burst pools' host slots, or a cloud model. */
function routeTargetPlan(t: RouteTarget, groups: readonly LiteLLMGroup[], resolved: ResolvedFleet): GatewayRouteTargetPlan {
  const group = groups.find((g) => g.servedName === t.name);
  const backends = t.kind === "group" ? group?.backends ?? [] : [];
  const pools = (resolved.fleet.burst?.pools ?? []).filter((p) => backends.some((b) => b.burstPool === p.name));
  return {
    name: t.name,
    kind: t.kind,
    contextWindow: t.contextWindow,
    deployments: backends.filter((b) => b.burstPool === undefined).map((b) => b.deployment),
    pools: pools.map((p) => ({ name: p.name, slots: p.maxHosts })),
  };
}

/** LiteLLM with the rendered config; depends only on names, addresses and ports, never on recipes. */
export function planGateway(fleet: Fleet, resolved: ResolvedFleet): GatewayPlan | null {
  const gateway = fleet.gateway;
  const machine = resolved.machines.find((m) => m.spec.name === gateway?.machine);
  if (!gateway || !machine) return null;
  const groups = gatewayGroups(resolved);
  // Targets whose engines could not be placed (a violation says why) are left out of the config.
  const known = new Set([...groups.map((g) => g.servedName), ...gateway.providers.map((p) => p.name)]);
  const routePlans = gateway.routes.flatMap((r): GatewayRoutePlan[] => {
    const chain = resolveRoute(resolved, r.name);
    const targets = chain.ok ? chain.chain.filter((t) => known.has(t.name)) : [];
    const [primary] = targets;
    if (!primary) return [];
    return [{
      name: r.name,
      contextWindow: r.contextWindow ?? primary.contextWindow,
      targets: targets.map((t) => routeTargetPlan(t, groups, resolved)),
    }];
  });
  const routes = routePlans.map((r) => ({ name: r.name, targets: r.targets.map((t) => t.name) }));
  const rendered = renderLiteLLMConfig({
    groups,
    providers: gateway.providers.map((p) => ({
      name: p.name, model: p.model, apiKeyEnv: providerKeyEnv(p.name), contextWindow: p.contextWindow,
      ...(p.apiBase === undefined ? {} : { apiBase: p.apiBase }),
    })),
    routes,
    masterKeyEnv: MASTER_KEY_ENV,
    numRetries: gateway.numRetries,
    timeoutSeconds: gateway.timeoutSeconds,
    allowedFails: gateway.allowedFails,
    cooldownSeconds: gateway.cooldownSeconds,
    healthCheckIntervalSeconds: gateway.healthCheckSeconds,
  });
  const secretEnv: SecretEnv[] = [
    ...(typeof gateway.masterKey === "object" ? [{ name: MASTER_KEY_ENV, secret: gateway.masterKey.secret }] : []),
    ...gateway.providers.flatMap((p) => (typeof p.apiKey === "object" ? [{ name: providerKeyEnv(p.name), secret: p.apiKey.secret }] : [])),
  ];
  return {
    machine: machine.spec.name,
    url: `http://${machine.spec.address}:${gateway.port}`,
    routes: routePlans,
    config: rendered.config,
    configYaml: rendered.yaml,
    modules: rendered.modules,
    container: {
      ...baseContainer("litellm", serviceImage("litellm", fleet.images), machine),
      args: ["--config", CONFIG_PATH, "--host", listenHost(machine), "--port", String(gateway.port), "--num_workers", "1"],
      // The cost map is bundled; without this LiteLLM fetches it from the internet at start.
      env: { LITELLM_LOCAL_MODEL_COST_MAP: "True" },
      secretEnv,
      ports: publishedPorts(machine, [gateway.port]),
      health: httpHealthCheck(machine, gateway.port, "/health/readiness", 60),
      labels: { "fabric.machine": machine.spec.name, "fabric.role": "gateway" },
      // Callback modules sit beside the config: LiteLLM imports them from the config's directory.
      files: [{ containerPath: CONFIG_PATH, content: rendered.yaml }, ...rendered.modules.map((m) => ({ containerPath: `${CONFIG_DIR}/${m.file}`, content: m.content }))],
    },
  };
}
