import {
  ENTITY_MEMBER_VINS_CAP,
  SEVERITY_SYMBOLS,
  TYPOLOGIES,
  type EntityEvidence,
  type PartyType,
  type RuleHit,
  type Severity,
  type Typology,
  type TypologyVerdict,
} from '@zmwatch/schemas';
import { isYoungLowUse, type EntityCounts } from './entity-windows.js';
import type { Ruleset } from './ruleset.js';
import type { OpenDeclaration, VinState } from './vin-state.js';

/** Everything known about the VIN when a declaration is evaluated. */
export interface EvaluationSubject {
  vin: string;
  vinCheckDigitValid: boolean;
  state: VinState;
  /**
   * Vehicles the first registrant registered on days within the velocity window of this vehicle's
   * first registration (this one included); null when unknown (no registration).
   */
  registrantVelocity: number | null;
  /** Counts of the declaration's entities (entity-windows.ts); absent = no entity signals. */
  entityCounts?: EntityCounts;
}

export interface Evaluation {
  score: number;
  /** Severity band of the score; null when the score is below the lowest band. */
  severity: Severity | null;
  /** True when the score reaches the ruleset's minAlertScore. */
  alert: boolean;
  rules: RuleHit[];
  /** One verdict per typology any fired rule supports (alert contract v3), in TYPOLOGIES order. */
  typologies: TypologyVerdict[];
  /** Every fact the rules looked at, as strings (the Alert schema's facts map). */
  facts: Record<string, string>;
  /**
   * Data-quality findings: values the contract allows but no real vehicle holds (a negative or absurd
   * odometer). They never add weight; they ride on the alert as the `dataQuality` fact.
   */
  findings: DataQualityFinding[];
}

export interface DataQualityFinding {
  field: string;
  value: string;
  problem: string;
}

export const RULE_IDS = {
  rapidExport: 'ZM-RAPID-EXPORT',
  nearZeroOdometer: 'ZM-NEAR-ZERO-ODOMETER',
  usedButNewToTrade: 'ZM-USED-BUT-NEW-TO-TRADE',
  exportPreparation: 'ZM-EXPORT-PREPARATION',
  deregistrationNearDeclaration: 'ZM-DEREGISTRATION-NEAR-DECLARATION',
  registrantVelocity: 'ZM-REGISTRANT-VELOCITY',
  afterSalesConfirmation: 'ZM-NO-AFTER-SALES-CONFIRMATION',
  destinationBan: 'ZM-DESTINATION-BAN',
  destinationWaitingPeriod: 'ZM-DESTINATION-WAITING-PERIOD',
  vinCheckDigitMismatch: 'ZM-VIN-CHECK-DIGIT-MISMATCH',
  entityExporter: 'ZM-ENTITY-EXPORTER',
  entityTransferee: 'ZM-ENTITY-TRANSFEREE',
  entityRegistrant: 'ZM-ENTITY-REGISTRANT',
  entityCohort: 'ZM-ENTITY-COHORT',
} as const;
type RuleId = (typeof RULE_IDS)[keyof typeof RULE_IDS];

/** The typology each rule supports (RuleHit.typology). */
export const RULE_TYPOLOGY: Record<RuleId, Typology> = {
  [RULE_IDS.rapidExport]: 'ZERO_MILEAGE',
  [RULE_IDS.nearZeroOdometer]: 'ZERO_MILEAGE',
  [RULE_IDS.usedButNewToTrade]: 'ZERO_MILEAGE',
  [RULE_IDS.exportPreparation]: 'ZERO_MILEAGE',
  [RULE_IDS.deregistrationNearDeclaration]: 'ZERO_MILEAGE',
  [RULE_IDS.vinCheckDigitMismatch]: 'ZERO_MILEAGE',
  [RULE_IDS.registrantVelocity]: 'RING_OR_TRADER',
  [RULE_IDS.entityExporter]: 'RING_OR_TRADER',
  [RULE_IDS.entityTransferee]: 'RING_OR_TRADER',
  [RULE_IDS.entityRegistrant]: 'RING_OR_TRADER',
  [RULE_IDS.entityCohort]: 'RING_OR_TRADER',
  [RULE_IDS.afterSalesConfirmation]: 'COMPLIANCE_BREACH',
  [RULE_IDS.destinationBan]: 'COMPLIANCE_BREACH',
  [RULE_IDS.destinationWaitingPeriod]: 'COMPLIANCE_BREACH',
};

