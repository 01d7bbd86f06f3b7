/**
 * The rule table: each rule is a small pure function from what is known about a declaration to its
 * typed evidence (or null: it does not fire), the typology it supports, and its weight from the
 * ruleset. Order is evaluation order, the order of an alert's `rules`. Thresholds and weights live in
 * the YAML ruleset (rulesets/); sentences and facts are rendered from the evidence (render.ts).
 */
import { DAY_MS, type PartyType, type Typology } from '@zmwatch/schemas';
import { isYoungLowUse, type EntityCounts } from '../entity-windows.js';
import type { EntitySignalsConfig, Ruleset } from '../ruleset.js';
import { entityEvidence } from './entity-evidence.js';
import { RULE_IDS, type EvidenceByRule, type Fired, type RuleId } from './evidence.js';
import { littleUsed, type RuleSubject } from './subject.js';

export interface Rule<K extends RuleId = RuleId> {
  id: K;
  typology: Typology;
  /** The evidence when the rule fires, else null. `prior`: the hits of the rules before it. */
  hit(s: RuleSubject, prior: readonly Fired[]): EvidenceByRule[K] | null;
  /** Its weight for that evidence, from the ruleset. */
  weight(e: EvidenceByRule[K], ruleset: Ruleset): number;
}

const rule = <K extends RuleId>(r: Rule<K>): Rule<K> => r;

/** Within `within` days after first registration (not before it). */
const daysAfter = (s: RuleSubject, t: number | undefined, within: number): number | null => {
  if (t === undefined || !s.reg || t < s.reg.time) return null;
  const d = (t - s.reg.time) / DAY_MS;
  return d <= within ? d : null;
};

/** One entity rule: fires when the entity's count reaches its threshold (young, little used only). */
function entityRule(
  id: RuleId & `ZM-ENTITY-${string}`,
  kind: 'exporter' | 'transferee' | 'registrant' | 'cohort',
): Rule {
  const cfgOf = (r: Ruleset): EntitySignalsConfig | undefined => r.entitySignals;
  return rule({
    id,
    typology: 'RING_OR_TRADER',
    hit(s) {
      const cfg = cfgOf(s.ruleset);
      const c: EntityCounts | undefined = s.entityCounts;
      if (!cfg || !c || !isYoungLowUse(s.state, s.decl, cfg)) return null;
      const maxKmPerDay = cfg.youngLowUse.maxKmPerDay;
      if (kind === 'cohort') {
        const k = c.cohort;
        if (!k || k.count < cfg.cohort.threshold) return null;
        const day = new Date(k.day * DAY_MS).toISOString().slice(0, 10);
        const id = `${k.jurisdiction}:${day}`;
        return {
          entity: entityEvidence('COHORT', id, k.count, cfg.cohort.spreadDays, k.members),
          threshold: cfg.cohort.threshold,
          maxKmPerDay,
          cohort: {
            registrantTypes: cfg.cohort.registrantTypes as readonly PartyType[],
            jurisdiction: k.jurisdiction,
            day,
          },
        };
      }
      const k = c[kind];
      const t = cfg[kind];
      if (!k || k.count < t.threshold) return null;
      const entity = entityEvidence(
        kind.toUpperCase() as 'EXPORTER' | 'TRANSFEREE' | 'REGISTRANT',
        k.id,
        k.count,
        t.windowDays,
        k.members,
      );
      return { entity, threshold: t.threshold, maxKmPerDay };
    },
    weight: (_e, r) => r.entitySignals![kind].weight,
  }) as Rule;
}

