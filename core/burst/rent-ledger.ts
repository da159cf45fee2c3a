// Rents in flight in this process, so concurrent creates of one deployment see each other's hosts
// before Vast's (eventually consistent) list does. Every create reserves its rent here, right after
// the caps allowed it, and keeps the entry until its create ends: a rent whose answer was lost stays
// reserved (id null) because its instance may still appear. Free of imports: the Vast dynamic
// provider shares one ledger among all hosts it creates (the engine runs one provider instance).
import type { LiveHost } from "./headroom";

/** One reserved rent: its host's label, the price it was allowed at, and its instance id once known. */
export interface RentReservation {
  /** The Vast account it was rented on (API root and key): other accounts' lists never show it. */
  readonly account: string;
  readonly label: string;
  readonly pricePerHour: number;
  /** The instance, once known; null while the rent is in flight or its answer was lost. */
  id: number | null;
}

/**
 * What the caps must count: every listed host, plus every reservation the list does not show yet.
 * A reservation without an id is taken to be a listed host with its label that no reservation
 * claims by id (its late instance), one for one; otherwise it counts on its own.
 */
export function hostsToCount(listed: readonly LiveHost[], ledger: readonly RentReservation[], account: string): LiveHost[] {
  const reservations = ledger.filter((r) => r.account === account);
  const claimed = reservations.map((r) => r.id).filter((id): id is number => id !== null);
  const unclaimed = listed.filter((h) => !claimed.includes(h.id)).map((h) => h.id);
  const extra: LiveHost[] = [];
  for (const reservation of reservations) {
    if (reservation.id !== null) {
      if (!listed.some((h) => h.id === reservation.id)) extra.push({ id: reservation.id, label: reservation.label, pricePerHour: reservation.pricePerHour });
      continue;
    }
    const match = listed.find((h) => unclaimed.includes(h.id) && h.label === reservation.label);
    if (match) unclaimed.splice(unclaimed.indexOf(match.id), 1);
    else extra.push({ id: -1, label: reservation.label, pricePerHour: reservation.pricePerHour });
  }
  return [...listed, ...extra];
}

/** Drops reservations whose instance the list shows (the list counts them from now on) or that are `destroyed`. */
export function settleReservations(ledger: RentReservation[], account: string, listedIds: readonly number[], destroyed: readonly number[] = []): void {
  for (let i = ledger.length - 1; i >= 0; i--) {
    const r = ledger[i]!;
    if (r.account === account && r.id !== null && (listedIds.includes(r.id) || destroyed.includes(r.id))) ledger.splice(i, 1);
  }
}
