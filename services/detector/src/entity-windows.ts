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
 *   c:<jurisdiction>:<day>         its registration cohort (registrant of a cohort type, day = UTC day);
 *                                  the key of day d holds the VINs registered within spreadDays of d
 * Each entity keeps a bounded window of distinct VINs with the event time they were observed at.
 * Counting is by event time (either arrival order gives the same count once both have arrived).
 * Membership is a function of each VIN's state (vinObservations); when a change moves another
 * member's count across its threshold, that member is re-evaluated (applyWindowChanges, the reach-back).
 */
import { DAY_MS } from '@zmwatch/schemas';
import { dayOf } from './keys.js';
import type { EntitySignalsConfig } from './ruleset.js';
import type { OpenDeclaration, VinState } from './vin-state.js';

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
 * How a member's count is taken from its window: within `windowMs` of its own event time, or (0)
 * the window's size — a cohort key holds the VINs registered within spreadDays of its day, so a
 * member's cohort count is the size of its own day's key (one key: counted atomically, see below).
 */
export function countWindowMs(kind: EntityKind, cfg: EntitySignalsConfig): number {
  return kind === 'cohort' ? 0 : cfg[kind].windowDays * DAY_MS;
}

export function thresholdOf(kind: EntityKind, cfg: EntitySignalsConfig): number {
  return cfg[kind].threshold;
}

/** How a window of this kind is counted and bounded (applyWindowChanges' parameters). */
export interface WindowParams {
  windowMs: number;
  threshold: number;
  retention: number;
  maxEntries: number;
}

export function windowParams(kind: EntityKind, cfg: EntitySignalsConfig): WindowParams {
  return {
    windowMs: countWindowMs(kind, cfg),
    threshold: thresholdOf(kind, cfg),
    retention: retentionMs(kind, cfg),
    maxEntries: cfg.maxEntries,
  };
}

/** The cohort keys a registration day's observation lands in: its day and spreadDays either side. */
function cohortSpread(key: string, cfg: EntitySignalsConfig): string[] {
  const id = key.slice(2);
  const jurisdiction = id.slice(0, id.lastIndexOf(':'));
  const day = Number(id.slice(id.lastIndexOf(':') + 1));
  const out: string[] = [];
  for (let d = day - cfg.cohort.spreadDays; d <= day + cfg.cohort.spreadDays; d++)
    out.push(cohortKey(jurisdiction, d));
  return out;
}

/**
 * What a VIN contributes to the entity windows, as a function of its state alone: every key its
 * open (not cancelled) declarations observe, at the latest such declaration's event time, the
 * cohort spread over the neighbouring days' keys. Because membership follows the state (a cancelled
 * or amended declaration leaves the windows it no longer belongs to), the windows after all events
 * are the same whatever the arrival order — the property convergence rests on.
 */
export function vinObservations(state: VinState | undefined, cfg: EntitySignalsConfig): EntityObservation[] {
  if (!state || state.declarations.length === 0) return [];
  const byKey = new Map<string, EntityObservation>();
  for (const d of state.declarations) {
    if (d.status === 'cancelled') continue;
    for (const o of observationsOf(state, d, cfg)) {
      for (const key of o.kind === 'cohort' ? cohortSpread(o.key, cfg) : [o.key]) {
        const prev = byKey.get(key);
        if (!prev || o.time > prev.time) byKey.set(key, { kind: o.kind, key, time: o.time });
      }
    }
  }
  return [...byKey.values()];
}

/** One VIN's change to one window: join or move to `time`, or leave (null). */
export interface MemberChange {
  vin: string;
  time: number | null;
}

/** The changes from a VIN's observations before a batch to after it (unchanged keys are left out). */
export function membershipChanges(
  vin: string,
  before: readonly EntityObservation[],
  after: readonly EntityObservation[],
): Array<MemberChange & { key: string; kind: EntityKind }> {
  const out: Array<MemberChange & { key: string; kind: EntityKind }> = [];
  const was = new Map(before.map((o) => [o.key, o]));
  for (const o of after) {
    if (was.get(o.key)?.time !== o.time) out.push({ vin, key: o.key, kind: o.kind, time: o.time });
    was.delete(o.key);
  }
  for (const o of was.values()) out.push({ vin, key: o.key, kind: o.kind, time: null });
  return out;
}

