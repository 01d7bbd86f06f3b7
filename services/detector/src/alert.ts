import { alertIdFor, type Alert, type Severity } from '@zmwatch/schemas';
import type { Evaluation } from './evaluate.js';
import type { OpenDeclaration, VinState } from './vin-state.js';

/** The alert for a declaration whose evaluation reached the alert threshold. */
export function buildAlert(
  vin: string,
  state: VinState,
  decl: OpenDeclaration,
  evaluation: Evaluation,
  rulesetVersion: string,
  detectedAt: number,
): Alert {
  const reg = state.registration;
  // The party holding the registration when the declaration was made: the latest transfer before it.
  const holder =
    state.lastTransfer && state.lastTransfer.time <= decl.eventTime
      ? { id: state.lastTransfer.partyId, type: state.lastTransfer.partyType }
      : reg
        ? { id: reg.partyId, type: reg.partyType }
        : null;
  return {
    alertId: alertIdFor(vin, decl.declarationId, rulesetVersion),
    vin,
    declarationId: decl.declarationId,
    severity: evaluation.severity ?? ('LOW' satisfies Severity),
    score: evaluation.score,
    rules: evaluation.rules,
    facts: evaluation.facts,
    registrantId: holder?.id ?? null,
    registrantType: holder?.type ?? null,
    exporterId: decl.exporterId,
    destinationCountry: decl.destinationCountry,
    jurisdiction: reg?.jurisdiction ?? null,
    rulesetVersion,
    registrationTime: reg?.time ?? null,
    declarationTime: decl.eventTime,
    detectedAt,
    revision: 0,
    status: 'ACTIVE',
    revisionReason: null,
    revisedAt: null,
    firstRegistrant: reg ? { id: reg.partyId, type: reg.partyType } : null,
    holderAtDeclaration: holder,
    exporter: { id: decl.exporterId, type: decl.exporterType },
    timeline: [],
  };
}