export const RULES: readonly Rule[] = [
  // Days from first registration to the declaration, graded: the first (tightest) tier that fits.
  rule({
    id: RULE_IDS.rapidExport,
    typology: 'ZERO_MILEAGE',
    hit(s) {
      if (!s.reg || s.days === null) return null;
      const tier = firstTier(s.ruleset.rules.rapidExport.tiers, s.days);
      if (!tier) return null;
      return {
        daysSinceFirstRegistration: s.days,
        tierMaxDays: tier.maxDays,
        registrationTime: s.reg.time,
        declarationTime: s.decl.eventTime,
      };
    },
    weight: (e, r) => firstTier(r.rules.rapidExport.tiers, e.tierMaxDays)!.weight,
  }),
  // Declared used with (almost) nothing on the odometer; an invalid reading is a finding, not "near zero".
  rule({
    id: RULE_IDS.nearZeroOdometer,
    typology: 'ZERO_MILEAGE',
    hit(s) {
      const maxKm = s.ruleset.rules.nearZeroOdometer.maxKm;
      if (!s.used || s.odometerKm === null || s.odometerKm > maxKm) return null;
      return { declaredOdometerKm: s.odometerKm, maxKm };
    },
    weight: (_e, r) => r.rules.nearZeroOdometer.weight,
  }),
  // Declared used although first registered new to a trader, and hardly driven since.
  rule({
    id: RULE_IDS.usedButNewToTrade,
    typology: 'ZERO_MILEAGE',
    hit(s) {
      const cfg = s.ruleset.rules.usedButNewToTrade;
      const reg = s.reg;
      if (!s.used || !reg || reg.condition !== 'NEW') return null;
      if (!(cfg.registrantTypes as readonly PartyType[]).includes(reg.partyType)) return null;
      if (!littleUsed(s, cfg.maxKmPerDay)) return null;
      return { registrantId: reg.partyId, registrantType: reg.partyType, registrationTime: reg.time };
    },
    weight: (_e, r) => r.rules.usedButNewToTrade.weight,
  }),
  // A transfer flagged pending export or a temporary export plate soon after first registration.
  rule({
    id: RULE_IDS.exportPreparation,
    typology: 'ZERO_MILEAGE',
    hit(s) {
      if (!s.reg) return null;
      const withinDays = s.ruleset.rules.exportPreparation.withinDays;
      const pending = daysAfter(s, s.state.pendingExportTransferAt, withinDays);
      const plate = daysAfter(s, s.state.tempExportPlateAt, withinDays);
      if (pending === null && plate === null) return null;
      return {
        withinDays,
        registrationTime: s.reg.time,
        ...(pending !== null && {
          pendingExportTransfer: { days: pending, time: s.state.pendingExportTransferAt! },
        }),
        ...(plate !== null && { tempExportPlate: { days: plate, time: s.state.tempExportPlateAt! } }),
      };
    },
    weight: (_e, r) => r.rules.exportPreparation.weight,
  }),
  // Deregistration shortly before or after the declaration.
  rule({
    id: RULE_IDS.deregistrationNearDeclaration,
    typology: 'ZERO_MILEAGE',
    hit(s) {
      const dereg = s.state.deregistration;
      const withinDays = s.ruleset.rules.deregistrationNearDeclaration.withinDays;
      if (!dereg) return null;
      const d = (dereg.time - s.decl.eventTime) / DAY_MS;
      if (Math.abs(d) > withinDays) return null;
      return { daysFromDeclaration: d, withinDays, reason: dereg.reason, deregistrationTime: dereg.time };
    },
    weight: (_e, r) => r.rules.deregistrationNearDeclaration.weight,
  }),
  // One registrant registering many (hardly driven) vehicles in a short window: a trader.
  rule({
    id: RULE_IDS.registrantVelocity,
    typology: 'RING_OR_TRADER',
    hit(s) {
      const cfg = s.ruleset.rules.registrantVelocity;
      const v = s.registrantVelocity;
      if (!s.reg || v === null || v < cfg.threshold || !littleUsed(s, cfg.maxKmPerDay)) return null;
      return {
        registrantId: s.reg.partyId,
        registrations: v,
        threshold: cfg.threshold,
        windowDays: cfg.windowDays,
      };
    },
    weight: (_e, r) => r.rules.registrantVelocity.weight,
  }),
  // China 2026: a used export within N days of registration needs an after-sales confirmation.
  rule({
    id: RULE_IDS.afterSalesConfirmation,
    typology: 'COMPLIANCE_BREACH',
    hit(s) {
      const cfg = s.ruleset.rules.afterSalesConfirmation;
      const reg = s.reg;
      if (!s.used || !reg || s.days === null || s.days > cfg.withinDays || s.decl.hasAfterSalesRef)
        return null;
      if (s.decl.eventTime < epochMs(cfg.effectiveFrom)) return null;
      if (!startsWithAny(reg.jurisdiction, cfg.jurisdictionPrefixes)) return null;
      return {
        daysSinceFirstRegistration: s.days,
        jurisdiction: reg.jurisdiction,
        withinDays: cfg.withinDays,
      };
    },
    weight: (_e, r) => r.rules.afterSalesConfirmation.weight,
  }),
  entityRule(RULE_IDS.entityExporter, 'exporter'),
  entityRule(RULE_IDS.entityTransferee, 'transferee'),
  entityRule(RULE_IDS.entityRegistrant, 'registrant'),
  entityRule(RULE_IDS.entityCohort, 'cohort'),
  // The destination country bans importing vehicles registered so recently.
  rule({
    id: RULE_IDS.destinationBan,
    typology: 'COMPLIANCE_BREACH',
    hit(s, prior) {
      const dest = destinationOf(s, prior);
      if (!dest || dest.kind !== 'ban' || s.days === null || s.days > dest.withinDays) return null;
      return {
        destinationCountry: dest.country,
        withinDays: dest.withinDays,
        daysSinceFirstRegistration: s.days,
      };
    },
    weight: (e, r) => destinationWeight(e.destinationCountry, r),
  }),
  // The destination country requires a waiting period between first registration and export.
  rule({
    id: RULE_IDS.destinationWaitingPeriod,
    typology: 'COMPLIANCE_BREACH',
    hit(s, prior) {
      const dest = destinationOf(s, prior);
      if (!dest || dest.kind !== 'waiting-period' || s.days === null || s.days >= dest.waitingDays)
        return null;
      return {
        destinationCountry: dest.country,
        waitingDays: dest.waitingDays,
        daysSinceFirstRegistration: s.days,
      };
    },
    weight: (e, r) => destinationWeight(e.destinationCountry, r),
  }),
  // Aggravating only: a bad check digit alone is common (many Chinese VINs skip it); it adds to a
  // zero-mileage finding, never makes one.
  rule({
    id: RULE_IDS.vinCheckDigitMismatch,
    typology: 'ZERO_MILEAGE',
    hit(s, prior) {
      if (s.vinCheckDigitValid) return null;
      // (Under the combined scale of 2026.3.0: when any rule fired.)
      const aggravates = s.ruleset.combined
        ? prior.length > 0
        : prior.some((p) => RULE_BY_ID.get(p.ruleId)!.typology === 'ZERO_MILEAGE');
      if (!aggravates) return null;
      return { vin: s.vin };
    },
    weight: (_e, r) => r.rules.vinCheckDigitMismatch.weight,
  }),
];