const DAY_MS = 86_400_000;
const fmtDays = (d: number): string => (Math.round(d * 10) / 10).toString();
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Score one declaration against what is known about its VIN. Pure: same inputs, same output, so a
 * replay or a second worker reaches the same verdict (and the same alert id) as the first.
 */
export function evaluate(subject: EvaluationSubject, decl: OpenDeclaration, ruleset: Ruleset): Evaluation {
  const { state } = subject;
  const rules = ruleset.rules;
  const reg = state.registration;
  const hits: RuleHit[] = [];
  const used = decl.declaredCondition === 'USED';
  const days = reg ? (decl.eventTime - reg.time) / DAY_MS : null;

  const facts: Record<string, string> = {
    vin: subject.vin,
    declarationId: decl.declarationId,
    declarationTime: iso(decl.eventTime),
    declaredCondition: decl.declaredCondition,
    declaredOdometerKm: decl.declaredOdometerKm === null ? 'unknown' : String(decl.declaredOdometerKm),
    destinationCountry: decl.destinationCountry,
    exporterId: decl.exporterId,
    exporterType: decl.exporterType,
    afterSalesConfirmationRef: decl.hasAfterSalesRef ? 'present' : 'absent',
    vinCheckDigitValid: String(subject.vinCheckDigitValid),
    firstRegistration: reg ? iso(reg.time) : 'unknown',
  };
  if (reg && days !== null) {
    facts.daysSinceFirstRegistration = fmtDays(days);
    facts.registrantId = reg.partyId;
    facts.registrantType = reg.partyType;
    facts.registrationCondition = reg.condition;
    facts.jurisdiction = reg.jurisdiction;
  }
  if (subject.registrantVelocity !== null) facts.registrantVelocity = String(subject.registrantVelocity);
  if (state.lastTransfer)
    facts.lastTransfer = `${iso(state.lastTransfer.time)} to ${state.lastTransfer.partyType} ${state.lastTransfer.partyId}`;
  if (state.pendingExportTransferAt !== undefined)
    facts.pendingExportTransfer = iso(state.pendingExportTransferAt);
  if (state.tempExportPlateAt !== undefined) facts.tempExportPlate = iso(state.tempExportPlateAt);
  if (state.deregistration)
    facts.deregistration = `${iso(state.deregistration.time)} (${state.deregistration.reason})`;

  // `numeric` holds the same facts typed (days unrounded, times as epoch ms) so readers need not parse.
  const hit: Hit = (ruleId, weight, evidence, ruleFacts, numeric = {}, entity = null) =>
    hits.push({
      ruleId,
      weight,
      evidence,
      facts: ruleFacts,
      numericFacts: numeric,
      typology: RULE_TYPOLOGY[ruleId],
      entity,
    });
  const findings = dataQualityFindings(decl, ruleset);
  if (findings.length > 0)
    facts.dataQuality = findings.map((f) => `${f.field} ${f.value}: ${f.problem}`).join('; ');

  // Rapid export: the first (tightest) tier the elapsed days fall into.
  if (reg && days !== null) {
    const tier = rules.rapidExport.tiers.find((t) => days <= t.maxDays);
    if (tier) {
      const evidence =
        days >= 0
          ? `declared for export ${fmtDays(days)} days after first registration (within ${tier.maxDays} days)`
          : `declared for export ${fmtDays(-days)} days before its first registration`;
      hit(
        RULE_IDS.rapidExport,
        tier.weight,
        evidence,
        { daysSinceFirstRegistration: fmtDays(days), tierMaxDays: String(tier.maxDays) },
        {
          daysSinceFirstRegistration: days,
          tierMaxDays: tier.maxDays,
          registrationTime: reg.time,
          declarationTime: decl.eventTime,
        },
      );
    }
  }

  // Declared used with (almost) nothing on the odometer; an invalid reading is a finding, not "near zero".
  const odo = odometerIfValid(decl, ruleset);
  if (used && odo !== null && odo <= rules.nearZeroOdometer.maxKm) {
    hit(
      RULE_IDS.nearZeroOdometer,
      rules.nearZeroOdometer.weight,
      `declared used with ${odo} km on the odometer`,
      {
        declaredOdometerKm: String(odo),
        maxKm: String(rules.nearZeroOdometer.maxKm),
      },
      { declaredOdometerKm: odo, maxKm: rules.nearZeroOdometer.maxKm },
    );
  }

  // Declared used although it was first registered new to a trader.
  // Who registered it only matters for a vehicle that was hardly driven (ruleset maxKmPerDay).
  const littleUsed = (maxKmPerDay: number | undefined): boolean =>
    maxKmPerDay === undefined || odo === null || days === null || odo <= maxKmPerDay * Math.max(days, 1);

  if (
    used &&
    reg &&
    reg.condition === 'NEW' &&
    (rules.usedButNewToTrade.registrantTypes as readonly PartyType[]).includes(reg.partyType) &&
    littleUsed(rules.usedButNewToTrade.maxKmPerDay)
  ) {
    hit(
      RULE_IDS.usedButNewToTrade,
      rules.usedButNewToTrade.weight,
      `declared used, but first registered new to ${reg.partyType} ${reg.partyId}`,
      { registrantType: reg.partyType, registrantId: reg.partyId, registrationCondition: reg.condition },
      { registrationTime: reg.time },
    );
  }

  // Export preparation soon after first registration.
  if (reg) {
    const within = rules.exportPreparation.withinDays;
    const signs: string[] = [];
    const ruleFacts: Record<string, string> = { withinDays: String(within) };
    const numeric: Record<string, number> = { withinDays: within, registrationTime: reg.time };
    const near = (t: number | undefined) =>
      t !== undefined && t >= reg.time && (t - reg.time) / DAY_MS <= within;
    if (near(state.pendingExportTransferAt)) {
      const d = (state.pendingExportTransferAt! - reg.time) / DAY_MS;
      signs.push(`transfer flagged pending export ${fmtDays(d)} days after first registration`);
      ruleFacts.daysToPendingExportTransfer = fmtDays(d);
      numeric.daysToPendingExportTransfer = d;
      numeric.pendingExportTransferTime = state.pendingExportTransferAt!;
    }
    if (near(state.tempExportPlateAt)) {
      const d = (state.tempExportPlateAt! - reg.time) / DAY_MS;
      signs.push(`temporary export plate ${fmtDays(d)} days after first registration`);
      ruleFacts.daysToTempExportPlate = fmtDays(d);
      numeric.daysToTempExportPlate = d;
      numeric.tempExportPlateTime = state.tempExportPlateAt!;
    }
    if (signs.length > 0)
      hit(RULE_IDS.exportPreparation, rules.exportPreparation.weight, signs.join('; '), ruleFacts, numeric);
  }

  // Deregistration shortly before or after the declaration.
  const dereg = state.deregistration;
  if (dereg) {
    const d = (dereg.time - decl.eventTime) / DAY_MS;
    if (Math.abs(d) <= rules.deregistrationNearDeclaration.withinDays) {
      hit(
        RULE_IDS.deregistrationNearDeclaration,
        rules.deregistrationNearDeclaration.weight,
        `deregistered (${dereg.reason}) ${fmtDays(Math.abs(d))} days ${d < 0 ? 'before' : 'after'} the declaration`,
        { daysFromDeclaration: fmtDays(d), reason: dereg.reason },
        {
          daysFromDeclaration: d,
          withinDays: rules.deregistrationNearDeclaration.withinDays,
          deregistrationTime: dereg.time,
        },
      );
    }
  }

  // One registrant registering many vehicles in a short window.
  const v = subject.registrantVelocity;
  if (
    reg &&
    v !== null &&
    v >= rules.registrantVelocity.threshold &&
    littleUsed(rules.registrantVelocity.maxKmPerDay)
  ) {
    hit(
      RULE_IDS.registrantVelocity,
      rules.registrantVelocity.weight,
      `registrant ${reg.partyId} registered ${v} vehicles on the ${2 * rules.registrantVelocity.windowDays - 1} days around this one's first registration (up to ${rules.registrantVelocity.windowDays - 1} days either side)`,
      {
        registrantId: reg.partyId,
        registrations: String(v),
        windowDays: String(rules.registrantVelocity.windowDays),
      },
      {
        registrations: v,
        threshold: rules.registrantVelocity.threshold,
        windowDays: rules.registrantVelocity.windowDays,
      },
    );
  }

  // China 2026: used export within N days of registration needs an after-sales confirmation.
  const asc = rules.afterSalesConfirmation;
  if (
    used &&
    reg &&
    days !== null &&
    days <= asc.withinDays &&
    !decl.hasAfterSalesRef &&
    decl.eventTime >= Date.parse(asc.effectiveFrom) &&
    asc.jurisdictionPrefixes.some((p) => reg.jurisdiction.startsWith(p))
  ) {
    hit(
      RULE_IDS.afterSalesConfirmation,
      asc.weight,
      `used export ${fmtDays(days)} days after registration in ${reg.jurisdiction} without an after-sales confirmation reference`,
      {
        daysSinceFirstRegistration: fmtDays(days),
        jurisdiction: reg.jurisdiction,
        withinDays: String(asc.withinDays),
      },
      { daysSinceFirstRegistration: days, withinDays: asc.withinDays },
    );
  }

  entityHits(subject, decl, ruleset, hit);

  // Destination country rules: aggravating only (they raise the severity of a declaration the other
  // rules already alert on, never make an alert) unless the country's rule says otherwise.
  const dest = rules.destinations.find((r) => r.country === decl.destinationCountry);
  const others = hits.reduce((sum, h) => sum + h.weight, 0);
  if (dest && days !== null && (!dest.aggravatingOnly || others >= ruleset.scoring.minAlertScore)) {
    if (dest.kind === 'ban' && days <= dest.withinDays) {
      hit(
        RULE_IDS.destinationBan,
        dest.weight,
        `${dest.country} bans importing vehicles registered within ${dest.withinDays} days; this one was registered ${fmtDays(days)} days before export`,
        {
          destinationCountry: dest.country,
          withinDays: String(dest.withinDays),
          daysSinceFirstRegistration: fmtDays(days),
        },
        { withinDays: dest.withinDays, daysSinceFirstRegistration: days },
      );
    } else if (dest.kind === 'waiting-period' && days < dest.waitingDays) {
      hit(
        RULE_IDS.destinationWaitingPeriod,
        dest.weight,
        `${dest.country} requires ${dest.waitingDays} days between first registration and export; this one had ${fmtDays(days)}`,
        {
          destinationCountry: dest.country,
          waitingDays: String(dest.waitingDays),
          daysSinceFirstRegistration: fmtDays(days),
        },
        { waitingDays: dest.waitingDays, daysSinceFirstRegistration: days },
      );
    }
  }

  // Aggravating only: a bad check digit on its own is common (many Chinese VINs skip it).
  if (!subject.vinCheckDigitValid && hits.length > 0) {
    hit(
      RULE_IDS.vinCheckDigitMismatch,
      rules.vinCheckDigitMismatch.weight,
      'VIN check digit (position 9) does not match',
      {
        vin: subject.vin,
      },
      {},
    );
  }

  const score = hits.reduce((s, h) => s + h.weight, 0);
  return {
    score,
    severity: severityFor(score, ruleset),
    alert: score >= ruleset.scoring.minAlertScore,
    rules: hits,
    typologies: typologyVerdicts(hits, ruleset),
    facts,
    findings,
  };
}

