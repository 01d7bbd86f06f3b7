import type { EntityStore, WindowUpdate, WindowUpdates } from './entity-store.js';
import {
  entityCountsOf,
  fanOut,
  membershipChanges,
  observationsOf,
  vinObservations,
  type EntityCounts,
  type EntityKind,
  type EntityObservation,
  type MemberChange,
} from './entity-windows.js';
import type { EntitySignalsConfig, Ruleset } from './ruleset.js';
import { StateFormatError, unpackState, type OpenDeclaration, type VinState } from './vin-state.js';
import type { MergedVin } from './vin-work.js';

/** A member of an entity whose count crossed a threshold: its owner re-evaluates it. */
export interface EntityRecheck {
  vin: string;
  /** The entity window whose count crossed (for logs). */
  entity: string;
}

export interface BatchEntities {
  /** Counts of a due declaration's entities (its own observation included); undefined: none. */
  of(vin: string, decl: OpenDeclaration): EntityCounts | undefined;
  /** Members of other batches to re-evaluate, in fan-out order (entity-windows.ts fanOut). */
  rechecks: EntityRecheck[];
  /** The outbox entries the rechecks came from, confirmed once they are produced. */
  outbox: WindowUpdates['recheck'];
  roundTrips: number;
}

const NONE: BatchEntities = { of: () => undefined, rechecks: [], outbox: new Map(), roundTrips: 0 };

/** What one merged batch does to the entity windows: per key, the changes and whether it is read. */
export function windowUpdatesOf(
  merged: readonly MergedVin[],
  cfg: EntitySignalsConfig,
): { updates: WindowUpdate[]; byDecl: Map<string, EntityObservation[]>; evaluated: Set<string> } {
  const byKey = new Map<string, { kind: EntityKind; changes: MemberChange[] }>();
  const touch = (key: string, kind: EntityKind) => {
    let u = byKey.get(key);
    if (!u) byKey.set(key, (u = { kind, changes: [] }));
    return u;
  };
  const byDecl = new Map<string, EntityObservation[]>();
  const evaluated = new Set<string>();
  for (const m of merged) {
    const { state, changed, due } = m.result;
    if (changed && state.declarations.length > 0) {
      const before = vinObservations(previousState(m.before), cfg);
      for (const c of membershipChanges(m.work.vin, before, vinObservations(state, cfg)))
        touch(c.key, c.kind).changes.push({ vin: c.vin, time: c.time });
    }
    for (const decl of due) {
      const obs = observationsOf(state, decl, cfg);
      if (obs.length === 0) continue;
      evaluated.add(m.work.vin);
      byDecl.set(`${m.work.vin}/${decl.declarationId}`, obs);
      for (const o of obs) touch(o.key, o.kind);
    }
  }
  const updates = [...byKey].map(([key, u]) => ({ key, kind: u.kind, changes: u.changes }));
  return { updates, byDecl, evaluated };
}

/**
 * Step 3b: entity windows, only if the batch changes or needs some (one round trip). Every VIN
 * whose state changed moves its membership to what its state now observes (joins, moves, leaves),
 * and the due declarations read their windows after those changes, so a vehicle counts itself and
 * the other vehicles of its batch, as velocity does. Members of other batches whose count crossed a
 * threshold come back as rechecks (the reach-back), to be produced before the batch commits.
 * Applying the same changes twice changes nothing (membership is set, not added), so a retried
 * batch counts nothing twice, and its rechecks come back from the outbox.
 */
export async function updateEntities(
  store: EntityStore | undefined,
  merged: readonly MergedVin[],
  ruleset: Ruleset,
): Promise<BatchEntities> {
  const cfg = ruleset.entitySignals;
  if (!store || !cfg) return NONE;
  const { updates, byDecl, evaluated } = windowUpdatesOf(merged, cfg);
  if (updates.length === 0) return NONE;
  const { windows, recheck } = await store.update(updates);
  return {
    of(vin, decl) {
      const obs = byDecl.get(`${vin}/${decl.declarationId}`);
      return obs ? entityCountsOf(obs, (k) => windows.get(k), cfg) : undefined;
    },
    rechecks: rechecksOf(updates, windows, recheck, evaluated, cfg.maxEntries),
    outbox: recheck,
    roundTrips: 1,
  };
}

/**
 * The fan-out: per window, its crossed members nearest in event time to the batch's change first
 * (at most maxEntries, the window's own bound), then one request per VIN. VINs this batch evaluates
 * itself, after the same changes, need none.
 */
export function rechecksOf(
  updates: readonly WindowUpdate[],
  windows: WindowUpdates['windows'],
  recheck: WindowUpdates['recheck'],
  evaluated: ReadonlySet<string>,
  cap: number,
): EntityRecheck[] {
  const out: EntityRecheck[] = [];
  const seen = new Set(evaluated);
  for (const u of updates) {
    const crossed = recheck.get(u.key);
    if (!crossed) continue;
    const w = windows.get(u.key) ?? new Map<string, number>();
    const at = Math.min(...u.changes.map((c) => c.time ?? Infinity));
    for (const vin of fanOut(crossed, w, Number.isFinite(at) ? at : 0, cap)) {
      if (seen.has(vin)) continue;
      seen.add(vin);
      out.push({ vin, entity: u.key });
    }
  }
  return out;
}

function previousState(packed: string | undefined): VinState | undefined {
  if (packed === undefined) return undefined;
  try {
    return unpackState(packed);
  } catch (err) {
    if (err instanceof StateFormatError) return undefined; // merge-batch.ts replaced it too
    throw err;
  }
}
