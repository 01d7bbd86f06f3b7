// Ring cases from the escalator's side: which alerts reach a ring case, at which thresholds, and that
// a failed ring signal fails the batch so a retry signals the alert again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, createLogger, createRegistry } from '@zmwatch/kit';
import type { Alert } from '@zmwatch/schemas';
import { DEFAULT_CASE_CONFIG, type CaseClient, type RingEntity } from '@zmwatch/workflows';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { createCaseSignaller } from '../src/case-signaller.js';
import { DEFAULT_RING_THRESHOLDS, loadConfig, parseRingThresholds } from '../src/config.js';
import { createMetrics } from '../src/metrics.js';
import { alertRecord, instantConnection } from './support/signaller-fakes.js';
import { caseVisibleFingerprint, createSignalledRevisions } from '../src/revision-coalescing.js';

const logger = createLogger('ring-signals-test', 'silent');
const connection = instantConnection;
const record = alertRecord;

/** An alert whose evidence counted `memberCount` vehicles sharing the exporter `id`. */
function exporterAlert(memberCount: number, id = 'EXP-RING-1', revision = 0): Alert {
  const vin = randomVin();
  const a = makeAlert(vin, { revision });
  a.rules.push({
    ruleId: 'ZM-ENTITY-EXPORTER',
    weight: 10,
    evidence: `exporter declared ${memberCount}`,
    facts: {},
    numericFacts: {},
    typology: 'RING_OR_TRADER',
    entity: {
      kind: 'EXPORTER',
      id,
      memberCount,
      windowDays: 30,
      memberVins: [vin],
      memberVinsTruncated: true,
    },
  });
  return a;
}

test('ZM_RING_MIN_MEMBERS: default 10 for every kind; one count; KIND=n pairs over the default; off; bad values named', () => {
  assert.deepEqual(loadConfig({}).ringThresholds, DEFAULT_RING_THRESHOLDS);
  assert.deepEqual(DEFAULT_RING_THRESHOLDS, { EXPORTER: 10, TRANSFEREE: 10, REGISTRANT: 10, COHORT: 10 });
  assert.deepEqual(parseRingThresholds('25'), { EXPORTER: 25, TRANSFEREE: 25, REGISTRANT: 25, COHORT: 25 });
  assert.deepEqual(parseRingThresholds('off'), {});
  assert.deepEqual(parseRingThresholds('exporter=25, COHORT=off'), {
    EXPORTER: 25,
    TRANSFEREE: 10,
    REGISTRANT: 10,
  });
  assert.match(String(parseRingThresholds('0')), /expected off, a positive count/);
  assert.match(String(parseRingThresholds('TRADER=3')), /unknown entity kind "TRADER"/);
  assert.match(String(parseRingThresholds('EXPORTER=-1')), /EXPORTER: expected off or a positive count/);
  assert.throws(
    () => loadConfig({ ZM_RING_MIN_MEMBERS: 'many' }),
    (err: unknown) => err instanceof ConfigError && /ZM_RING_MIN_MEMBERS/.test(err.message),
  );
});

function fakeCases(failRing = false) {
  const vehicle: string[] = [];
  const rings: Array<{ alertId: string; ring: RingEntity }> = [];
  const cases = {
    async signalAlert(alert: Alert) {
      vehicle.push(alert.alertId);
      return { caseId: `case-${alert.vin}`, runId: 'r', started: true };
    },
    async signalRingAlert(alert: Alert, ring: RingEntity) {
      if (failRing) throw new Error('temporal unavailable');
      rings.push({ alertId: alert.alertId, ring });
      return { caseId: `ring-x`, runId: 'r', started: rings.length === 1 };
    },
  } as unknown as CaseClient;
  return { cases, vehicle, rings };
}

const signaller = (cases: CaseClient, thresholds = DEFAULT_RING_THRESHOLDS) => {
  const metrics = createMetrics(createRegistry('t'));
  const signalled = createSignalledRevisions(100, thresholds);
  const signal = createCaseSignaller({
    cases,
    connection,
    caseConfig: DEFAULT_CASE_CONFIG,
    callTimeoutMs: 1000,
    concurrency: 4,
    ringThresholds: thresholds,
    metrics,
    logger,
    signalled,
  });
  return { signal, metrics, signalled };
};

test('an alert whose entity reaches the threshold goes to its vehicle case and its ring case; below it, only the vehicle', async () => {
  const f = fakeCases();
  const { signal, metrics } = signaller(f.cases);
  const below = exporterAlert(9);
  const at = exporterAlert(10);
  const unsafe = exporterAlert(40, 'EXP WITH SPACES');
  await signal([below, at, unsafe].map(record));
  assert.equal(f.vehicle.length, 3);
  assert.deepEqual(f.rings, [{ alertId: at.alertId, ring: { kind: 'EXPORTER', id: 'EXP-RING-1' } }]);
  const started = (await metrics.ringSignals.get()).values.find((v) => v.labels.started === 'true');
  assert.equal(started?.value, 1);
});

test('a revision that only crosses the ring threshold is not coalesced away; a failed ring signal fails the batch and is retried', async () => {
  // Same alert, revision 1 at 9 members then revision 2 at 12: nothing the vehicle case shows differs,
  // but the ring case needs it.
  const r1 = exporterAlert(9, 'EXP-RING-2', 1);
  const r2: Alert = {
    ...r1,
    revision: 2,
    rules: r1.rules.map((r) => (r.entity ? { ...r, entity: { ...r.entity, memberCount: 12 } } : r)),
  };
  assert.equal(caseVisibleFingerprint(r1), caseVisibleFingerprint(r2), 'the vehicle case sees no difference');
  assert.notEqual(
    caseVisibleFingerprint(r1, DEFAULT_RING_THRESHOLDS),
    caseVisibleFingerprint(r2, DEFAULT_RING_THRESHOLDS),
  );
  const failing = fakeCases(true);
  const s = signaller(failing.cases);
  await s.signal([record(r1, 1)]);
  await assert.rejects(s.signal([record(r2, 2)]), /temporal unavailable/);
  assert.equal(s.signalled.get(r2.alertId)?.revision, 1, 'not remembered: the retry signals it again');
  const ok = fakeCases();
  const retry = signaller(ok.cases);
  await retry.signal([record(r1, 1)]);
  await retry.signal([record(r2, 2)]);
  assert.deepEqual(
    ok.rings.map((r) => r.alertId),
    [r2.alertId],
  );
});
