import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dueForRechecks } from '../src/entity-recheck.js';
import { rechecksOf } from '../src/entity-step.js';
import { dayOf } from '../src/keys.js';
import {
  applyWindowChanges,
  cohortKey,
  countWithin,
  entityCountsOf,
  fanOut,
  isYoungLowUse,
  keysToRead,
  membershipChanges,
  observationsOf,
  retentionMs,
  vinObservations,
  windowParams,
  type EntityCounts,
  type EntityWindow,
} from '../src/entity-windows.js';
import { evaluate, RULE_IDS } from '../src/evaluate.js';
import { loadRuleset } from '../src/ruleset.js';
import type { OpenDeclaration, VinState } from '../src/vin-state.js';
import { DAY, T0 } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';

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

test('a window holds each VIN once at its time, drops entries past the retention and keeps at most maxEntries', () => {
  const w: EntityWindow = new Map();
  const p = { windowMs: 30 * DAY, threshold: 100, retention: 30 * DAY, maxEntries: 4 };
  applyWindowChanges(w, [{ vin: 'A', time: T0 }], p);
  applyWindowChanges(w, [{ vin: 'A', time: T0 + DAY }], p);
  assert.deepEqual([...w], [['A', T0 + DAY]], 'same VIN twice: one member, at its latest time');
  applyWindowChanges(
    w,
    ['B', 'C', 'D', 'E'].map((vin) => ({ vin, time: T0 + 2 * DAY })),
    p,
  );
  assert.equal(w.size, 4);
  assert.ok(!w.has('A'), 'the oldest entry leaves first');
  applyWindowChanges(w, [{ vin: 'F', time: T0 + 40 * DAY }], p);
  assert.deepEqual([...w.keys()], ['F'], 'entries older than the retention before the newest are dropped');
  applyWindowChanges(w, [{ vin: 'F', time: null }], p);
  assert.equal(w.size, 0, 'a VIN leaves');
  assert.equal(countWithin(new Map([['F', T0]]), T0 + DAY, DAY), 1);
  assert.equal(countWithin(new Map([['F', T0]]), T0 + 2 * DAY, DAY), 0);
  assert.equal(retentionMs('exporter', cfg), cfg.exporter.windowDays * DAY);
});

test("a VIN's membership follows its state: cohort spread over the neighbouring days, cancelled declarations leave", () => {
  const d = dayOf(T0);
  const s = state({ declarations: [decl({ status: 'evaluated' })] });
  const obs = vinObservations(s, cfg);
  assert.deepEqual(
    obs.map((o) => o.key),
    [
      'x:EXP-RING',
      'r:P-1',
      't:EXP-RING',
      cohortKey('CN-SH', d - 1),
      cohortKey('CN-SH', d),
      cohortKey('CN-SH', d + 1),
    ],
  );
  // A CLEARED follow-up moves the VIN to the declaration's later time; a cancellation takes it out.
  const cleared = state({ declarations: [decl({ status: 'evaluated', eventTime: T0 + 103 * DAY })] });
  const moved = membershipChanges('V', obs, vinObservations(cleared, cfg));
  assert.equal(moved.length, obs.length);
  assert.ok(moved.every((c) => c.time === T0 + 103 * DAY));
  const cancelled = state({
    declarations: [
      { declarationId: 'D1', status: 'cancelled', eventTime: T0 + 104 * DAY, withdrawnBy: 'CANCELLED' },
    ],
  });
  assert.deepEqual(vinObservations(cancelled, cfg), []);
  assert.ok(membershipChanges('V', obs, []).every((c) => c.time === null));
  assert.deepEqual(membershipChanges('V', obs, obs), [], 'nothing changed, nothing written');
});

test('cohort counts are the size of the own day key, which holds the VINs registered within spreadDays', () => {
  const windows = new Map<string, EntityWindow>();
  const d = dayOf(T0);
  const p = windowParams('cohort', cfg);
  for (const [day, vins] of [
    [d - 1, ['A', 'B']],
    [d, ['C']],
    [d + 1, ['D']],
    [d + 2, ['E', 'F', 'G']],
  ] as const) {
    for (const vin of vins) {
      const s = state({
        registration: { ...state().registration!, time: T0 + (day - d) * DAY },
        declarations: [decl({ status: 'evaluated' })],
      });
      for (const o of vinObservations(s, cfg).filter((x) => x.kind === 'cohort')) {
        const w = windows.get(o.key) ?? new Map<string, number>();
        applyWindowChanges(w, [{ vin, time: o.time }], p);
        windows.set(o.key, w);
      }
    }
  }
  const obs = observationsOf(state(), decl(), cfg);
  assert.deepEqual(
    keysToRead(obs),
    obs.map((o) => o.key),
  );
  const counts = entityCountsOf(obs, (k) => windows.get(k), cfg);
  assert.equal(counts.cohort!.count, 4, 'days d-1..d+1 (spreadDays 1), not d+2');
  assert.deepEqual(counts.cohort!.members, ['A', 'B', 'C', 'D']);
});

