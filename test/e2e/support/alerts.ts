import type { AlertParty, CaseAlert } from '@zmwatch/workflows';
import { makeAlert } from '@zmwatch/test-support/cases';
import { DAY_MS } from '@zmwatch/schemas';

/**
 * Three revisions of one alert in contract v2, as the detector would publish them, handed to the case
 * directly so the e2e test does not depend on the detector's revision logic: the
 * first (MEDIUM, typed parties and timeline), a severity upgrade (a late pending-export transfer makes
 * it CRITICAL: reason EVIDENCE) and a withdrawal (the declaration was cancelled: CANCELLED).
 */
export function alertRevisions(vin: string, run: string): [CaseAlert, CaseAlert, CaseAlert] {
  const now = Date.now();
  const tag = run.slice(-6).toUpperCase();
  const firstRegistrant = { id: `91440300${tag}TRD`, type: 'TRADING_COMPANY' as const };
  const holder = { id: `91440300${tag}HLD`, type: 'LICENSED_EXPORTER' as const };
  const exporter = { id: `91440300${tag}EXP`, type: 'LICENSED_EXPORTER' as const };
  const registeredAt = now - 6 * DAY_MS;
  const declaredAt = now - 60_000;
  const base = makeAlert(vin, {
    severity: 'MEDIUM',
    score: 45,
    destinationCountry: 'KZ',
    registrantId: holder.id,
    registrantType: holder.type,
    exporterId: exporter.id,
    registrationTime: registeredAt,
    declarationTime: declaredAt,
    detectedAt: now - 50_000,
  });
  const event = (kind: string, eventTime: number, party: AlertParty | null, flags: string[] = []) => ({
    kind,
    eventTime,
    partyId: party?.id ?? null,
    partyType: party?.type ?? null,
    jurisdiction: kind === 'DECLARATION' ? null : 'CN-GD',
    odometerKm: kind === 'DECLARATION' ? 12 : kind === 'FIRST_REGISTRATION' ? 0 : null,
    flags,
  });
  const timeline = [
    event('FIRST_REGISTRATION', registeredAt, firstRegistrant),
    event('TRANSFER', registeredAt + 2 * DAY_MS, holder),
    event('DECLARATION', declaredAt, exporter, ['USED', 'DEST:KZ']),
  ];
  const rev0: CaseAlert = {
    ...base,
    revision: 0,
    status: 'ACTIVE',
    revisionReason: null,
    revisedAt: null,
    firstRegistrant,
    holderAtDeclaration: holder,
    exporter,
    timeline,
  };
  const rev1: CaseAlert = {
    ...rev0,
    revision: 1,
    severity: 'CRITICAL',
    score: 95,
    revisionReason: 'EVIDENCE',
    revisedAt: now - 30_000,
    timeline: [
      timeline[0]!,
      event('TRANSFER', registeredAt + 2 * DAY_MS, holder, ['PENDING_EXPORT']),
      timeline[2]!,
    ],
  };
  const rev2: CaseAlert = {
    ...rev1,
    revision: 2,
    status: 'WITHDRAWN',
    revisionReason: 'CANCELLED',
    revisedAt: now - 10_000,
  };
  return [rev0, rev1, rev2];
}
