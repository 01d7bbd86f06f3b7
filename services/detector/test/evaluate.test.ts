import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, RULE_IDS, severityFor } from '../src/evaluate.js';
import { loadRuleset } from '../src/ruleset.js';
import type { OpenDeclaration } from '../src/vin-state.js';
import { evaluationSubject, openDeclaration } from './support/evaluation-fixtures.js';
import { DAY, T0 } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';

const ruleset = loadRuleset();
const decl = openDeclaration;
const subject = evaluationSubject;

const ids = (e: { rules: { ruleId: string }[] }) => e.rules.map((r) => r.ruleId);

test('a declaration with no risk signal fires no rule and raises no alert', () => {
  const e = evaluate(subject(), decl(), ruleset);
  assert.deepEqual(ids(e), []);
  assert.equal(e.score, 0);
  assert.equal(e.alert, false);
  assert.equal(e.severity, null);
});

test('rapid export is graded by days since first registration (tightest tier wins)', () => {
  const at = (days: number) => evaluate(subject(), decl({ eventTime: T0 + days * DAY }), ruleset);
  assert.deepEqual(
    at(6).rules.map((r) => [r.ruleId, r.weight]),
    [[RULE_IDS.rapidExport, 40]],
  );
  assert.equal(at(6).rules[0]!.facts.daysSinceFirstRegistration, '6');
  assert.match(at(6).rules[0]!.evidence, /6 days after first registration/);
  assert.equal(at(60).rules[0]!.weight, 25);
  assert.equal(at(150).rules[0]!.weight, 10);
  assert.deepEqual(ids(at(181)), []);
});

test('near-zero odometer fires only when declared used with an odometer at or below the limit', () => {
  const far = T0 + 400 * DAY;
  assert.deepEqual(
    ids(
      evaluate(
        subject(),
        decl({ eventTime: far, declaredCondition: 'USED', declaredOdometerKm: 12 }),
        ruleset,
      ),
    ),
    [RULE_IDS.nearZeroOdometer],
  );
  assert.deepEqual(
    ids(evaluate(subject(), decl({ declaredCondition: 'USED', declaredOdometerKm: 51 }), ruleset)),
    [],
  );
  assert.deepEqual(
    ids(evaluate(subject(), decl({ declaredCondition: 'NEW', declaredOdometerKm: 0 }), ruleset)),
    [],
  );
  assert.deepEqual(
    ids(evaluate(subject(), decl({ declaredCondition: 'USED', declaredOdometerKm: null }), ruleset)),
    [],
  );
});

test('declared used although first registered new to a dealer, trading company or exporter', () => {
  const reg = (partyType: 'DEALER' | 'INDIVIDUAL', condition: 'NEW' | 'USED' = 'NEW') => ({
    registration: { time: T0, jurisdiction: 'CN-GD', partyId: 'R1', partyType, condition },
  });
  const used = decl({ declaredCondition: 'USED' });
  const e = evaluate(subject(reg('DEALER')), used, ruleset);
  assert.deepEqual(ids(e), [RULE_IDS.usedButNewToTrade]);
  assert.equal(e.rules[0]!.facts.registrantType, 'DEALER');
  assert.deepEqual(ids(evaluate(subject(reg('INDIVIDUAL')), used, ruleset)), []);
  assert.deepEqual(ids(evaluate(subject(reg('DEALER', 'USED')), used, ruleset)), []);
  assert.deepEqual(ids(evaluate(subject(reg('DEALER')), decl({ declaredCondition: 'NEW' }), ruleset)), []);
});

test('pending-export transfer or temporary export plate soon after first registration', () => {
  const e = evaluate(
    subject({ pendingExportTransferAt: T0 + 5 * DAY, tempExportPlateAt: T0 + 9 * DAY }),
    decl(),
    ruleset,
  );
  assert.deepEqual(ids(e), [RULE_IDS.exportPreparation]);
  assert.equal(e.rules[0]!.facts.daysToPendingExportTransfer, '5');
  assert.equal(e.rules[0]!.facts.daysToTempExportPlate, '9');
  assert.deepEqual(ids(evaluate(subject({ tempExportPlateAt: T0 + 45 * DAY }), decl(), ruleset)), []);
});

