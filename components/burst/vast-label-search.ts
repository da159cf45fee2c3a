// Finding rented hosts by label, for the create and delete paths of `vast:Instance`. The label is in
// the rent request, so an instance whose rent answer was lost still carries it: these functions are
// how such an instance is found (and destroyed or adopted) instead of forgotten.
//
// Captured by Pulumi's function serialization: no @pulumi imports, only the client and plain code.
import type { LiveHost } from "../../core/burst/headroom";
import type { VastClient, VastInstanceRecord } from "./vast-client";
import type { VastTiming } from "./vast-launch";

/** `cur_state: unloaded` is what a destroyed contract reads as until it disappears. */
export function isReleased(instance: VastInstanceRecord): boolean {
  return instance.cur_state === "unloaded";
}

/** Instances alive at Vast, as the caps count them. */
export function liveHostsOf(instances: readonly VastInstanceRecord[]): LiveHost[] {
  return instances.filter((i) => !isReleased(i)).map((i) => ({ id: i.id, label: i.label ?? null, pricePerHour: typeof i.dph_total === "number" ? i.dph_total : null }));
}

/** The live instances carrying exactly `label`, newest (highest id) first. Throws when the list fails. */
export async function instancesLabelled(client: VastClient, label: string): Promise<VastInstanceRecord[]> {
  return (await client.listInstances()).filter((i) => i.label === label && !isReleased(i)).sort((a, b) => b.id - a.id);
}

/**
 * After a rent whose answer was lost: looks for an instance with the host's label until one shows
 * up (returned) or `lostRentLooks` consecutive lists, `lostRentLookIntervalMs` apart, show none
 * (null). Bounded in lists, and each list by the client's retry policy. Throws when a list fails:
 * the caller must then keep the label in the state.
 */
export async function findLostRent(client: VastClient, label: string, timing: Pick<VastTiming, "lostRentLooks" | "lostRentLookIntervalMs">): Promise<VastInstanceRecord | null> {
  for (let look = 0; look < Math.max(1, timing.lostRentLooks); look++) {
    if (look > 0) await new Promise((resolve) => setTimeout(resolve, timing.lostRentLookIntervalMs));
    const [found] = await instancesLabelled(client, label);
    if (found) return found;
  }
  return null;
}
