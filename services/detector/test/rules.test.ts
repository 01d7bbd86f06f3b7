import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENTITY_MEMBER_VINS_CAP } from '@zmwatch/schemas';
import { dayOf } from '../src/keys.js';
import { RULE_IDS, type Fired, type RuleId } from '../src/rules/evidence.js';
import { renderHit } from '../src/rules/render.js';
import { ruleSubject, type EvaluationSubject } from '../src/rules/subject.js';
import { fireRules, RULES } from '../src/rules/table.js';
import { loadRuleset } from '../src/ruleset.js';
import type { OpenDeclaration } from '../src/vin-state.js';
import { evaluationSubject, EVAL_VIN, openDeclaration } from './support/evaluation-fixtures.js';
import { DAY, T0 } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';

const ruleset = loadRuleset();
const VIN = EVAL_VIN;
const decl = openDeclaration;
const subject = evaluationSubject;

const fire = (s: EvaluationSubject, d: OpenDeclaration): Fired[] => fireRules(ruleSubject(s, d, ruleset));
const only = (fired: Fired[], id: RuleId): Fired => {
  const f = fired.find((x) => x.ruleId === id);
  assert.ok(f, `${id} did not fire: ${fired.map((x) => x.ruleId).join(',')}`);
  return f;
};

/** A young, little-used vehicle declared used (what entity rules need), 60 days after registration. */
const youngUsed = decl({ eventTime: T0 + 60 * DAY, declaredCondition: 'USED', declaredOdometerKm: 300 });
/** n member VINs, sorted (as the evidence lists them). */
const members = (n: number) => Array.from({ length: n }, (_, i) => vinFor(`m-${i}`)).sort();

/** One case per rule: a subject that fires it, the typed evidence expected, and what it renders to. */
const CASES: Record<
  RuleId,
  { s: EvaluationSubject; d: OpenDeclaration; evidence: unknown; weight: number; sentence: RegExp }