/** One verdict per typology a hit supports, each on the ruleset's threshold and bands. */
function typologyVerdicts(hits: readonly RuleHit[], ruleset: Ruleset): TypologyVerdict[] {
  const out: TypologyVerdict[] = [];
  for (const typology of TYPOLOGIES) {
    const mine = hits.filter((h) => h.typology === typology);
    if (mine.length === 0) continue;
    const score = mine.reduce((s, h) => s + h.weight, 0);
    const reached = score >= ruleset.scoring.minAlertScore;
    out.push({ typology, score, severity: reached ? severityFor(score, ruleset) : null, reached });
  }
  return out;
}

type Hit = (
  ruleId: RuleId,
  weight: number,
  evidence: string,
  ruleFacts: Record<string, string>,
  numeric?: Record<string, number>,
  entity?: EntityEvidence | null,
) => void;

/** An entity's evidence: its members sorted and capped at ENTITY_MEMBER_VINS_CAP. */
function entityEvidence(
  kind: EntityEvidence['kind'],
  id: string,
  count: number,
  windowDays: number,
  members: readonly string[] = [],
): EntityEvidence {
  const sorted = [...members].sort();
  return {
    kind,
    id,
    memberCount: count,
    windowDays,
    memberVins: sorted.slice(0, ENTITY_MEMBER_VINS_CAP),
    memberVinsTruncated: count > Math.min(sorted.length, ENTITY_MEMBER_VINS_CAP),
  };
}