test('deregistration shortly before or after the declaration', () => {
  const d = decl();
  assert.deepEqual(
    ids(evaluate(subject({ deregistration: { time: d.eventTime - 3 * DAY, reason: 'EXPORT' } }), d, ruleset)),
    [RULE_IDS.deregistrationNearDeclaration],
  );
  const after = evaluate(
    subject({ deregistration: { time: d.eventTime + 2 * DAY, reason: 'EXPORT' } }),
    d,
    ruleset,
  );
  assert.match(after.rules[0]!.evidence, /2 days after the declaration/);
  assert.deepEqual(
    ids(
      evaluate(subject({ deregistration: { time: d.eventTime - 30 * DAY, reason: 'EXPORT' } }), d, ruleset),
    ),
    [],
  );
});

test('registrant velocity: many registrations by one registrant in the window', () => {
  assert.deepEqual(ids(evaluate(subject({}, { registrantVelocity: 20 }), decl(), ruleset)), [
    RULE_IDS.registrantVelocity,
  ]);
  assert.deepEqual(ids(evaluate(subject({}, { registrantVelocity: 19 }), decl(), ruleset)), []);
  assert.deepEqual(ids(evaluate(subject({}, { registrantVelocity: null }), decl(), ruleset)), []);
});

test('China 2026: used export within 180 days without an after-sales confirmation reference', () => {
  const d = decl({ eventTime: T0 + 100 * DAY, declaredCondition: 'USED', hasAfterSalesRef: false });
  const without = evaluate(subject(), d, ruleset);
  assert.ok(ids(without).includes(RULE_IDS.afterSalesConfirmation));
  assert.ok(
    !ids(evaluate(subject(), { ...d, hasAfterSalesRef: true }, ruleset)).includes(
      RULE_IDS.afterSalesConfirmation,
    ),
  );
  // Not a Chinese registration, or before the policy took effect: no breach.
  const foreign = subject({
    registration: {
      time: T0,
      jurisdiction: 'KZ-ALA',
      partyId: 'R1',
      partyType: 'INDIVIDUAL',
      condition: 'NEW',
    },
  });
  assert.ok(!ids(evaluate(foreign, d, ruleset)).includes(RULE_IDS.afterSalesConfirmation));
  const early = subject({
    registration: {
      time: Date.parse('2025-06-01T00:00:00Z'),
      jurisdiction: 'CN-GD',
      partyId: 'R1',
      partyType: 'INDIVIDUAL',
      condition: 'NEW',
    },
  });
  assert.ok(
    !ids(evaluate(early, { ...d, eventTime: Date.parse('2025-12-01T00:00:00Z') }, ruleset)).includes(
      RULE_IDS.afterSalesConfirmation,
    ),
  );
});

test('destination ban: RU bans vehicles registered within a year: a compliance finding of its own', () => {
  const ru = (days: number, over: Partial<OpenDeclaration> = {}) =>
    evaluate(subject(), decl({ destinationCountry: 'RU', eventTime: T0 + days * DAY, ...over }), ruleset);
  const alone = ru(300);
  assert.deepEqual(ids(alone), [RULE_IDS.destinationBan]);
  assert.deepEqual(alone.typologies, [
    { typology: 'COMPLIANCE_BREACH', score: 30, severity: 'LOW', reached: true },
  ]);
  assert.equal(alone.alert, true);
  // With a rapid-export tier: two typologies, each on its own score; the ban adds nothing to zero mileage.
  const both = ru(20);
  assert.deepEqual(ids(both), [RULE_IDS.rapidExport, RULE_IDS.destinationBan]);
  assert.deepEqual(
    both.typologies.map((t) => [t.typology, t.score, t.reached]),
    [
      ['ZERO_MILEAGE', 40, true],
      ['COMPLIANCE_BREACH', 30, true],
    ],
  );
  assert.equal(both.score, 40, 'the leading typology: both LOW, the higher score');
  assert.deepEqual(ids(ru(400)), []);
});

test('destination waiting period: KZ requires 180 days between registration and export', () => {
  const kz = (days: number) =>
    evaluate(subject(), decl({ destinationCountry: 'KZ', eventTime: T0 + days * DAY }), ruleset);
  assert.deepEqual(ids(kz(60)), [RULE_IDS.rapidExport, RULE_IDS.destinationWaitingPeriod]);
  const late = kz(179);
  assert.deepEqual(ids(late), [RULE_IDS.rapidExport, RULE_IDS.destinationWaitingPeriod]);
  assert.equal(late.severity, 'LOW', 'a compliance finding (20) …');
  assert.equal(
    late.typologies.find((t) => t.typology === 'ZERO_MILEAGE')!.reached,
    false,
    '… not zero mileage (10)',
  );
  assert.deepEqual(ids(kz(181)), []);
});