> = {
  [RULE_IDS.rapidExport]: {
    s: subject(),
    d: decl({ eventTime: T0 + 6 * DAY }),
    evidence: {
      daysSinceFirstRegistration: 6,
      tierMaxDays: 30,
      registrationTime: T0,
      declarationTime: T0 + 6 * DAY,
    },
    weight: 40,
    sentence: /^declared for export 6 days after first registration \(within 30 days\)$/,
  },
  [RULE_IDS.nearZeroOdometer]: {
    s: subject(),
    d: decl({ declaredCondition: 'USED', declaredOdometerKm: 12 }),
    evidence: { declaredOdometerKm: 12, maxKm: 50 },
    weight: 25,
    sentence: /^declared used with 12 km on the odometer$/,
  },
  [RULE_IDS.usedButNewToTrade]: {
    s: subject({
      registration: {
        time: T0,
        jurisdiction: 'CN-GD',
        partyId: 'DLR',
        partyType: 'DEALER',
        condition: 'NEW',
      },
    }),
    d: decl({ declaredCondition: 'USED' }),
    evidence: { registrantId: 'DLR', registrantType: 'DEALER', registrationTime: T0 },
    weight: 20,
    sentence: /^declared used, but first registered new to DEALER DLR$/,
  },
  [RULE_IDS.exportPreparation]: {
    s: subject({ pendingExportTransferAt: T0 + 3 * DAY }),
    d: decl(),
    evidence: {
      withinDays: 30,
      registrationTime: T0,
      pendingExportTransfer: { days: 3, time: T0 + 3 * DAY },
    },
    weight: 15,
    sentence: /^transfer flagged pending export 3 days after first registration$/,
  },
  [RULE_IDS.deregistrationNearDeclaration]: {
    s: subject({ deregistration: { time: T0 + 398 * DAY, reason: 'EXPORT' } }),
    d: decl(),
    evidence: {
      daysFromDeclaration: -2,
      withinDays: 15,
      reason: 'EXPORT',
      deregistrationTime: T0 + 398 * DAY,
    },
    weight: 10,
    sentence: /^deregistered \(EXPORT\) 2 days before the declaration$/,
  },
  [RULE_IDS.registrantVelocity]: {
    s: subject({}, { registrantVelocity: 25 }),
    d: decl(),
    evidence: { registrantId: 'R1', registrations: 25, threshold: 20, windowDays: 7 },
    weight: 15,
    sentence: /^registrant R1 registered 25 vehicles on the 13 days around/,
  },
  [RULE_IDS.afterSalesConfirmation]: {
    s: subject(),
    d: decl({
      eventTime: T0 + 100 * DAY,
      declaredCondition: 'USED',
      declaredOdometerKm: 3_000,
      hasAfterSalesRef: false,
    }),
    evidence: { daysSinceFirstRegistration: 100, jurisdiction: 'CN-GD', withinDays: 180 },
    weight: 20,
    sentence:
      /^used export 100 days after registration in CN-GD without an after-sales confirmation reference$/,
  },
  [RULE_IDS.entityExporter]: {
    s: subject({}, { entityCounts: { exporter: { id: 'EXP1', count: 12, members: members(12) } } }),
    d: youngUsed,
    evidence: {
      entity: {
        kind: 'EXPORTER',
        id: 'EXP1',
        memberCount: 12,
        windowDays: 30,
        memberVins: members(12),
        memberVinsTruncated: false,
      },
      threshold: 10,
      maxKmPerDay: 10,
    },
    weight: 10,
    sentence:
      /^exporter EXP1 declared 12 young vehicles declared used with at most 10 km per day within 30 days$/,
  },
  [RULE_IDS.entityTransferee]: {
    s: subject({}, { entityCounts: { transferee: { id: 'T1', count: 5, members: members(5) } } }),
    d: youngUsed,
    evidence: {
      entity: {
        kind: 'TRANSFEREE',
        id: 'T1',
        memberCount: 5,
        windowDays: 60,
        memberVins: members(5),
        memberVinsTruncated: false,
      },
      threshold: 5,
      maxKmPerDay: 10,
    },
    weight: 25,
    sentence: /^T1 received 5 near-new vehicles from distinct individuals/,
  },
  [RULE_IDS.entityRegistrant]: {
    // A trader: members beyond the cap are counted but not listed.
    s: subject({}, { entityCounts: { registrant: { id: 'R1', count: 70, members: members(70) } } }),
    d: youngUsed,
    evidence: {
      entity: {
        kind: 'REGISTRANT',
        id: 'R1',
        memberCount: 70,
        windowDays: 400,
        memberVins: members(70).slice(0, ENTITY_MEMBER_VINS_CAP),
        memberVinsTruncated: true,
      },
      threshold: 3,
      maxKmPerDay: 10,
    },
    weight: 25,
    sentence: /^first registrant R1 registered 70 young vehicles declared used/,
  },
  [RULE_IDS.entityCohort]: {
    s: subject(
      {},
      { entityCounts: { cohort: { jurisdiction: 'CN-GD', day: dayOf(T0), count: 4, members: members(4) } } },
    ),
    d: youngUsed,
    evidence: {
      entity: {
        kind: 'COHORT',
        id: `CN-GD:${new Date(T0).toISOString().slice(0, 10)}`,
        memberCount: 4,
        windowDays: 1,
        memberVins: members(4),
        memberVinsTruncated: false,
      },
      threshold: 4,
      maxKmPerDay: 10,
      cohort: {
        registrantTypes: ['INDIVIDUAL'],
        jurisdiction: 'CN-GD',
        day: new Date(T0).toISOString().slice(0, 10),
      },
    },
    weight: 30,
    sentence:
      /^4 vehicles first registered by INDIVIDUAL in CN-GD within 1 day\(s\) of \d{4}-\d\d-\d\d became/,
  },
  [RULE_IDS.destinationBan]: {
    s: subject(),
    d: decl({ destinationCountry: 'RU', eventTime: T0 + 300 * DAY }),
    evidence: { destinationCountry: 'RU', withinDays: 365, daysSinceFirstRegistration: 300 },
    weight: 30,
    sentence:
      /^RU bans importing vehicles registered within 365 days; this one was registered 300 days before export$/,
  },
  [RULE_IDS.destinationWaitingPeriod]: {
    s: subject(),
    d: decl({ destinationCountry: 'KZ', eventTime: T0 + 179 * DAY }),
    evidence: { destinationCountry: 'KZ', waitingDays: 180, daysSinceFirstRegistration: 179 },
    weight: 20,
    sentence: /^KZ requires 180 days between first registration and export; this one had 179$/,
  },
  [RULE_IDS.vinCheckDigitMismatch]: {
    s: subject({}, { vinCheckDigitValid: false }),
    d: decl({ eventTime: T0 + 6 * DAY }),
    evidence: { vin: VIN },
    weight: 5,
    sentence: /^VIN check digit \(position 9\) does not match$/,
  },
};

