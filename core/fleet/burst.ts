import { z } from "zod";
import { BurstAutoscale, BurstAutoscaler } from "./autoscale";
import { CatalogId, HostAddress } from "./grammar";
import { Name, Port, SecretField } from "./primitives";

// Rented burst capacity: pools of Vast.ai hosts, each running one recipe, and the autoscale
// controller that sizes them (core/fleet/autoscale.ts).

export const BurstPool = z
  .strictObject({
    /** Unique name (a DNS label). */
    name: Name,
    /** Recipe burst hosts run. */
    recipe: Name.describe("Recipe the pool's hosts run (a key of recipes)."),
    /** Hosts to keep running now. */
    desired: z.number().int().nonnegative().default(0).describe("Hosts to keep running now."),
    /** Hard cap on hosts in this pool. */
    maxHosts: z.number().int().positive().max(64).describe("Hard cap on hosts in this pool."),
    /** Price cap per host, $/hour (dph_total). */
    maxPricePerHour: z.number().positive().describe("Price cap per host, $/hour (dph_total)."),
    /** How offers are ranked. */
    selection: z.enum(["cheapest", "network-first", "time-to-useful"]).default("time-to-useful")
      .describe("Offer ranking: cheapest, network-first (inet_down descending) or time-to-useful (expected seconds until serving)."),
    /** Acceptable hardware catalog ids, e.g. [rtx-5090, rtx-4090]. */
    gpu: z.array(CatalogId).min(1).describe("Acceptable hardware catalog ids, e.g. [rtx-5090, rtx-4090]."),
    /** GPUs per rented host. */
    numGpus: z.number().int().positive().max(16).default(1).describe("GPUs per rented host."),
    /** Minimum download bandwidth of an offer, Mb/s. */
    minInetDownMbps: z.number().nonnegative().default(500).describe("Minimum download bandwidth of an offer, Mb/s."),
    /** Minimum Vast reliability score (0-1). */
    minReliability: z.number().min(0).max(1).default(0.98).describe("Minimum Vast reliability score (0-1)."),
    /** Only verified Vast hosts. */
    verifiedOnly: z.boolean().default(true).describe("Only verified Vast hosts."),
    /** Disk to rent per host, GB. */
    diskGb: z.number().int().positive().max(100000).default(100).describe("Disk to rent per host, GB."),
    /** Served name of the burst engines; default the pool name. */
    servedName: Name.optional().describe("Served name of the burst engines; default the pool name."),
    /** On-demand renting by `fabric autoscale`; without it the pool runs `desired` hosts. */
    autoscale: BurstAutoscale.optional(),
    /**
     * Where the gateway and Prometheus reach host slot n (entry n-1) instead of its tailnet name
     * `<pool>-<n>.<tailnet>` at `burst.port`; slots beyond the list keep their tailnet name. For hosts
     * reached another way, and for local tests that stand a loopback engine in for a rented host.
     */
    slotAddresses: z.array(z.strictObject({
      address: HostAddress.describe("DNS name or IPv4 address of the slot's engine, e.g. 127.0.0.1."),
      port: Port.describe("Port of the slot's engine."),
    })).max(64).optional()
      .describe("Per host slot (entry n-1 for host n), the address and port the gateway and Prometheus reach it at instead of <pool>-<n>.<tailnet>:<burst.port>."),
  })
  .describe("A pool of rented hosts running one recipe.");

export const Burst = z
  .strictObject({
    /** Burst provider; Vast.ai is supported. */
    provider: z.literal("vast").describe("Burst provider; Vast.ai is supported."),
    /** API key, as {secret: <stack config key>}. */
    apiKey: SecretField,
    /** Hard budget for all pools, $/hour. */
    budgetPerHour: z.number().positive().describe("Hard budget for all pools, $/hour."),
    /** A host with no requests for this long destroys itself. */
    idleMinutes: z.number().int().positive().max(10080).default(15).describe("A host with no requests for this long destroys itself."),
    /** Engine port inside burst hosts. */
    port: Port.default(8000).describe("Engine port inside burst hosts."),
    /** Burst pools, one recipe each. */
    pools: z.array(BurstPool).default([]).describe("Burst pools, one recipe each."),
    /** `fabric autoscale` as a container of the stack; without it the controller runs as a plain process. */
    autoscaler: BurstAutoscaler.optional(),
  })
  .describe("Rented burst capacity (Vast.ai).");
