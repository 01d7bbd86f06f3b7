/**
 * Which alert records of a batch reach their case. A case keeps the highest revision per alert id
 * and ignores an equal or older one, so a signal that the case would ignore, or that a later record of
 * the same batch replaces, is a Temporal call (a history event, a workflow task) for nothing:
 * - **superseded**: a higher revision of the same alert is in the batch (the case follows the latest;
 *   at equal revisions the later record, as the case does);
 * - **duplicate**: this escalator already signalled this revision or a higher one (a batch retried after
 *   a failure, a replay of the topic);
 * - **unchanged**: a later revision whose every field the case shows (status, severity, score, the
 *   rules that fired with their weights, the typologies, destination and parties) equals the revision
 *   this escalator last signalled for the alert, and which ring cases it reaches (an entity crossing
 *   its ring threshold is news to a ring case, not to the vehicle's).
 * A revision that changes only evidence, not severity, queue or typology, still reaches the case, where
 * it updates the case without a re-route (case-machine.ts); under load the batches grow and more of
 * them are coalesced here.
 *
 * `SignalledRevisions` remembers, per alert id, the revision last signalled and its fingerprint, bounded
 * (least recently signalled forgotten first); after a restart it is empty and everything is signalled.
 */
import type { Decoded } from '@zmwatch/kit';
import type { Alert } from '@zmwatch/schemas';
import {
  alertRevision,
  alertStatus,
  holderOf,
  ringCaseIdFor,
  ringsReached,
  type RingThresholds,
} from '@zmwatch/workflows';

export type CoalesceOutcome = 'superseded' | 'duplicate' | 'unchanged';

/**
 * What the cases show of an alert revision: equal fingerprints mean a signal would change nothing. The
 * ring cases it reaches (at `rings`' thresholds) count too; a ring's members come from its alerts.
 */
export function caseVisibleFingerprint(a: Alert, rings: RingThresholds = {}): string {
  return JSON.stringify([
    alertStatus(a),
    a.severity,
    a.score,
    a.rules.map((r) => `${r.ruleId}=${r.weight}`).sort(),
    (a.typologies ?? []).map((t) => `${t.typology}:${t.reached}:${t.severity ?? ''}:${t.score}`).sort(),
    a.destinationCountry,
    a.exporterId,
    holderOf(a)?.id ?? null,
    a.firstRegistrant?.id ?? null,
    ringsReached(a, rings).map(ringCaseIdFor).sort(),
  ]);
}

export interface SignalledRevisions {
  get(alertId: string): { revision: number; fingerprint: string } | undefined;
  /** After a successful signal. */
  remember(alert: Alert): void;
  /** The alert's fingerprint as remembered (`caseVisibleFingerprint` at this escalator's ring thresholds). */
  fingerprint(alert: Alert): string;
  readonly size: number;
}

export function createSignalledRevisions(maxEntries: number, rings: RingThresholds = {}): SignalledRevisions {
  const map = new Map<string, { revision: number; fingerprint: string }>();
  const fingerprint = (alert: Alert) => caseVisibleFingerprint(alert, rings);
  return {
    get: (id) => map.get(id),
    fingerprint,
    remember(alert) {
      const prev = map.get(alert.alertId);
      const revision = alertRevision(alert);
      if (prev && prev.revision > revision) return;
      map.delete(alert.alertId);
      map.set(alert.alertId, { revision, fingerprint: fingerprint(alert) });
      if (map.size > maxEntries) map.delete(map.keys().next().value!);
    },
    get size() {
      return map.size;
    },
  };
}

export interface Coalesced<R> {
  /** The records to signal, in their batch (offset) order. */
  send: R[];
  /** The others, each with why it is not signalled. */
  skipped: Array<{ record: R; outcome: CoalesceOutcome }>;
}

/** Splits a batch (in offset order) into the records to signal and those the case does not need. */
export function coalesceRevisions<R extends Pick<Decoded<Alert>, 'value'>>(
  records: readonly R[],
  signalled: Pick<SignalledRevisions, 'get' | 'fingerprint'>,
): Coalesced<R> {
  const latest = new Map<string, R>();
  for (const r of records) {
    const held = latest.get(r.value.alertId);
    if (!held || alertRevision(r.value) >= alertRevision(held.value)) latest.set(r.value.alertId, r);
  }
  const send: R[] = [];
  const skipped: Coalesced<R>['skipped'] = [];
  for (const r of records) {
    const alert = r.value;
    if (latest.get(alert.alertId) !== r) {
      skipped.push({ record: r, outcome: 'superseded' });
      continue;
    }
    const before = signalled.get(alert.alertId);
    if (before && before.revision >= alertRevision(alert)) skipped.push({ record: r, outcome: 'duplicate' });
    else if (before && before.fingerprint === signalled.fingerprint(alert))
      skipped.push({ record: r, outcome: 'unchanged' });
    else send.push(r);
  }
  return { send, skipped };
}
