import { DAY_MS, SECOND_MS, type CustomsDeclarationEvent, type RegistrationEvent } from '@zmwatch/schemas';
import type { Ruleset } from './ruleset.js';
import type { Published } from './revision.js';
import {
  emptyState,
  type CancelledDeclaration,
  type DeclarationFacts,
  type FirstRegistration,
  type OpenDeclaration,
  type VinState,
} from './vin-state.js';

/** Where an input event came from, for logs. */
export interface EventSource {
  topic: string;
  partition: number;
  offset: string;
}

/** A decoded input event; `arrival` is its Kafka message timestamp (ms), the processing-time clock. */
export type DetectorEvent = (
  { kind: 'registration'; event: RegistrationEvent } | { kind: 'declaration'; event: CustomsDeclarationEvent }
) & { arrival: number; source?: EventSource };

/** Something worth a log line and a metric that happened while merging events. */
export type MergeNote =
  | { kind: 'late-registration'; eventId: string; declarationId: string; lateBySeconds: number }
  | { kind: 'stale-declaration'; eventId: string; declarationId: string }
  | { kind: 'amended-after-alert'; eventId: string; declarationId: string }
  | { kind: 'cancelled-after-alert'; eventId: string; declarationId: string }
  | { kind: 'ignored-event'; eventId: string; eventType: string };

export interface MergeResult {
  state: VinState;
  /** True when the merged events changed anything the rules look at. */
  changed: boolean;
  /** Open declarations to (re-)evaluate now. */
  due: OpenDeclaration[];
  /** Cancelled or rejected declarations whose alert (under this ruleset) is not withdrawn yet. */
  withdrawals: CancelledDeclaration[];
  /** Set when this merge added the VIN's first registration (it counts towards registrant velocity). */
  newFirstRegistration?: FirstRegistration;
  notes: MergeNote[];
}

const DAY_S = DAY_MS / SECOND_MS;
/**
 * Whatever its event times, a VIN's state outlives its latest arrival by at least this much, so a
 * replay of anything still on the input topics (7 days' retention) finds its "already alerted" marks.
 */
export const MIN_RETENTION_SECONDS = 8 * DAY_S;

/**
 * Merge a VIN's events (offset order) into its state and say which declarations are due. Pure and
 * idempotent: every merge is a min/max or "latest event time wins", so duplicates are no-ops and the
 * result does not depend on the arrival order of the two topics.
 *
 * `nowSeconds` is the processing clock used only for the grace deadline of declarations still
 * waiting for their registration (and for the state's minimum retention).
 */
export function mergeEvents(
  previous: VinState | undefined,
  events: readonly DetectorEvent[],
  ruleset: Ruleset,
  nowSeconds: number,
): MergeResult {
  const state = previous ? cloneState(previous) : emptyState();
  return mergeInto(state, previous?.expireAt ?? 0, events, ruleset, nowSeconds);
}

/**
 * mergeEvents on a state the caller hands over and never reads again (one it has just unpacked):
 * merged in place, without the copy. The result's state is `owned` itself (or a new one when absent).
 */
export function mergeEventsInPlace(
  owned: VinState | undefined,
  events: readonly DetectorEvent[],
  ruleset: Ruleset,
  nowSeconds: number,
): MergeResult {
  return mergeInto(owned ?? emptyState(), owned?.expireAt ?? 0, events, ruleset, nowSeconds);
}