test('a genuine used export to RU after 200 days with real mileage is a compliance finding, not zero mileage', () => {
  const e = evaluate(
    subject(),
    decl({
      destinationCountry: 'RU',
      eventTime: T0 + 200 * DAY,
      declaredCondition: 'USED',
      declaredOdometerKm: 15_400,
    }),
    ruleset,
  );
  assert.deepEqual(ids(e), [RULE_IDS.destinationBan]);
  assert.deepEqual(
    e.typologies.map((t) => t.typology),
    ['COMPLIANCE_BREACH'],
  );
});

test('a genuine early resale without an after-sales confirmation is a compliance finding, not a zero-mileage alert', () => {
  // 120 days, 6,000 km (50 km/day), sold through an exporter, no after-sales reference, deregistered.
  const e = evaluate(
    subject({ deregistration: { time: T0 + 121 * DAY, reason: 'EXPORT' } }),
    decl({
      eventTime: T0 + 120 * DAY,
      declaredCondition: 'USED',
      declaredOdometerKm: 6_000,
      hasAfterSalesRef: false,
    }),
    ruleset,
  );
  assert.deepEqual(ids(e), [
    RULE_IDS.rapidExport,
    RULE_IDS.deregistrationNearDeclaration,
    RULE_IDS.afterSalesConfirmation,
  ]);
  assert.deepEqual(e.typologies, [
    { typology: 'ZERO_MILEAGE', score: 20, severity: null, reached: false },
    { typology: 'COMPLIANCE_BREACH', score: 20, severity: 'LOW', reached: true },
  ]);
  assert.equal(e.alert, true);
  assert.equal(e.severity, 'LOW');
  assert.equal(e.score, 20, 'the compliance score: 10 + 10 + 20 = 40 mixed two questions before');
});

test('an invalid declared odometer (negative, absurd) is a data-quality finding, never near zero', () => {
  const used = (km: number) =>
    evaluate(
      subject(),
      decl({ eventTime: T0 + 6 * DAY, declaredCondition: 'USED', declaredOdometerKm: km }),
      ruleset,
    );
  const neg = used(-5);
  assert.ok(!ids(neg).includes(RULE_IDS.nearZeroOdometer));
  assert.deepEqual(neg.findings, [{ field: 'declaredOdometerKm', value: '-5', problem: 'negative reading' }]);
  assert.match(neg.facts.dataQuality!, /declaredOdometerKm -5: negative reading/);
  const absurd = used(5_000_000);
  assert.match(absurd.findings[0]!.problem, /above the plausible 1000000 km/);
  assert.equal(absurd.score, used(20_000).score, 'a finding adds no weight');
  assert.deepEqual(used(0).findings, []);
  assert.ok(ids(used(0)).includes(RULE_IDS.nearZeroOdometer));
  assert.equal(used(0).facts.dataQuality, undefined);
});

test('VIN check-digit mismatch aggravates other signals but never fires alone', () => {
  const bad = { vinCheckDigitValid: false };
  assert.deepEqual(ids(evaluate(subject({}, bad), decl(), ruleset)), []);
  const e = evaluate(subject({}, bad), decl({ eventTime: T0 + 6 * DAY }), ruleset);
  assert.deepEqual(ids(e), [RULE_IDS.rapidExport, RULE_IDS.vinCheckDigitMismatch]);
  assert.equal(e.score, 45);
  // It aggravates a zero-mileage finding only: on a compliance finding alone it does not fire.
  const ban = evaluate(
    subject({}, bad),
    decl({ destinationCountry: 'RU', eventTime: T0 + 300 * DAY }),
    ruleset,
  );
  assert.deepEqual(ids(ban), [RULE_IDS.destinationBan]);
});

