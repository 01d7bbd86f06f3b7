import { dayOf } from './keys.js';
import type { StateStore, StateView, VelocityQuery } from './redis-store.js';
import type { FirstRegistration } from './vin-state.js';
import type { MergedVin } from './vin-work.js';

/** Registrant velocity of the batch's due evaluations: `of(registration)` is the count, or null. */
export interface BatchVelocity {
  of(registration: FirstRegistration | undefined): number | null;
  /** Redis round trips the read took (0 or 1). */
  roundTrips: number;
}

const keyOf = (q: VelocityQuery) => `${q.day}:${q.registrantId}`;
const queryOf = (reg: FirstRegistration): VelocityQuery => ({
  registrantId: reg.partyId,
  day: dayOf(reg.time),
});

/** The velocity counters this batch adds: one per new first registration (written with the states). */
export function velocityIncrements(merged: readonly MergedVin[]): VelocityQuery[] {
  return merged.flatMap((m) =>
    m.result.newFirstRegistration ? [queryOf(m.result.newFirstRegistration)] : [],
  );
}

/**
 * Step 3: registrant velocity, only for evaluations that have a registration to count from (no
 * round trip when nothing is due). Adds the batch's own `increments`, which are not in Redis yet.
 */
export async function readVelocity(
  store: StateStore,
  view: StateView,
  merged: readonly MergedVin[],
  increments: readonly VelocityQuery[],
  windowDays: number,
): Promise<BatchVelocity> {
  const queries: VelocityQuery[] = [];
  const queryIndex = new Map<string, number>();
  for (const m of merged) {
    const reg = m.result.state.registration;
    if ((m.result.due.length === 0 && m.result.withdrawals.length === 0) || !reg) continue;
    const q = queryOf(reg);
    if (!queryIndex.has(keyOf(q))) {
      queryIndex.set(keyOf(q), queries.length);
      queries.push(q);
    }
  }
  let counts: number[] = [];
  let roundTrips = 0;
  if (queries.length > 0) {
    counts = await store.velocity(view, queries, windowDays);
    roundTrips = 1;
    addOwnIncrements(queries, counts, increments, windowDays);
  }
  return {
    roundTrips,
    of(reg) {
      const qi = reg ? queryIndex.get(keyOf(queryOf(reg))) : undefined;
      return qi === undefined ? null : (counts[qi] ?? 0);
    },
  };
}

/**
 * This batch's own new registrations are not in Redis yet (they are written with the states).
 * Indexed by registrant: a batch can hold thousands of both, and comparing every pair was quadratic.
 */
function addOwnIncrements(
  queries: readonly VelocityQuery[],
  counts: number[],
  increments: readonly VelocityQuery[],
  windowDays: number,
): void {
  const incDays = new Map<string, number[]>();
  for (const inc of increments) {
    const days = incDays.get(inc.registrantId);
    if (days) days.push(inc.day);
    else incDays.set(inc.registrantId, [inc.day]);
  }
  queries.forEach((q, i) => {
    for (const day of incDays.get(q.registrantId) ?? []) {
      if (Math.abs(day - q.day) < windowDays) counts[i]! += 1;
    }
  });
}
