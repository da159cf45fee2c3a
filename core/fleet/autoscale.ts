import { z } from "zod";
import { Name, SecretRef } from "./primitives";

/**
 * What tells the controller a pool's route needs more hosts. Each becomes a PromQL expression the
 * plan generates (core/burst/autoscale-signal.ts):
 * - `waiting-requests`: requests queued on the route's local engines (vLLM `num_requests_waiting`,
 *   SGLang `num_queue_reqs`, llama.cpp `requests_deferred`), summed, mean over the last 30 s;
 * - `queue-seconds`: mean time a request waited in the route's local engines' queues over the last
 *   minute (vLLM's `request_queue_time_seconds` histogram; engines without one are refused);
 * - `cloud-fallback-rate`: requests per second the gateway sent from the route to a cloud provider.
 */
export const AutoscaleSignal = z.enum(["waiting-requests", "queue-seconds", "cloud-fallback-rate"]);
export type AutoscaleSignal = z.infer<typeof AutoscaleSignal>;

/**
 * On-demand renting for one burst pool, applied by `fabric autoscale --stack <name>`: a new host
 * when the route's signal stays at or above `scaleUpAt` for `holdSeconds`; the newest host given
 * back once the signal is below `scaleDownBelow` and that host served nothing for `idleMinutes`.
 */
export const BurstAutoscale = z
  .strictObject({
    /** Route whose backlog the signal measures (a gateway.routes[].name). */
    route: Name.describe("Route whose backlog the signal measures (a gateway.routes[].name)."),
    /**
     * Hosts kept even when idle.
     * @default 0
     */
    min: z.number().int().nonnegative().max(64).default(0).describe("Hosts kept even when idle."),
    /** Most hosts the controller rents; at most the pool's maxHosts. */
    max: z.number().int().positive().max(64).describe("Most hosts the controller rents; at most the pool's maxHosts."),
    /** The signal watched. */
    signal: AutoscaleSignal.describe("waiting-requests (queued on the route's local engines, mean over 30 s), queue-seconds (mean queue wait there, vLLM only) or cloud-fallback-rate (requests/s the gateway sent to the cloud)."),
    /** Signal value at or above which the pool needs one more host (requests, seconds or requests/s). */
    scaleUpAt: z.number().positive().max(1e6).describe("Signal value at or above which the pool needs one more host (requests, seconds or requests/s)."),
    /**
     * Signal value below which a host may be given back; below `scaleUpAt` so a signal hovering at
     * the threshold cannot rent and release in turn.
     * @default 0.5 × scaleUpAt
     */
    scaleDownBelow: z.number().nonnegative().max(1e6).optional().describe("Signal value below which an idle host may be given back; below scaleUpAt. Default half of scaleUpAt."),
    /**
     * How long the signal must stay at or above `scaleUpAt` before a host is rented.
     * @default 60
     */
    holdSeconds: z.number().int().nonnegative().max(86400).default(60).describe("Seconds the signal must stay at or above scaleUpAt before a host is rented."),
    /**
     * Minutes a host must have had no running request and served none before it is given back.
     * Below `burst.idleMinutes`, so the controller releases a host before its own watchdog does.
     * @default 10
     */
    idleMinutes: z.number().positive().max(10080).default(10).describe("Minutes a host must have had no running request before it is given back; below burst.idleMinutes."),
    /**
     * Seconds after any change of the pool before the next one.
     * @default 300
     */
    cooldownSeconds: z.number().int().nonnegative().max(86400).default(300).describe("Seconds after a change of the pool before the next change."),
  })
  .describe("On-demand renting for this pool, applied by `fabric autoscale`.");
export type BurstAutoscale = z.infer<typeof BurstAutoscale>;

/** The scale-down threshold in force: the declared one, or half the scale-up one. */
export function scaleDownThreshold(policy: Pick<BurstAutoscale, "scaleUpAt" | "scaleDownBelow">): number {
  return policy.scaleDownBelow ?? policy.scaleUpAt / 2;
}

/**
 * A Pulumi state backend the controller container can reach: a `file://` directory on its machine
 * (mounted at the same path), or an object store / Pulumi Cloud URL whose credentials come from
 * `secretEnv`.
 */
export const BackendUrl = z
  .string()
  .regex(/^(?:file:\/\/(?:\/[A-Za-z0-9._@+-]+)+\/?|(?:s3|gs|azblob):\/\/[a-z0-9][a-z0-9.-]{1,62}(?:\/[A-Za-z0-9._\/-]*)?(?:\?[A-Za-z0-9=&._-]*)?|https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?)$/,
    "use the stack's backend: 'file:///srv/fabric-state', 's3://bucket/prefix', 'gs://bucket', 'azblob://container' or 'https://api.pulumi.com'")
  .refine((s) => !s.split("/").includes(".."), "'..' is not allowed in a backend path")
  .describe("The stack's Pulumi state backend URL, e.g. file:///srv/fabric-state or s3://bucket/prefix.");

/**
 * `fabric autoscale` as a container the stack deploys (next to the gateway): the project checkout
 * and a file:// state directory are mounted at their own paths, the Docker socket for the
 * program's Docker provider, and the passphrase arrives as secret env. Its own /metrics is scraped.
 */
export const BurstAutoscaler = z
  .strictObject({
    machine: Name.describe("Machine the controller container runs on (Docker, the project checkout and the state directory are there)."),
    port: z.number().int().min(1).max(65535).default(9464).describe("Port of the controller's /metrics, on the machine's bind address."),
    intervalSeconds: z.number().int().min(1).max(3600).default(15).describe("Seconds between polls."),
    drainTimeoutSeconds: z.number().int().min(0).max(3600).default(120).describe("Seconds a host may take to finish its requests before a scale-down is called off."),
    projectDir: z.string()
      .regex(/^(?:\/[A-Za-z0-9._@+-]+)+\/?$/, "use the absolute path of the project checkout on that machine, e.g. '/srv/inference-fabric'")
      .refine((s) => !s.split("/").includes(".."), "'..' is not allowed: give the directory itself")
      .describe("The project checkout on that machine (program, fleet file, node_modules), mounted read-write at the same path: the controller writes the pool count override into the stack's settings file."),
    backendUrl: BackendUrl,
    passphrase: SecretRef.optional().describe("The stack's passphrase, as {secret: <stack config key>} holding it; leave it out for a stack whose secrets provider is not the passphrase (Pulumi Cloud, a KMS: give its credentials in secretEnv)."),
    secretEnv: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name, e.g. AWS_ACCESS_KEY_ID"), SecretRef).default({})
      .describe("Environment the backend needs (AWS_ACCESS_KEY_ID, PULUMI_ACCESS_TOKEN, …), each from a secret stack config key."),
  })
  .describe("Runs `fabric autoscale` as a container of the stack on `machine`.");
export type BurstAutoscaler = z.infer<typeof BurstAutoscaler>;