test('each typology sums its own rules; the alert takes the highest-severity typology; all facts are strings', () => {
  const s = subject(
    {
      registration: {
        time: T0,
        jurisdiction: 'CN-GD',
        partyId: 'R1',
        partyType: 'TRADING_COMPANY',
        condition: 'NEW',
      },
    },
    { registrantVelocity: 30 },
  );
  const e = evaluate(
    s,
    decl({
      eventTime: T0 + 8 * DAY,
      declaredCondition: 'USED',
      declaredOdometerKm: 5,
      destinationCountry: 'RU',
      hasAfterSalesRef: false,
    }),
    ruleset,
  );
  assert.deepEqual(ids(e), [
    RULE_IDS.rapidExport,
    RULE_IDS.nearZeroOdometer,
    RULE_IDS.usedButNewToTrade,
    RULE_IDS.registrantVelocity,
    RULE_IDS.afterSalesConfirmation,
    RULE_IDS.destinationBan,
  ]);
  assert.deepEqual(e.typologies, [
    { typology: 'ZERO_MILEAGE', score: 40 + 25 + 20, severity: 'HIGH', reached: true },
    { typology: 'RING_OR_TRADER', score: 15, severity: null, reached: false },
    { typology: 'COMPLIANCE_BREACH', score: 20 + 30, severity: 'MEDIUM', reached: true },
  ]);
  assert.equal(e.score, 85);
  assert.equal(e.severity, 'HIGH');
  assert.equal(e.alert, true);
  for (const v of Object.values(e.facts)) assert.equal(typeof v, 'string');
  const bands = ruleset.typologies.ZERO_MILEAGE.severityBands;
  assert.equal(severityFor(24, bands), null);
  assert.equal(severityFor(25, bands), 'LOW');
  assert.equal(severityFor(70, bands), 'HIGH');
});

test('without a registration only registration-free rules can fire', () => {
  const e = evaluate(
    subject({ registration: undefined as never }, { registrantVelocity: null }),
    decl({ declaredCondition: 'USED', declaredOdometerKm: 2, destinationCountry: 'RU' }),
    ruleset,
  );
  assert.deepEqual(ids(e), [RULE_IDS.nearZeroOdometer]);
  assert.equal(e.facts.firstRegistration, 'unknown');
});

test('trader and velocity rules need a vehicle that was hardly driven (maxKmPerDay)', () => {
  const trader = subject(
    {
      registration: { time: T0, jurisdiction: 'CN-GD', partyId: 'R1', partyType: 'DEALER', condition: 'NEW' },
    },
    { registrantVelocity: 30 },
  );
  const at = (km: number | null) =>
    ids(
      evaluate(
        trader,
        decl({ eventTime: T0 + 250 * DAY, declaredCondition: 'USED', declaredOdometerKm: km }),
        ruleset,
      ),
    );
  // 250 days: 2,500 km is 10 km/day (at the limit), 6,000 km a demonstrator's real mileage.
  assert.deepEqual(at(2_500), [RULE_IDS.usedButNewToTrade, RULE_IDS.registrantVelocity]);
  assert.deepEqual(at(null), [RULE_IDS.usedButNewToTrade, RULE_IDS.registrantVelocity]);
  assert.deepEqual(at(6_000), []);
});

test('contract v3: every hit names its typology, typologies are scored apart, entity evidence is typed and capped', () => {
  const members = Array.from({ length: 60 }, (_, i) => vinFor(`ring-${String(i).padStart(2, '0')}`));
  const e = evaluate(
    subject(
      { lastTransfer: { time: T0 + 20 * DAY, partyId: 'EXP-RING', partyType: 'LICENSED_EXPORTER' } },
      { entityCounts: { cohort: { jurisdiction: 'CN-GD', day: Math.floor(T0 / DAY), count: 60, members } } },
    ),
    decl({
      eventTime: T0 + 60 * DAY,
      declaredCondition: 'USED',
      declaredOdometerKm: 30,
      hasAfterSalesRef: false,
    }),
    ruleset,
  );
  for (const h of e.rules) assert.notEqual(h.typology, '', h.ruleId);
  const cohort = e.rules.find((r) => r.ruleId === RULE_IDS.entityCohort)!;
  assert.equal(cohort.typology, 'RING_OR_TRADER');
  assert.equal(cohort.entity!.kind, 'COHORT');
  assert.equal(cohort.entity!.memberCount, 60);
  assert.equal(cohort.entity!.memberVins.length, 50);
  assert.deepEqual(cohort.entity!.memberVins, [...members].sort().slice(0, 50));
  assert.equal(cohort.entity!.memberVinsTruncated, true);
  assert.equal(cohort.numericFacts.count, 60);
  assert.equal(e.rules.find((r) => r.ruleId === RULE_IDS.rapidExport)!.entity, null);
  const byTypology = Object.fromEntries(e.typologies.map((t) => [t.typology, t.score]));
  const sum = (t: string) => e.rules.filter((r) => r.typology === t).reduce((s, r) => s + r.weight, 0);
  assert.deepEqual(Object.keys(byTypology), ['ZERO_MILEAGE', 'RING_OR_TRADER', 'COMPLIANCE_BREACH']);
  for (const [t, score] of Object.entries(byTypology)) assert.equal(score, sum(t), t);
});
