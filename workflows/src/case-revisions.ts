/**
 * Alert revisions as a case sees them: the detector re-publishes an alert (same `alertId`, a higher
 * `revision`) when later evidence changes it, and `WITHDRAWN` when its declaration is cancelled or
 * rejected. Alerts of contract v1 (and every history recorded before v2) have neither field: they are
 * revision 0 and active. Deterministic: used by the case machine inside the workflow sandbox.
 */
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
