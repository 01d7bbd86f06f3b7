/**
 * Entity-level windows: what many vehicles share. A rule that looks at one vehicle cannot see a ring of
 * straw buyers who each register one car, or a trader who waits just past every threshold; the
 * company those vehicles keep can. Pure logic only — the Redis store is entity-store.ts.
 *
 * A declaration that is a young, little-used vehicle declared USED (`isYoungLowUse`) is an
 * observation of up to four entities:
 *   x:<exporterId>                 the exporter on the declaration
 *   t:<partyId>                    the party it was transferred to (first registrant an individual,
 *                                  transfer within nearNewDays of registration)
 *   r:<registrantId>               its first registrant
 *   c:<jurisdiction>:<day>         its registration cohort (registrant of a cohort type, day = UTC day)
 * Each entity keeps a bounded window of distinct VINs with the event time they were observed at.
 * Counting is by event time (either arrival order gives the same count once both have arrived).
 */
import type { EntitySignalsConfig } from './ruleset.js';
import type { OpenDeclaration, VinState } from './vin-state.js';

const DAY_MS = 86_400_000;
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

export type EntityKind = 'exporter' | 'transferee' | 'registrant' | 'cohort';

export interface EntityObservation {
  kind: EntityKind;
  /** Window key (see the module comment). */
  key: string;
  /** Event time of the observation (the declaration's), ms. */
  time: number;
}

/** One entity's window: VIN -> event time (ms) it was observed at; at most maxEntries VINs. */
export type EntityWindow = Map<string, number>;

/** A young vehicle with (almost) nothing on the odometer for its age, declared used. */
export function isYoungLowUse(state: VinState, decl: OpenDeclaration, cfg: EntitySignalsConfig): boolean {
  const reg = state.registration;
  if (decl.declaredCondition !== 'USED' || !reg || reg.condition !== 'NEW') return false;
  const days = (decl.eventTime - reg.time) / DAY_MS;
  if (days < 0 || days > cfg.youngLowUse.maxAgeDays) return false;
  const km = decl.declaredOdometerKm;
  if (km === null || km < 0) return cfg.youngLowUse.unknownOdometerCounts;
  return km <= cfg.youngLowUse.maxKmPerDay * Math.max(days, 1);
}

export const cohortKey = (jurisdiction: string, day: number): string => `c:${jurisdiction}:${day}`;

/** The entities a declaration is an observation of; empty when it is not young and little used. */
export function observationsOf(
  state: VinState,
  decl: OpenDeclaration,
  cfg: EntitySignalsConfig,
): EntityObservation[] {
  if (!isYoungLowUse(state, decl, cfg)) return [];
  const reg = state.registration!;
  const time = decl.eventTime;
  const out: EntityObservation[] = [
    { kind: 'exporter', key: `x:${decl.exporterId}`, time },
    { kind: 'registrant', key: `r:${reg.partyId}`, time },
  ];
  const t = state.lastTransfer;
  if (
    t &&
    reg.partyType === 'INDIVIDUAL' &&
    t.partyType !== 'INDIVIDUAL' &&
    t.time >= reg.time &&
    t.time <= decl.eventTime &&
    (t.time - reg.time) / DAY_MS <= cfg.transferee.nearNewDays
  )
    out.push({ kind: 'transferee', key: `t:${t.partyId}`, time });
  if (cfg.cohort.registrantTypes.includes(reg.partyType))
    out.push({ kind: 'cohort', key: cohortKey(reg.jurisdiction, dayOf(reg.time)), time });
  return out;
}

/** How long an entity's entries matter: its window either side of the newest event time. */
export function retentionMs(kind: EntityKind, cfg: EntitySignalsConfig): number {
  if (kind === 'cohort') return (cfg.youngLowUse.maxAgeDays + 1) * DAY_MS;
  return cfg[kind].windowDays * DAY_MS;
}

/**
 * Adds a VIN to a window (idempotent: a VIN counts once, at its latest observation), drops entries
 * older than the retention before the newest, and keeps at most maxEntries (the oldest go first).
 */
export function addToWindow(
  w: EntityWindow,
  vin: string,
  time: number,
  retention: number,
  maxEntries: number,
): void {
  w.set(vin, Math.max(time, w.get(vin) ?? time));
  let newest = -Infinity;
  for (const t of w.values()) if (t > newest) newest = t;
  for (const [v, t] of w) if (t < newest - retention) w.delete(v);
  if (w.size > maxEntries) {
    const sorted = [...w].sort((a, b) => a[1] - b[1]);
    for (let i = 0; i < sorted.length - maxEntries; i++) w.delete(sorted[i]![0]);
  }
}

/** Distinct VINs of a window observed within `windowMs` of `at` (either side). */
export function countWithin(w: EntityWindow | undefined, at: number, windowMs: number): number {
  return membersWithin(w, at, windowMs).length;
}

/** The VINs countWithin counts. */
export function membersWithin(w: EntityWindow | undefined, at: number, windowMs: number): string[] {
  if (!w) return [];
  const out: string[] = [];
  for (const [vin, t] of w) if (Math.abs(t - at) <= windowMs) out.push(vin);
  return out;
}

/**
 * Counts of the entities of one declaration, as the evaluator takes them; `members` are the VINs
 * counted (any order; the evaluator sorts and caps them for the alert's EntityEvidence).
 */
export interface EntityCounts {
  exporter?: { id: string; count: number; members?: readonly string[] };
  transferee?: { id: string; count: number; members?: readonly string[] };
  registrant?: { id: string; count: number; members?: readonly string[] };
  cohort?: { jurisdiction: string; day: number; count: number; members?: readonly string[] };
}

/**
 * The counts of a declaration's entities from their windows (`read(key)`); the declaration's own
 * observations are expected to be in the windows already (it counts itself, as velocity does).
 */
export function entityCountsOf(
  observations: readonly EntityObservation[],
  read: (key: string) => EntityWindow | undefined,
  cfg: EntitySignalsConfig,
): EntityCounts {
  const out: EntityCounts = {};
  for (const o of observations) {
    const id = o.key.slice(2);
    if (o.kind === 'cohort') {
      const [jurisdiction, dayText] = [id.slice(0, id.lastIndexOf(':')), id.slice(id.lastIndexOf(':') + 1)];
      const day = Number(dayText);
      const members: string[] = [];
      for (let d = day - cfg.cohort.spreadDays; d <= day + cfg.cohort.spreadDays; d++)
        for (const vin of read(cohortKey(jurisdiction, d))?.keys() ?? []) members.push(vin);
      out.cohort = { jurisdiction, day, count: members.length, members };
    } else {
      const members = membersWithin(read(o.key), o.time, cfg[o.kind].windowDays * DAY_MS);
      out[o.kind] = { id, count: members.length, members };
    }
  }
  return out;
}

/** The keys whose windows a declaration's counts need (its own plus the cohort's neighbour days). */
export function keysToRead(observations: readonly EntityObservation[], cfg: EntitySignalsConfig): string[] {
  const keys: string[] = [];
  for (const o of observations) {
    if (o.kind !== 'cohort') keys.push(o.key);
    else {
      const id = o.key.slice(2);
      const jurisdiction = id.slice(0, id.lastIndexOf(':'));
      const day = Number(id.slice(id.lastIndexOf(':') + 1));
      for (let d = day - cfg.cohort.spreadDays; d <= day + cfg.cohort.spreadDays; d++)
        keys.push(cohortKey(jurisdiction, d));
    }
  }
  return keys;
}
