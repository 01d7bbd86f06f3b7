import type { EntityStore } from './entity-store.js';
import { entityCountsOf, keysToRead, observationsOf, type EntityCounts } from './entity-windows.js';
import type { Ruleset } from './ruleset.js';
import type { OpenDeclaration } from './vin-state.js';
import type { MergedVin } from './vin-work.js';

export interface BatchEntities {
  /** Counts of a due declaration's entities (its own observation included); undefined: none. */
  of(vin: string, decl: OpenDeclaration): EntityCounts | undefined;
  roundTrips: number;
}

const NONE: BatchEntities = { of: () => undefined, roundTrips: 0 };

/**
 * Step 3b: entity windows, only if something is due (two round trips: observe, then read). The
 * batch's due declarations are observed before they are counted, so a vehicle counts itself and
 * the other vehicles of its batch, as velocity does. Observing is idempotent (a VIN is one member of
 * a window), so a batch retried after a failure later in the pipeline does not count twice.
 */
export async function readEntities(
  store: EntityStore | undefined,
  merged: readonly MergedVin[],
  ruleset: Ruleset,
): Promise<BatchEntities> {
  const cfg = ruleset.entitySignals;
  if (!store || !cfg) return NONE;
  const byDecl = new Map<string, ReturnType<typeof observationsOf>>();
  const observations = [];
  for (const m of merged) {
    for (const decl of m.result.due) {
      const obs = observationsOf(m.result.state, decl, cfg);
      if (obs.length === 0) continue;
      byDecl.set(`${m.work.vin}/${decl.declarationId}`, obs);
      for (const o of obs) observations.push({ ...o, vin: m.work.vin });
    }
  }
  if (observations.length === 0) return NONE;
  await store.observe(observations);
  const windows = await store.read([...byDecl.values()].flatMap((obs) => keysToRead(obs, cfg)));
  return {
    of(vin, decl) {
      const obs = byDecl.get(`${vin}/${decl.declarationId}`);
      return obs ? entityCountsOf(obs, (k) => windows.get(k), cfg) : undefined;
    },
    roundTrips: 2,
  };
}
