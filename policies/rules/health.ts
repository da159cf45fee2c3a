// Health: every long-running container has a health check (rollouts are health-gated) and comes back after a crash or reboot.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CONTAINER, containerView, describeContainer, isEngine } from "../container-props";

export interface HealthcheckRequiredConfig {
  /** Shortest health check start period an engine may have, seconds: model loading takes minutes. @default 120 */
  readonly minEngineStartPeriodSeconds?: number;
  /** Restart policies that bring a container back. @default ["unless-stopped", "always", "on-failure"] */
  readonly restartPolicies?: readonly string[];
}

export const DEFAULT_MIN_ENGINE_START_PERIOD_SECONDS = 120;
const RESTART_POLICIES = ["unless-stopped", "always", "on-failure"];

/** Seconds of a Go duration such as `900s`, `1m30s` or `2h`; undefined when it is not one. */
export function durationSeconds(duration: string): number | undefined {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, "µs": 1e-6, ns: 1e-9 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] as string] ?? 0), 0);
}

export const healthcheckRequired: ResourceValidationPolicy = {
  name: "healthcheck-required",
  description: "Every long-running container (one-shot runs excepted) has a Docker health check, so `pulumi up` waits until it serves, and a restart policy that brings it back; an engine's start period covers model loading.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minEngineStartPeriodSeconds: {
        type: "number", minimum: 0, default: DEFAULT_MIN_ENGINE_START_PERIOD_SECONDS,
        description: "Shortest start period an engine's health check may have, seconds (rollout.healthTimeoutSeconds sets it).",
      },
      restartPolicies: { type: "array", items: { type: "string" }, default: RESTART_POLICIES, description: "Restart policies that count as present." },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const c = containerView(args.name, args.props);
    if (c.oneShot) return;
    const config = args.getConfig<HealthcheckRequiredConfig>();
    const who = describeContainer(c);
    const tests = c.healthcheckTests ?? [];
    if (tests.length === 0 || tests[0] === "NONE") {
      report(`${who}: has no health check, so pulumi up cannot wait for it to serve and a rollout is not health-gated: add a healthcheck`);
    } else if (isEngine(c)) {
      const min = config.minEngineStartPeriodSeconds ?? DEFAULT_MIN_ENGINE_START_PERIOD_SECONDS;
      const start = c.healthcheckStartPeriod === undefined ? 0 : durationSeconds(c.healthcheckStartPeriod);
      if (start !== undefined && start < min) {
        report(`${who}: health check start period ${c.healthcheckStartPeriod ?? "0s"} is shorter than ${min}s; loading a model takes minutes, so a healthy engine would be marked unhealthy: raise rollout.healthTimeoutSeconds`);
      }
    }
    const policies = config.restartPolicies ?? RESTART_POLICIES;
    if (c.restart === undefined || !policies.includes(c.restart)) {
      report(`${who}: restart policy is '${c.restart ?? "none"}', so a crash or a reboot leaves it down: use unless-stopped`);
    }
  },
};
