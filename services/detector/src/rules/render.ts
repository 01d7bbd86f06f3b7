/**
 * The one place a rule's typed evidence becomes what an alert carries: the evidence sentence, the
 * string facts (display) and the numeric facts (typed, for readers), plus the entity evidence as it
 * is. Nothing downstream parses any of it back; readers use numericFacts and RuleHit.entity.
 */
import type { RuleHit } from '@zmwatch/schemas';
import { RULE_IDS, type EvidenceByRule, type Fired, type RuleId } from './evidence.js';
import { typologyOf } from './table.js';

export const fmtDays = (d: number): string => (Math.round(d * 10) / 10).toString();

interface Rendered {
  sentence: string;
  facts: Record<string, string>;
  numeric: Record<string, number>;
}

type Renderers = { [K in RuleId]: (e: EvidenceByRule[K]) => Rendered };

const YOUNG_LOW_USE = (maxKmPerDay: number) =>
  `young vehicles declared used with at most ${maxKmPerDay} km per day`;

const RENDER: Renderers = {
  [RULE_IDS.rapidExport]: (e) => {
    const d = e.daysSinceFirstRegistration;
    return {
      sentence:
        d >= 0
          ? `declared for export ${fmtDays(d)} days after first registration (within ${e.tierMaxDays} days)`
          : `declared for export ${fmtDays(-d)} days before its first registration`,
      facts: { daysSinceFirstRegistration: fmtDays(d), tierMaxDays: String(e.tierMaxDays) },
      numeric: { ...e },
    };
  },
  [RULE_IDS.nearZeroOdometer]: (e) => ({
    sentence: `declared used with ${e.declaredOdometerKm} km on the odometer`,
    facts: { declaredOdometerKm: String(e.declaredOdometerKm), maxKm: String(e.maxKm) },
    numeric: { ...e },
  }),
  [RULE_IDS.usedButNewToTrade]: (e) => ({
    sentence: `declared used, but first registered new to ${e.registrantType} ${e.registrantId}`,
    facts: { registrantType: e.registrantType, registrantId: e.registrantId, registrationCondition: 'NEW' },
    numeric: { registrationTime: e.registrationTime },
  }),
  [RULE_IDS.exportPreparation]: (e) => {
    const signs: string[] = [];
    const facts: Record<string, string> = { withinDays: String(e.withinDays) };
    const numeric: Record<string, number> = {
      withinDays: e.withinDays,
      registrationTime: e.registrationTime,
    };
    if (e.pendingExportTransfer) {
      const { days, time } = e.pendingExportTransfer;
      signs.push(`transfer flagged pending export ${fmtDays(days)} days after first registration`);
      facts.daysToPendingExportTransfer = fmtDays(days);
      numeric.daysToPendingExportTransfer = days;
      numeric.pendingExportTransferTime = time;
    }
    if (e.tempExportPlate) {
      const { days, time } = e.tempExportPlate;
      signs.push(`temporary export plate ${fmtDays(days)} days after first registration`);
      facts.daysToTempExportPlate = fmtDays(days);
      numeric.daysToTempExportPlate = days;
      numeric.tempExportPlateTime = time;
    }
    return { sentence: signs.join('; '), facts, numeric };
  },
  [RULE_IDS.deregistrationNearDeclaration]: (e) => {
    const d = e.daysFromDeclaration;
    return {
      sentence: `deregistered (${e.reason}) ${fmtDays(Math.abs(d))} days ${d < 0 ? 'before' : 'after'} the declaration`,
      facts: { daysFromDeclaration: fmtDays(d), reason: e.reason },
      numeric: { daysFromDeclaration: d, withinDays: e.withinDays, deregistrationTime: e.deregistrationTime },
    };
  },
  [RULE_IDS.registrantVelocity]: (e) => ({
    sentence: `registrant ${e.registrantId} registered ${e.registrations} vehicles on the ${2 * e.windowDays - 1} days around this one's first registration (up to ${e.windowDays - 1} days either side)`,
    facts: {
      registrantId: e.registrantId,
      registrations: String(e.registrations),
      windowDays: String(e.windowDays),
    },
    numeric: { registrations: e.registrations, threshold: e.threshold, windowDays: e.windowDays },
  }),
  [RULE_IDS.afterSalesConfirmation]: (e) => ({
    sentence: `used export ${fmtDays(e.daysSinceFirstRegistration)} days after registration in ${e.jurisdiction} without an after-sales confirmation reference`,
    facts: {
      daysSinceFirstRegistration: fmtDays(e.daysSinceFirstRegistration),
      jurisdiction: e.jurisdiction,
      withinDays: String(e.withinDays),
    },
    numeric: { daysSinceFirstRegistration: e.daysSinceFirstRegistration, withinDays: e.withinDays },
  }),
  [RULE_IDS.destinationBan]: (e) => ({
    sentence: `${e.destinationCountry} bans importing vehicles registered within ${e.withinDays} days; this one was registered ${fmtDays(e.daysSinceFirstRegistration)} days before export`,
    facts: {
      destinationCountry: e.destinationCountry,
      withinDays: String(e.withinDays),
      daysSinceFirstRegistration: fmtDays(e.daysSinceFirstRegistration),
    },
    numeric: { withinDays: e.withinDays, daysSinceFirstRegistration: e.daysSinceFirstRegistration },
  }),
  [RULE_IDS.destinationWaitingPeriod]: (e) => ({
    sentence: `${e.destinationCountry} requires ${e.waitingDays} days between first registration and export; this one had ${fmtDays(e.daysSinceFirstRegistration)}`,
    facts: {
      destinationCountry: e.destinationCountry,
      waitingDays: String(e.waitingDays),
      daysSinceFirstRegistration: fmtDays(e.daysSinceFirstRegistration),
    },
    numeric: { waitingDays: e.waitingDays, daysSinceFirstRegistration: e.daysSinceFirstRegistration },
  }),
  [RULE_IDS.vinCheckDigitMismatch]: (e) => ({
    sentence: 'VIN check digit (position 9) does not match',
    facts: { vin: e.vin },
    numeric: {},
  }),
  [RULE_IDS.entityExporter]: (e) => ({
    sentence: `exporter ${e.entity.id} declared ${e.entity.memberCount} ${YOUNG_LOW_USE(e.maxKmPerDay)} within ${e.entity.windowDays} days`,
    ...entityFacts(e),
  }),
  [RULE_IDS.entityTransferee]: (e) => ({
    sentence: `${e.entity.id} received ${e.entity.memberCount} near-new vehicles from distinct individuals (${YOUNG_LOW_USE(e.maxKmPerDay)}) within ${e.entity.windowDays} days`,
    ...entityFacts(e),
  }),
  [RULE_IDS.entityRegistrant]: (e) => ({
    sentence: `first registrant ${e.entity.id} registered ${e.entity.memberCount} ${YOUNG_LOW_USE(e.maxKmPerDay)} within ${e.entity.windowDays} days`,
    ...entityFacts(e),
  }),
  [RULE_IDS.entityCohort]: (e) => ({
    sentence: `${e.entity.memberCount} vehicles first registered by ${e.cohort!.registrantTypes.join('/')} in ${e.cohort!.jurisdiction} within ${e.entity.windowDays} day(s) of ${e.cohort!.day} became ${YOUNG_LOW_USE(e.maxKmPerDay)}`,
    ...entityFacts(e),
  }),
};

/** An entity rule's facts: the entity, its count and window (cohort: spreadDays), typed alike. */
function entityFacts(e: EvidenceByRule['ZM-ENTITY-EXPORTER']): Omit<Rendered, 'sentence'> {
  const windowName = e.cohort ? 'spreadDays' : 'windowDays';
  return {
    facts: {
      entity: e.entity.id,
      count: String(e.entity.memberCount),
      [windowName]: String(e.entity.windowDays),
    },
    numeric: { count: e.entity.memberCount, threshold: e.threshold, [windowName]: e.entity.windowDays },
  };
}

/** A fired rule as the alert carries it. */
export function renderHit(f: Fired): RuleHit {
  const r = (RENDER[f.ruleId] as (e: Fired['evidence']) => Rendered)(f.evidence);
  return {
    ruleId: f.ruleId,
    weight: f.weight,
    evidence: r.sentence,
    facts: r.facts,
    numericFacts: r.numeric,
    typology: typologyOf(f.ruleId),
    entity: 'entity' in f.evidence ? f.evidence.entity : null,
  };
}