test('the table has one case here per rule, ids unique', () => {
  assert.deepEqual(RULES.map((r) => r.id).sort(), (Object.keys(CASES) as RuleId[]).sort());
  assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
});

for (const r of RULES) {
  test(`${r.id} (${r.typology}): typed evidence, weight from the ruleset, rendered once`, () => {
    const c = CASES[r.id];
    const f = only(fire(c.s, c.d), r.id);
    assert.deepEqual(f.evidence, c.evidence);
    assert.equal(f.weight, c.weight);
    const hit = renderHit(f);
    assert.equal(hit.ruleId, r.id);
    assert.equal(hit.typology, r.typology);
    assert.match(hit.evidence, c.sentence);
    // Every string fact is a single value, every numeric fact a finite number.
    for (const v of Object.values(hit.facts)) assert.equal(typeof v, 'string');
    for (const v of Object.values(hit.numericFacts)) assert.ok(Number.isFinite(v));
    const entity = (c.evidence as { entity?: unknown }).entity ?? null;
    assert.deepEqual(hit.entity, entity);
    if (entity) {
      // Entity rules carry numeric facts: the count, the threshold, the window.
      assert.equal(hit.numericFacts.count, (entity as { memberCount: number }).memberCount);
      assert.ok(hit.numericFacts.threshold! > 0);
    }
  });
}

test('entity rules need a young, little-used vehicle declared used', () => {
  const counts = { cohort: { jurisdiction: 'CN-GD', day: dayOf(T0), count: 9, members: members(9) } };
  const driven = decl({ eventTime: T0 + 60 * DAY, declaredCondition: 'USED', declaredOdometerKm: 6_000 });
  const ids = (d: OpenDeclaration) => fire(subject({}, { entityCounts: counts }), d).map((f) => f.ruleId);
  assert.ok(ids(youngUsed).includes(RULE_IDS.entityCohort));
  assert.deepEqual(ids(driven), [RULE_IDS.rapidExport], '100 km a day');
  assert.deepEqual(ids({ ...youngUsed, declaredCondition: 'NEW' }), [RULE_IDS.rapidExport]);
});

test('rendering is the old text: facts and numeric facts of rapid export, export preparation with both signs', () => {
  const f = only(
    fire(subject({ pendingExportTransferAt: T0 + 2.04 * DAY, tempExportPlateAt: T0 + 5 * DAY }), decl()),
    RULE_IDS.exportPreparation,
  );
  const hit = renderHit(f);
  assert.equal(
    hit.evidence,
    'transfer flagged pending export 2 days after first registration; temporary export plate 5 days after first registration',
  );
  assert.deepEqual(hit.facts, {
    withinDays: '30',
    daysToPendingExportTransfer: '2',
    daysToTempExportPlate: '5',
  });
  assert.deepEqual(hit.numericFacts, {
    withinDays: 30,
    registrationTime: T0,
    daysToPendingExportTransfer: 2.04,
    pendingExportTransferTime: T0 + 2.04 * DAY,
    daysToTempExportPlate: 5,
    tempExportPlateTime: T0 + 5 * DAY,
  });
});