/** Each member's count in a window (`windowMs` 0: the window's size). */
export function memberCounts(w: EntityWindow, windowMs: number): Map<string, number> {
  const out = new Map<string, number>();
  if (windowMs <= 0) {
    for (const v of w.keys()) out.set(v, w.size);
    return out;
  }
  const sorted = [...w].sort((a, b) => a[1] - b[1]);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i]![1];
    while (sorted[lo]![1] < t - windowMs) lo++;
    if (hi < i) hi = i;
    while (hi + 1 < sorted.length && sorted[hi + 1]![1] <= t + windowMs) hi++;
    out.set(sorted[i]![0], hi - lo + 1);
  }
  return out;
}

/**
 * Applies one batch's changes to one window and returns the members whose side of the threshold
 * moved (count >= threshold before vs after), the changed VINs themselves excepted (they are
 * evaluated by the batch that changed them). The in-memory twin of entity-store.ts's script, which
 * does exactly this atomically in Redis: every crossing is found by the one change that causes it.
 * Then drops entries older than the retention before the newest and keeps at most maxEntries (the
 * oldest go first); a member dropped that way is compared at its last time.
 */
export function applyWindowChanges(
  w: EntityWindow,
  changes: readonly MemberChange[],
  p: WindowParams,
): string[] {
  const beforeTimes = new Map(w);
  const before = memberCounts(w, p.windowMs);
  for (const c of changes) {
    if (c.time === null) w.delete(c.vin);
    else w.set(c.vin, c.time);
  }
  let newest = -Infinity;
  for (const t of w.values()) if (t > newest) newest = t;
  for (const [v, t] of w) if (t < newest - p.retention) w.delete(v);
  if (w.size > p.maxEntries) {
    const sorted = [...w].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    for (let i = 0; i < sorted.length - p.maxEntries; i++) w.delete(sorted[i]![0]);
  }
  const after = memberCounts(w, p.windowMs);
  const changed = new Set(changes.map((c) => c.vin));
  const crossed: string[] = [];
  for (const [v, n] of before) {
    if (changed.has(v)) continue;
    const t = beforeTimes.get(v)!;
    const m = after.get(v) ?? (p.windowMs <= 0 ? w.size : countWithin(w, t, p.windowMs));
    if (n >= p.threshold !== m >= p.threshold) crossed.push(v);
  }
  return crossed;
}

/** Distinct VINs of a window observed within `windowMs` of `at` (either side). */
export function countWithin(w: EntityWindow | undefined, at: number, windowMs: number): number {
  return membersWithin(w, at, windowMs).length;
}

/** The VINs countWithin counts (`windowMs` 0: all of them). */
export function membersWithin(w: EntityWindow | undefined, at: number, windowMs: number): string[] {
  if (!w) return [];
  const out: string[] = [];
  for (const [vin, t] of w) if (windowMs <= 0 || Math.abs(t - at) <= windowMs) out.push(vin);
  return out;
}

/**
 * The fan-out rule: the members to re-evaluate, nearest in event time to the change first, at most
 * `cap` (maxEntries: a window never holds more, so the cap never cuts a crossing short).
 */
export function fanOut(
  crossed: Iterable<string>,
  window: EntityWindow,
  changeTime: number,
  cap: number,
): string[] {
  const dist = (v: string) => Math.abs((window.get(v) ?? changeTime) - changeTime);
  return [...new Set(crossed)]
    .sort((a, b) => dist(a) - dist(b) || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, cap);
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
      const jurisdiction = id.slice(0, id.lastIndexOf(':'));
      const day = Number(id.slice(id.lastIndexOf(':') + 1));
      const members = membersWithin(read(o.key), o.time, 0);
      out.cohort = { jurisdiction, day, count: members.length, members };
    } else {
      const members = membersWithin(read(o.key), o.time, countWindowMs(o.kind, cfg));
      out[o.kind] = { id, count: members.length, members };
    }
  }
  return out;
}

/** The keys whose windows a declaration's counts need (its own; a cohort key spans its neighbours). */
export function keysToRead(observations: readonly EntityObservation[]): string[] {
  return observations.map((o) => o.key);
}
