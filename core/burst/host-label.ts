// Burst host labels: how a rented host is tied to its stack, pool and host number at Vast. The label
// is set in the rent request itself, so it is known before any instance exists; the caps counted
// before each rent, the provider's search for a rent whose answer was lost, and `fabric burst
// sweep` all find hosts by it. Kept free of imports: the Vast dynamic provider runs it inside
// Pulumi's serialized closure.

/** Every burst host label starts with this. */
export const BURST_LABEL_PREFIX = "fabric-";

/** `fabric-<stack>-<pool>-<hostIndex>`: the label of host `hostIndex` (1-based) of a pool. */
export function burstHostLabel(stack: string, pool: string, hostIndex: number): string {
  return `${stackLabelPrefix(stack)}${pool}-${hostIndex}`;
}

/** `fabric-<stack>-`: what every host label of the stack starts with. */
export function stackLabelPrefix(stack: string): string {
  return `${BURST_LABEL_PREFIX}${stack}-`;
}

/**
 * The stack prefix of a host's own label (`fabric-<stack>-` of `fabric-<stack>-<pool>-<n>`), or
 * null when the label is not of that form for this pool and host number.
 */
export function stackPrefixOfLabel(label: string, pool: string, hostIndex: number): string | null {
  const tail = `-${pool}-${hostIndex}`;
  if (!label.startsWith(BURST_LABEL_PREFIX) || !label.endsWith(tail)) return null;
  const prefix = `${label.slice(0, label.length - tail.length)}-`;
  return prefix.length > BURST_LABEL_PREFIX.length + 1 ? prefix : null;
}

/**
 * Whether `label` names a host of one of `pools` under `stackPrefix` (any host number). With
 * `pools` null, any `<name>-<n>` after the prefix counts (a stack named `a` then also matches
 * hosts of a stack named `a-b`: give the pools when they are known).
 */
export function isStackHostLabel(label: string | null | undefined, stackPrefix: string, pools: readonly string[] | null): boolean {
  if (typeof label !== "string" || !label.startsWith(stackPrefix)) return false;
  const rest = label.slice(stackPrefix.length);
  if (pools === null) return /^[a-z0-9][a-z0-9-]*-\d+$/.test(rest);
  return pools.some((pool) => rest.startsWith(`${pool}-`) && /^\d+$/.test(rest.slice(pool.length + 1)));
}

/** The pool of a stack host label, among `pools` (the longest name that fits), or null. */
export function poolOfLabel(label: string, stackPrefix: string, pools: readonly string[]): string | null {
  const fitting = pools.filter((pool) => isStackHostLabel(label, stackPrefix, [pool]));
  return fitting.sort((a, b) => b.length - a.length)[0] ?? null;
}