test('applyWindowChanges names exactly the other members whose count crossed the threshold, once (idempotent)', () => {
  const p = { windowMs: 10 * DAY, threshold: 3, retention: 60 * DAY, maxEntries: 256 };
  const w: EntityWindow = new Map();
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'A', time: T0 }], p), []);
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'B', time: T0 + DAY }], p), []);
  // Far away in time: counts for nobody near A and B.
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'Z', time: T0 + 30 * DAY }], p), []);
  // The third within 10 days: A and B cross (C is evaluated by its own batch).
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'C', time: T0 + 2 * DAY }], p).sort(), ['A', 'B']);
  // Redelivered (a retried batch): the window already holds C there, nobody crosses again.
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'C', time: T0 + 2 * DAY }], p), []);
  // A fourth stays above: no request. C leaving brings A, B and D back below... D stays at 3.
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'D', time: T0 + 3 * DAY }], p), []);
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'C', time: null }], p), []);
  assert.deepEqual(applyWindowChanges(w, [{ vin: 'D', time: null }], p).sort(), ['A', 'B']);
  // Size-counted (cohort): everyone crosses together.
  const c: EntityWindow = new Map();
  const q = { ...p, windowMs: 0, retention: 401 * DAY };
  applyWindowChanges(
    c,
    [
      { vin: 'A', time: T0 },
      { vin: 'B', time: T0 },
    ],
    q,
  );
  assert.deepEqual(applyWindowChanges(c, [{ vin: 'C', time: T0 + 300 * DAY }], q).sort(), ['A', 'B']);
});

test('the fan-out: nearest in event time first, at most the cap, one request per VIN, none for the batch', () => {
  const w: EntityWindow = new Map([
    ['FAR', T0 - 20 * DAY],
    ['NEAR', T0 + DAY],
    ['MID', T0 - 5 * DAY],
  ]);
  assert.deepEqual(fanOut(['FAR', 'NEAR', 'MID', 'NEAR'], w, T0, 256), ['NEAR', 'MID', 'FAR']);
  assert.deepEqual(fanOut(['FAR', 'NEAR', 'MID'], w, T0, 2), ['NEAR', 'MID']);
  const updates = [
    { key: 'x:E', kind: 'exporter' as const, changes: [{ vin: 'NEW', time: T0 }] },
    { key: 'r:P', kind: 'registrant' as const, changes: [{ vin: 'NEW', time: T0 }] },
  ];
  const rechecks = rechecksOf(
    updates,
    new Map([
      ['x:E', w],
      ['r:P', w],
    ]),
    new Map([
      ['x:E', ['FAR', 'NEAR', 'SELF']],
      ['r:P', ['NEAR', 'MID']],
    ]),
    new Set(['SELF']),
    256,
  );
  assert.deepEqual(rechecks, [
    { vin: 'NEAR', entity: 'x:E' },
    { vin: 'FAR', entity: 'x:E' },
    { vin: 'MID', entity: 'r:P' },
  ]);
});

test('a recheck request makes every evaluated or alerted declaration of its VIN due, pending ones not', () => {
  const s = state({
    declarations: [
      decl({ declarationId: 'E', status: 'evaluated' }),
      decl({ declarationId: 'A', status: 'alerted', alertedVersion: ruleset.version }),
      decl({ declarationId: 'P', status: 'pending' }),
    ],
  });
  const merged = [
    {
      work: { vin: 'V', events: [], entityRecheck: true as const },
      before: undefined,
      result: { state: s, changed: false, due: [] as OpenDeclaration[], withdrawals: [], notes: [] },
    },
  ];
  dueForRechecks(merged);
  assert.deepEqual(
    merged[0]!.result.due.map((d) => d.declarationId),
    ['E', 'A'],
  );
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
