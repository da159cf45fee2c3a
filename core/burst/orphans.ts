// `fabric burst sweep`'s decision: which instances alive at Vast carry the stack's label prefix but
// belong to no resource of the stack's state. Pure: the CLI lists, reads the state, and acts.
import type { LiveHost } from "./headroom";
import { isStackHostLabel, stackLabelPrefix } from "./host-label";

export interface SweepInput {
  readonly stack: string;
  /** Pool names the stack has or had (fleet file and state); null when unknown (any `<name>-<n>` counts). */
  readonly pools: readonly string[] | null;
  /** What Vast lists for the key's owner. */
  readonly live: readonly LiveHost[];
  /** Instance ids the stack's state holds for its `vast:Instance` resources. */
  readonly ownedIds: readonly number[];
}

export interface SweepDecision {
  /** The stack's hosts no state owns: to destroy. */
  readonly orphans: readonly LiveHost[];
  /** The stack's hosts its state owns: left alone. */
  readonly owned: readonly LiveHost[];
  /** Instances of the account that are not the stack's (other stacks, other tools): never touched. */
  readonly others: number;
}

export function decideBurstSweep(input: SweepInput): SweepDecision {
  const prefix = stackLabelPrefix(input.stack);
  const mine = input.live.filter((h) => isStackHostLabel(h.label, prefix, input.pools));
  const owned = mine.filter((h) => input.ownedIds.includes(h.id));
  const orphans = mine.filter((h) => !input.ownedIds.includes(h.id));
  return { orphans, owned, others: input.live.length - mine.length };
}
