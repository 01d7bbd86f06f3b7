import { alertIdFor, type Alert, type AlertStatus, type Severity } from '@zmwatch/schemas';
import type { Evaluation } from './evaluate.js';
import type { RevisionReason } from './revision.js';
import { holderAt, timelineOf, type TimelineDeclaration } from './timeline.js';
import type { VinState } from './vin-state.js';

/** Which revision of the alert this is (see revision.ts). */
export interface AlertRevision {
  revision: number;
  status: AlertStatus;
  reason: RevisionReason | null;
  /** When revision 0 was raised (ms). */
  detectedAt: number;
  /** When this revision is published (ms); ignored for revision 0. */
  revisedAt: number;
}

/**
 * The alert (one revision of it) for a declaration: what the evaluation found, the parties typed
 * (first registrant, holder at declaration, exporter) and the VIN's timeline.
 */
export function buildAlert(
  vin: string,
  state: VinState,
  decl: TimelineDeclaration & { declarationId: string },
  evaluation: Evaluation,
  rulesetVersion: string,
  rev: AlertRevision,
): Alert {
  const reg = state.registration;
  const holder = holderAt(state, decl.eventTime);
  return {
    alertId: alertIdFor(vin, decl.declarationId, rulesetVersion),
    vin,
    declarationId: decl.declarationId,
    // A withdrawal below the threshold has no band: LOW, the schema's default.
    severity: evaluation.severity ?? ('LOW' satisfies Severity),
    score: evaluation.score,
    rules: evaluation.rules,
    facts: evaluation.facts,
    // v1 readers: the holder at declaration, as it always was (see firstRegistrant for the first one).
    registrantId: holder?.id ?? null,
    registrantType: holder?.type ?? null,
    exporterId: decl.exporterId,
    destinationCountry: decl.destinationCountry,
    jurisdiction: reg?.jurisdiction ?? null,
    rulesetVersion,
    registrationTime: reg?.time ?? null,
    declarationTime: decl.eventTime,
    detectedAt: rev.detectedAt,
    revision: rev.revision,
    status: rev.status,
    revisionReason: rev.revision === 0 ? null : rev.reason,
    revisedAt: rev.revision === 0 ? null : rev.revisedAt,
    firstRegistrant: reg ? { id: reg.partyId, type: reg.partyType } : null,
    holderAtDeclaration: holder,
    exporter: { id: decl.exporterId, type: decl.exporterType },
    timeline: timelineOf(state, decl),
    typologies: evaluation.typologies,
  };
}