/** Entity signals: only for a young, little-used vehicle declared used (see entity-windows.ts). */
function entityHits(subject: EvaluationSubject, decl: OpenDeclaration, ruleset: Ruleset, hit: Hit): void {
  const cfg = ruleset.entitySignals;
  const c = subject.entityCounts;
  if (!cfg || !c || !isYoungLowUse(subject.state, decl, cfg)) return;
  const max = cfg.youngLowUse.maxKmPerDay;
  const what = `young vehicles declared used with at most ${max} km per day`;
  if (c.exporter && c.exporter.count >= cfg.exporter.threshold)
    hit(
      RULE_IDS.entityExporter,
      cfg.exporter.weight,
      `exporter ${c.exporter.id} declared ${c.exporter.count} ${what} within ${cfg.exporter.windowDays} days`,
      { entity: c.exporter.id, count: String(c.exporter.count), windowDays: String(cfg.exporter.windowDays) },
      { count: c.exporter.count, threshold: cfg.exporter.threshold, windowDays: cfg.exporter.windowDays },
      entityEvidence(
        'EXPORTER',
        c.exporter.id,
        c.exporter.count,
        cfg.exporter.windowDays,
        c.exporter.members,
      ),
    );
  if (c.transferee && c.transferee.count >= cfg.transferee.threshold)
    hit(
      RULE_IDS.entityTransferee,
      cfg.transferee.weight,
      `${c.transferee.id} received ${c.transferee.count} near-new vehicles from distinct individuals (${what}) within ${cfg.transferee.windowDays} days`,
      {
        entity: c.transferee.id,
        count: String(c.transferee.count),
        windowDays: String(cfg.transferee.windowDays),
      },
      {
        count: c.transferee.count,
        threshold: cfg.transferee.threshold,
        windowDays: cfg.transferee.windowDays,
      },
      entityEvidence(
        'TRANSFEREE',
        c.transferee.id,
        c.transferee.count,
        cfg.transferee.windowDays,
        c.transferee.members,
      ),
    );
  if (c.registrant && c.registrant.count >= cfg.registrant.threshold)
    hit(
      RULE_IDS.entityRegistrant,
      cfg.registrant.weight,
      `first registrant ${c.registrant.id} registered ${c.registrant.count} ${what} within ${cfg.registrant.windowDays} days`,
      {
        entity: c.registrant.id,
        count: String(c.registrant.count),
        windowDays: String(cfg.registrant.windowDays),
      },
      {
        count: c.registrant.count,
        threshold: cfg.registrant.threshold,
        windowDays: cfg.registrant.windowDays,
      },
      entityEvidence(
        'REGISTRANT',
        c.registrant.id,
        c.registrant.count,
        cfg.registrant.windowDays,
        c.registrant.members,
      ),
    );
  if (c.cohort && c.cohort.count >= cfg.cohort.threshold) {
    const day = iso(c.cohort.day * DAY_MS).slice(0, 10);
    hit(
      RULE_IDS.entityCohort,
      cfg.cohort.weight,
      `${c.cohort.count} vehicles first registered by ${cfg.cohort.registrantTypes.join('/')} in ${c.cohort.jurisdiction} within ${cfg.cohort.spreadDays} day(s) of ${day} became ${what}`,
      {
        entity: `${c.cohort.jurisdiction}:${day}`,
        count: String(c.cohort.count),
        spreadDays: String(cfg.cohort.spreadDays),
      },
      { count: c.cohort.count, threshold: cfg.cohort.threshold, spreadDays: cfg.cohort.spreadDays },
      entityEvidence(
        'COHORT',
        `${c.cohort.jurisdiction}:${day}`,
        c.cohort.count,
        cfg.cohort.spreadDays,
        c.cohort.members,
      ),
    );
  }
}

/** The declared odometer when it is a plausible reading; null when absent or invalid. */
function odometerIfValid(decl: OpenDeclaration, ruleset: Ruleset): number | null {
  const odo = decl.declaredOdometerKm;
  if (odo === null || odo < 0 || odo > ruleset.dataQuality.maxPlausibleOdometerKm) return null;
  return odo;
}

export function dataQualityFindings(decl: OpenDeclaration, ruleset: Ruleset): DataQualityFinding[] {
  const odo = decl.declaredOdometerKm;
  const max = ruleset.dataQuality.maxPlausibleOdometerKm;
  if (odo === null) return [];
  if (odo < 0) return [{ field: 'declaredOdometerKm', value: String(odo), problem: 'negative reading' }];
  if (odo > max)
    return [{ field: 'declaredOdometerKm', value: String(odo), problem: `above the plausible ${max} km` }];
  return [];
}

export function severityFor(score: number, ruleset: Ruleset): Severity | null {
  let band: Severity | null = null;
  for (const s of SEVERITY_SYMBOLS) if (score >= ruleset.scoring.severityBands[s]) band = s;
  return band;
}
