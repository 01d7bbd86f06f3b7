/**
 * Alert revisions as a case sees them: the detector re-publishes an alert (same `alertId`, a higher
 * `revision`) when later evidence changes it, and `WITHDRAWN` when its declaration is cancelled or
 * rejected. Alerts of contract v1 (and every history recorded before v2) have neither field: they are
 * revision 0 and active. Deterministic: used by the case machine inside the workflow sandbox.
 */
import type { Typology } from '@zmwatch/schemas';
import type { AlertEvidence, AlertParty, AlertStatus, CaseAlert } from './shared.js';

export const alertRevision = (a: CaseAlert): number => a.revision ?? 0;
export const alertStatus = (a: CaseAlert): AlertStatus => a.status ?? 'ACTIVE';
export const isWithdrawn = (a: CaseAlert): boolean => alertStatus(a) === 'WITHDRAWN';

/** The latest revision of each alert, in the order the alerts first arrived. */
export function latestRevisions(evidence: readonly AlertEvidence[]): CaseAlert[] {
  const latest = new Map<string, CaseAlert>();
  for (const { alert } of evidence) {
    const seen = latest.get(alert.alertId);
    if (!seen || alertRevision(alert) > alertRevision(seen)) latest.set(alert.alertId, alert);
  }
  return [...latest.values()];
}

/** The holder of the registration at declaration: the typed party, or v1's `registrantId` (the same party). */
export function holderOf(a: CaseAlert): AlertParty | null {
  if (a.holderAtDeclaration) return a.holderAtDeclaration;
  return a.registrantId ? { id: a.registrantId, type: a.registrantType ?? 'OTHER' } : null;
}

/** The exporter: the typed party, or the declaration's `exporterId` (v1 has no type for it outside facts). */
export function exporterOf(a: CaseAlert): AlertParty {
  return a.exporter ?? { id: a.exporterId, type: 'OTHER' };
}

/** A short description of one revision for the audit trail: `zma-… rev 2 CRITICAL score=7 WITHDRAWN (reason)`. */
export function describeRevision(a: CaseAlert): string {
  return [
    `${a.alertId} rev ${alertRevision(a)} ${a.severity} score=${a.score}`,
    isWithdrawn(a) ? ' WITHDRAWN' : '',
    a.revisionReason ? ` (${a.revisionReason})` : '',
  ].join('');
}

/**
 * What an alert written before contract v3 is about. v1 and v2 alerts carry no typology verdicts: their
 * one score answered "is this a zero-mileage export?", so the feed and the queues count them as that.
 */
export const PRE_V3_TYPOLOGY: Typology = 'ZERO_MILEAGE';

/**
 * The typologies an alert is about: those it reached (contract v3, `typologies[].reached`); an alert
 * written before v3 (no verdicts) is about `PRE_V3_TYPOLOGY`. Values are kept as written: a newer
 * detector's typology is shown as it is.
 */
export function alertTypologies(a: {
  typologies?: ReadonlyArray<{ typology: string; reached: boolean }> | undefined;
}): string[] {
  const verdicts = a.typologies ?? [];
  return verdicts.length === 0 ? [PRE_V3_TYPOLOGY] : verdicts.filter((t) => t.reached).map((t) => t.typology);
}

/**
 * The typologies of a case (ZmTypologies): the union over its alerts' latest ACTIVE revisions, sorted so
 * the same set is always the same value (visibility is written only when the value differs). Empty when
 * no active alert is left.
 */
export function caseTypologies(evidence: readonly AlertEvidence[]): string[] {
  const all = latestRevisions(evidence)
    .filter((a) => !isWithdrawn(a))
    .flatMap(alertTypologies);
  return [...new Set(all)].sort();
}
