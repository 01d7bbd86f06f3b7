import type { StateStore, StateView } from './redis-store.js';
import type { VinWork } from './vin-work.js';

/**
 * Step 1: the packed state of every VIN of the batch, and the velocity buckets of the registrants
 * whose counters this batch may increment (first registrations), in one read.
 */
export function readStates(
  store: StateStore,
  partition: number,
  work: readonly VinWork[],
): Promise<StateView> {
  const registrants = new Set<string>();
  for (const w of work)
    for (const e of w.events)
      if (e.kind === 'registration' && e.event.eventType === 'FIRST_REGISTRATION')
        registrants.add(e.event.party.id);
  return store.read(
    partition,
    work.map((w) => w.vin),
    registrants,
  );
}
