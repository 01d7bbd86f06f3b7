import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addToWindow,
  cohortKey,
  countWithin,
  dayOf,
  entityCountsOf,
  isYoungLowUse,
  keysToRead,
  observationsOf,
  retentionMs,
  type EntityCounts,
  type EntityWindow,
} from '../src/entity-windows.js';
import { evaluate, RULE_IDS } from '../src/evaluate.js';
import { loadRuleset } from '../src/ruleset.js';
import type { OpenDeclaration, VinState } from '../src/vin-state.js';
import { DAY, T0, vinFor } from './support/fixtures.js';

const ruleset = loadRuleset();
const cfg = ruleset.entitySignals!;

function state(over: Partial<VinState> = {}): VinState {
  return {
    expireAt: 0,
    declarations: [],
    registration: {
      time: T0,
      jurisdiction: 'CN-SH',
      partyId: 'P-1',
      partyType: 'INDIVIDUAL',
      condition: 'NEW',
    },
    lastTransfer: { time: T0 + 60 * DAY, partyId: 'EXP-RING', partyType: 'LICENSED_EXPORTER' },
    ...over,
  };
}

function decl(over: Partial<OpenDeclaration> = {}): OpenDeclaration {
  return {
    declarationId: 'D1',
    status: 'pending',
    eventTime: T0 + 100 * DAY,
    firstSeenAt: 0,
    exporterId: 'EXP-RING',
    exporterType: 'LICENSED_EXPORTER',
    declaredCondition: 'USED',
    declaredOdometerKm: 300,
    destinationCountry: 'AE',
    hasAfterSalesRef: true,
    ...over,
  };
}

test('young and little used: declared used, registered new, within maxAgeDays, at most maxKmPerDay', () => {
  assert.equal(isYoungLowUse(state(), decl(), cfg), true);
  assert.equal(isYoungLowUse(state(), decl({ declaredOdometerKm: 15_400 }), cfg), false, '154 km/day');
  assert.equal(isYoungLowUse(state(), decl({ declaredCondition: 'NEW' }), cfg), false);
  assert.equal(isYoungLowUse(state(), decl({ eventTime: T0 + 500 * DAY }), cfg), false, 'too old');
  assert.equal(isYoungLowUse(state(), decl({ declaredOdometerKm: null }), cfg), true, 'unknown counts');
  assert.equal(isYoungLowUse({ expireAt: 0, declarations: [] }, decl(), cfg), false);
});

test('a declaration observes its exporter, registrant, transferee and registration cohort', () => {
  const obs = observationsOf(state(), decl(), cfg);
  assert.deepEqual(
    obs.map((o) => o.key),
    ['x:EXP-RING', 'r:P-1', 't:EXP-RING', cohortKey('CN-SH', dayOf(T0))],
  );
  // A trader's own registration has no cohort (individuals only) and no individual transferor.
  const trader = state({
    registration: {
      time: T0,
      jurisdiction: 'CN-SH',
      partyId: 'TC',
      partyType: 'TRADING_COMPANY',
      condition: 'NEW',
    },
  });
  assert.deepEqual(
    observationsOf(trader, decl(), cfg).map((o) => o.kind),
    ['exporter', 'registrant'],
  );
  assert.deepEqual(observationsOf(state(), decl({ declaredOdometerKm: 20_000 }), cfg), []);
});

test('a window counts distinct VINs once, drops entries past the retention and keeps at most maxEntries', () => {
  const w: EntityWindow = new Map();
  addToWindow(w, 'A', T0, 30 * DAY, 4);
  addToWindow(w, 'A', T0 + DAY, 30 * DAY, 4);
  assert.equal(w.size, 1, 'same VIN twice counts once');
  for (const v of ['B', 'C', 'D', 'E']) addToWindow(w, v, T0 + 2 * DAY, 30 * DAY, 4);
  assert.equal(w.size, 4);
  assert.ok(!w.has('A'), 'the oldest entry leaves first');
  addToWindow(w, 'F', T0 + 40 * DAY, 30 * DAY, 4);
  assert.deepEqual([...w.keys()], ['F'], 'entries older than the retention before the newest are dropped');
  assert.equal(countWithin(w, T0 + 40 * DAY, DAY), 1);
  assert.equal(countWithin(w, T0, DAY), 0);
  assert.equal(retentionMs('exporter', cfg), cfg.exporter.windowDays * DAY);
});

test('cohort counts sum the days within spreadDays of the registration day', () => {
  const windows = new Map<string, EntityWindow>();
  const d = dayOf(T0);
  for (const [day, vins] of [
    [d - 1, ['A', 'B']],
    [d, ['C']],
    [d + 1, ['D']],
    [d + 2, ['E', 'F', 'G']],
  ] as const) {
    const w: EntityWindow = new Map();
    for (const v of vins) addToWindow(w, v, T0 + 100 * DAY, retentionMs('cohort', cfg), cfg.maxEntries);
    windows.set(cohortKey('CN-SH', day), w);
  }
  const obs = observationsOf(state(), decl(), cfg);
  assert.ok(keysToRead(obs, cfg).includes(cohortKey('CN-SH', d + 1)));
  const counts = entityCountsOf(obs, (k) => windows.get(k), cfg);
  assert.equal(counts.cohort!.count, 4, 'days d-1..d+1 (spreadDays 1), not d+2');
});

test('entity signals fire at their thresholds, name the entity and the count, and only on young low-use declarations', () => {
  const subject = (counts: EntityCounts) => ({
    vin: vinFor('entity'),
    vinCheckDigitValid: true,
    state: state(),
    registrantVelocity: 1,
    entityCounts: counts,
  });
  const ring = {
    exporter: { id: 'EXP-RING', count: cfg.exporter.threshold },
    transferee: { id: 'EXP-RING', count: cfg.transferee.threshold },
    registrant: { id: 'P-1', count: 1 },
    cohort: { jurisdiction: 'CN-SH', day: dayOf(T0), count: cfg.cohort.threshold },
  };
  const e = evaluate(subject(ring), decl(), ruleset);
  const ids = e.rules.map((r) => r.ruleId);
  assert.deepEqual(ids, [
    RULE_IDS.rapidExport,
    RULE_IDS.entityExporter,
    RULE_IDS.entityTransferee,
    RULE_IDS.entityCohort,
  ]);
  assert.equal(e.alert, true);
  const cohort = e.rules.find((r) => r.ruleId === RULE_IDS.entityCohort)!;
  assert.match(cohort.evidence, /^4 vehicles first registered by INDIVIDUAL in CN-SH/);
  assert.equal(cohort.facts.count, '4');
  assert.match(e.rules[2]!.evidence, /EXP-RING received 5 near-new vehicles from distinct individuals/);
  // One below every threshold: the vehicle alone (rapid export ≤ 180 days, 10) raises no alert.
  const below = evaluate(
    subject({
      exporter: { id: 'EXP-RING', count: cfg.exporter.threshold - 1 },
      transferee: { id: 'EXP-RING', count: cfg.transferee.threshold - 1 },
      cohort: { jurisdiction: 'CN-SH', day: dayOf(T0), count: cfg.cohort.threshold - 1 },
    }),
    decl(),
    ruleset,
  );
  assert.deepEqual(
    below.rules.map((r) => r.ruleId),
    [RULE_IDS.rapidExport],
  );
  assert.equal(below.alert, false);
  // A genuine used car in the same company gets nothing from it.
  const real = evaluate(subject(ring), decl({ declaredOdometerKm: 9_000 }), ruleset);
  assert.ok(!real.rules.some((r) => r.ruleId.startsWith('ZM-ENTITY-')));
});
