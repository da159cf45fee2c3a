import { DCGM_EXPORTER_PORT, NODE_EXPORTER_PORT } from "../checks/ports";
import type { Fleet } from "../fleet/schema";
import { type MeshMachine, type MeshRole, meshTags, renderTailscalePolicy, roleTag } from "../render/tailscale-policy";
import type { ResolvedFleet } from "./resolve";
import type { MeshKeyPlan, MeshPlan } from "./types";

/** Static machines keep their keys for the Tailscale maximum (90 days); rotate by replacing the key. */
const STATIC_KEY_EXPIRY_SECONDS = 7_776_000;

/** Which roles each machine plays and which ports others must reach on it. */
export function meshMachines(fleet: Fleet, resolved: ResolvedFleet): MeshMachine[] {
  return resolved.machines.map((m) => {
    const name = m.spec.name;
    const roles: MeshRole[] = [];
    if (fleet.gateway?.machine === name) roles.push("gateway");
    const enginePorts = resolved.instances.filter((d) => d.machine === m).map((d) => d.port).sort((a, b) => a - b);
    if (enginePorts.length > 0) roles.push("engine");
    if (fleet.monitoring?.machine === name) roles.push("monitoring");
    if (fleet.storage?.machine === name) roles.push("store");
    if (fleet.burst?.autoscaler?.machine === name) roles.push("autoscaler");
    const exporters = fleet.monitoring?.exporters ?? false;
    const metricsPorts = !exporters ? [] : m.hardware && m.hardware.family !== "cpu" ? [NODE_EXPORTER_PORT, DCGM_EXPORTER_PORT] : [NODE_EXPORTER_PORT];
    return { name, roles, enginePorts, metricsPorts };
  });
}

/** The tailnet policy (least privilege, with tests) and the auth keys each kind of member joins with. */
export function planMesh(fleet: Fleet, resolved: ResolvedFleet): MeshPlan | null {
  const mesh = fleet.mesh;
  if (!mesh) return null;
  const machines = meshMachines(fleet, resolved);
  const rendered = renderTailscalePolicy({
    machines,
    gatewayPort: fleet.gateway?.port ?? null,
    storePorts: fleet.storage ? [fleet.storage.port] : [],
    storeConsolePort: fleet.storage?.consolePort ?? null,
    monitoringPort: fleet.monitoring?.port ?? null,
    autoscalerPort: fleet.burst?.autoscaler?.port ?? null,
    burst: fleet.burst ? { enginePort: fleet.burst.port } : null,
    machineTags: true,
  });
  const keys: MeshKeyPlan[] = machines.map((m) => ({
    role: m.name, tags: meshTags(m, true), reusable: true, ephemeral: false, preauthorized: true, expirySeconds: STATIC_KEY_EXPIRY_SECONDS,
  }));
  if (fleet.burst) {
    keys.push({ role: "burst", tags: [roleTag("burst")], reusable: true, ephemeral: true, preauthorized: true, expirySeconds: mesh.burstKeyExpirySeconds });
  }
  return {
    tailnet: mesh.tailnet,
    policy: rendered.policy,
    policyHujson: rendered.hujson,
    keys,
    apiKeySecret: typeof mesh.apiKey === "object" ? mesh.apiKey.secret : null,
  };
}