function mergeInto(
  state: VinState,
  previousExpireAt: number,
  events: readonly DetectorEvent[],
  ruleset: Ruleset,
  nowSeconds: number,
): MergeResult {
  const grace = ruleset.timing.gracePeriodSeconds;
  // Every assignment below is guarded by a strict comparison, so "assigned" means "what the rules see
  // changed" (statuses and the header excepted), without serialising the state before and after.
  let changed = false;
  const notes: MergeNote[] = [];
  let newFirstRegistration: FirstRegistration | undefined;
  let lastArrivalS = 0;

  for (const e of events) {
    const arrivalS = Math.floor(e.arrival / 1000);
    lastArrivalS = Math.max(lastArrivalS, arrivalS);
    if (e.kind === 'registration') {
      const r = e.event;
      switch (r.eventType) {
        case 'FIRST_REGISTRATION': {
          const hadRegistration = state.registration !== undefined;
          if (!state.registration || r.eventTime < state.registration.time) {
            state.registration = {
              time: r.eventTime,
              jurisdiction: r.jurisdiction,
              partyId: r.party.id,
              partyType: r.party.type,
              condition: r.condition,
            };
            changed = true;
            if (!hadRegistration) newFirstRegistration = state.registration;
          }
          if (!hadRegistration) {
            // Late: the declaration already had to be evaluated without this registration (or is past
            // its grace deadline and about to be). It is still used for declarations not alerted yet.
            for (const d of state.declarations) {
              if (d.status === 'cancelled') continue;
              const deadline = d.firstSeenAt + grace;
              if (d.status !== 'pending' || arrivalS >= deadline) {
                notes.push({
                  kind: 'late-registration',
                  eventId: r.eventId,
                  declarationId: d.declarationId,
                  lateBySeconds: Math.max(0, arrivalS - deadline),
                });
              }
            }
          }
          break;
        }
        case 'TRANSFER':
          if (!state.lastTransfer || r.eventTime > state.lastTransfer.time) {
            state.lastTransfer = { time: r.eventTime, partyId: r.party.id, partyType: r.party.type };
            changed = true;
          }
          if (
            r.pendingExport &&
            (state.pendingExportTransferAt === undefined || r.eventTime < state.pendingExportTransferAt)
          ) {
            state.pendingExportTransferAt = r.eventTime;
            changed = true;
          }
          break;
        case 'TEMP_EXPORT_PLATE':
          if (state.tempExportPlateAt === undefined || r.eventTime < state.tempExportPlateAt) {
            state.tempExportPlateAt = r.eventTime;
            changed = true;
          }
          break;
        case 'DEREGISTRATION':
          if (!state.deregistration || r.eventTime < state.deregistration.time) {
            state.deregistration = { time: r.eventTime, reason: r.deregistrationReason ?? 'OTHER' };
            changed = true;
          }
          break;
        default:
          notes.push({ kind: 'ignored-event', eventId: r.eventId, eventType: r.eventType });
      }
      continue;
    }

    const c = e.event;
    const i = indexOfDeclaration(state, c.declarationId);
    const existing = i >= 0 ? state.declarations[i]! : undefined;
    const withdraw = c.eventType === 'CANCELLED' || c.eventType === 'REJECTED';
    if (!withdraw && c.eventType !== 'DECLARED' && c.eventType !== 'AMENDED' && c.eventType !== 'CLEARED') {
      notes.push({ kind: 'ignored-event', eventId: c.eventId, eventType: c.eventType });
      continue;
    }
    // Latest event time wins, whatever the arrival order; at equal times a withdrawal wins.
    const facts = factsOf(c);
    if (existing) {
      if (c.eventTime < existing.eventTime) {
        notes.push({ kind: 'stale-declaration', eventId: c.eventId, declarationId: c.declarationId });
        continue;
      }
      if (c.eventTime === existing.eventTime) {
        if (existing.status === 'cancelled') continue;
        if (!withdraw && sameFacts(existing, facts)) continue; // a duplicate
      }
    }
    changed = true; // an equal-time duplicate was skipped above; anything else changes the declaration
    if (withdraw) {
      if (existing && existing.status === 'alerted')
        notes.push({ kind: 'cancelled-after-alert', eventId: c.eventId, declarationId: c.declarationId });
      const tomb: CancelledDeclaration = {
        declarationId: c.declarationId,
        status: 'cancelled',
        eventTime: c.eventTime,
        withdrawnBy: c.eventType === 'REJECTED' ? 'REJECTED' : 'CANCELLED',
      };
      // Keep what the alert's WITHDRAWN revision needs (a tombstone replacing another keeps its memory).
      const memory =
        existing?.status === 'cancelled'
          ? existing.alerted
          : existing
            ? alertedMemoryOf(existing)
            : undefined;
      if (memory) tomb.alerted = memory;
      if (existing) state.declarations[i] = tomb;
      else state.declarations.push(tomb);
      continue;
    }
    if (existing?.status === 'cancelled' && existing.alerted) {
      // Declared again after a withdrawal: it keeps its alert's revision history (same alert id).
      const m = existing.alerted;
      state.declarations[i] = {
        declarationId: c.declarationId,
        status: 'alerted',
        alertedVersion: m.alertedVersion,
        published: { ...m.published },
        eventTime: c.eventTime,
        firstSeenAt: arrivalS,
        ...facts,
      };
      continue;
    }
    if (existing && existing.status !== 'cancelled') {
      if (existing.status === 'alerted' && !sameFacts(existing, facts)) {
        notes.push({ kind: 'amended-after-alert', eventId: c.eventId, declarationId: c.declarationId });
      }
      state.declarations[i] = { ...existing, ...facts, eventTime: c.eventTime };
    } else {
      const opened: OpenDeclaration = {
        declarationId: c.declarationId,
        status: 'pending',
        eventTime: c.eventTime,
        firstSeenAt: arrivalS,
        ...facts,
      };
      if (existing) state.declarations[i] = opened;
      else state.declarations.push(opened);
    }
  }

  // Any change re-evaluates every open declaration, alerted ones included (they may need a revision);
  // a revision held back by the rate limit is due when its time comes.
  const due: OpenDeclaration[] = [];
  const withdrawals: CancelledDeclaration[] = [];
  for (const d of state.declarations) {
    if (d.status === 'cancelled') {
      const m = d.alerted;
      if (m && !m.published.withdrawn && m.alertedVersion === ruleset.version) withdrawals.push(d);
      continue;
    }
    let isDue: boolean;
    if (d.status === 'pending')
      isDue = state.registration !== undefined || nowSeconds >= d.firstSeenAt + grace;
    else
      isDue =
        changed ||
        (d.recheckAt !== undefined && nowSeconds >= d.recheckAt) ||
        (d.status === 'alerted' &&
          d.published?.revisionDueAt !== undefined &&
          nowSeconds >= d.published.revisionDueAt);
    if (!isDue) continue;
    // Evaluated because of its own events: evaluate once more a grace period later, when the
    // registrant's other registrations (velocity) have had as long to arrive as a late registration
    // has. That re-check, with no events, schedules no further one.
    if (events.length > 0 && state.registration) d.recheckAt = nowSeconds + grace;
    else if (d.recheckAt !== undefined && nowSeconds >= d.recheckAt) delete d.recheckAt;
    due.push(d);
  }
  state.expireAt = expiryOf(state, ruleset, lastArrivalS, previousExpireAt);
  const result: MergeResult = { state, changed, due, withdrawals, notes };
  if (newFirstRegistration) result.newFirstRegistration = newFirstRegistration;
  return result;
}