/**
 * The destination country's rule. Under the combined scale of 2026.3.0 a rule is aggravating only
 * unless it says `aggravatingOnly: false`: it applies when the rules before it reach minAlertScore.
 */
function destinationOf(s: RuleSubject, prior: readonly Fired[]) {
  const dest = destinationRule(s.ruleset, s.decl.destinationCountry);
  const combined = s.ruleset.combined;
  if (!dest || !combined || dest.aggravatingOnly === false) return dest;
  return prior.reduce((sum, p) => sum + p.weight, 0) >= combined.minAlertScore ? dest : undefined;
}
function destinationWeight(country: string, r: Ruleset): number {
  return destinationRule(r, country)!.weight;
}

// The helpers below run for every evaluated declaration: plain loops and memos, no closure per call
// and no date parsing per call.

/** The first (tightest) tier whose maxDays is at least `days`. */
function firstTier<T extends { maxDays: number }>(tiers: readonly T[], days: number): T | undefined {
  for (const t of tiers) if (days <= t.maxDays) return t;
  return undefined;
}

function startsWithAny(s: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (s.startsWith(p)) return true;
  return false;
}

const parsedDates = new Map<string, number>();
/** Date.parse of a ruleset date, parsed once. */
function epochMs(iso: string): number {
  let t = parsedDates.get(iso);
  if (t === undefined) parsedDates.set(iso, (t = Date.parse(iso)));
  return t;
}

type Destination = Ruleset['rules']['destinations'][number];
const destinationsByRuleset = new WeakMap<Ruleset, ReadonlyMap<string, Destination>>();
/** The ruleset's destination rule for a country (the first listed), looked up in a map built once. */
function destinationRule(r: Ruleset, country: string): Destination | undefined {
  let byCountry = destinationsByRuleset.get(r);
  if (!byCountry) {
    const m = new Map<string, Destination>();
    for (const d of r.rules.destinations) if (!m.has(d.country)) m.set(d.country, d);
    destinationsByRuleset.set(r, (byCountry = m));
  }
  return byCountry.get(country);
}

export const RULE_BY_ID: ReadonlyMap<RuleId, Rule> = new Map(RULES.map((r) => [r.id, r]));

/** The typology a rule supports (RuleHit.typology). */
export const typologyOf = (id: RuleId): Typology => RULE_BY_ID.get(id)!.typology;

/** Every rule of the table that fires for the subject, in table order. */
export function fireRules(s: RuleSubject): Fired[] {
  const fired: Fired[] = [];
  for (const r of RULES) {
    const evidence = r.hit(s, fired);
    if (evidence !== null)
      fired.push({ ruleId: r.id, weight: r.weight(evidence, s.ruleset), evidence } as Fired);
  }
  return fired;
}