/**
 * Record the verdict on a due declaration. `alerted` means the alert was produced and acknowledged
 * (or, on a replay, had been before); an alert mark is never taken back by a later evaluation.
 * `published` (with `alerted`) is what the state remembers of the alert's latest revision; it is
 * kept as it was when omitted.
 */
export function recordVerdict(
  state: VinState,
  declarationId: string,
  alerted: boolean,
  rulesetVersion: string,
  published?: Published,
): void {
  const i = indexOfDeclaration(state, declarationId);
  const d = state.declarations[i];
  if (!d) return;
  if (d.status === 'cancelled') {
    if (d.alerted && published) state.declarations[i] = { ...d, alerted: { ...d.alerted, published } };
    return;
  }
  if (alerted) {
    const next: OpenDeclaration = { ...d, status: 'alerted', alertedVersion: rulesetVersion };
    if (published) next.published = published;
    // A new ruleset version is a new alert id: the old version's revision memory does not carry over.
    else if (d.alertedVersion !== rulesetVersion) delete next.published;
    state.declarations[i] = next;
  } else if (d.status !== 'alerted') state.declarations[i] = { ...d, status: 'evaluated' };
}

/** What a cancelled declaration keeps of an alerted one (undefined when it had not alerted). */
function alertedMemoryOf(d: OpenDeclaration): CancelledDeclaration['alerted'] {
  if (d.status !== 'alerted' || d.alertedVersion === undefined) return undefined;
  return {
    exporterId: d.exporterId,
    exporterType: d.exporterType,
    declaredCondition: d.declaredCondition,
    declaredOdometerKm: d.declaredOdometerKm,
    destinationCountry: d.destinationCountry,
    hasAfterSalesRef: d.hasAfterSalesRef,
    declarationTime: d.eventTime,
    firstSeenAt: d.firstSeenAt,
    alertedVersion: d.alertedVersion,
    // An alert from before revisions existed: revision 0, withdrawn by the next one.
    published: d.published ?? {
      revision: 0,
      detectedAt: 0,
      publishedAt: 0,
      fingerprint: '',
      withdrawn: false,
    },
  };
}

/** Latest event time the state holds + TTL, and never before the minimum retention after arrival. */
export function expiryOf(
  state: VinState,
  ruleset: Ruleset,
  lastArrivalS: number,
  previousExpireAt: number,
): number {
  let latest = later(0, state.registration?.time);
  latest = later(latest, state.lastTransfer?.time);
  latest = later(latest, state.pendingExportTransferAt);
  latest = later(latest, state.tempExportPlateAt);
  latest = later(latest, state.deregistration?.time);
  for (const d of state.declarations) latest = later(latest, d.eventTime);
  const byEvents = Math.floor(latest / 1000) + Math.round(ruleset.timing.stateTtlDays * DAY_S);
  const byArrival =
    lastArrivalS > 0 ? lastArrivalS + ruleset.timing.gracePeriodSeconds + MIN_RETENTION_SECONDS : 0;
  return Math.max(byEvents, byArrival, previousExpireAt);
}

/** Where the state holds a declaration, or -1 (a loop, not findIndex with a closure per call). */
function indexOfDeclaration(state: VinState, declarationId: string): number {
  const ds = state.declarations;
  for (let i = 0; i < ds.length; i++) if (ds[i]!.declarationId === declarationId) return i;
  return -1;
}

/** The later of a time and a possibly absent one (no closure per call: expiryOf runs per VIN). */
function later(latest: number, t: number | undefined): number {
  return t !== undefined && t > latest ? t : latest;
}

function factsOf(c: CustomsDeclarationEvent): DeclarationFacts {
  return {
    exporterId: c.exporterId,
    exporterType: c.exporterType,
    declaredCondition: c.declaredCondition,
    declaredOdometerKm: c.declaredOdometerKm,
    destinationCountry: c.destinationCountry,
    hasAfterSalesRef: c.afterSalesConfirmationRef !== null && c.afterSalesConfirmationRef.trim() !== '',
  };
}

function sameFacts(a: DeclarationFacts, b: DeclarationFacts): boolean {
  return (
    a.exporterId === b.exporterId &&
    a.exporterType === b.exporterType &&
    a.declaredCondition === b.declaredCondition &&
    a.declaredOdometerKm === b.declaredOdometerKm &&
    a.destinationCountry === b.destinationCountry &&
    a.hasAfterSalesRef === b.hasAfterSalesRef
  );
}

/** Deep copy (the merge never mutates the caller's state); cheaper than structuredClone. */
function cloneState(s: VinState): VinState {
  const c: VinState = {
    ...s,
    declarations: s.declarations.map((d) => {
      if (d.status === 'cancelled')
        return d.alerted
          ? { ...d, alerted: { ...d.alerted, published: { ...d.alerted.published } } }
          : { ...d };
      return d.published ? { ...d, published: { ...d.published } } : { ...d };
    }),
  };
  if (s.registration) c.registration = { ...s.registration };
  if (s.lastTransfer) c.lastTransfer = { ...s.lastTransfer };
  if (s.deregistration) c.deregistration = { ...s.deregistration };
  return c;
}
