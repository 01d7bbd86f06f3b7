import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createRegistry, RetriableError } from '@zmwatch/kit';
import type { Alert } from '@zmwatch/schemas';
import { DEFAULT_CASE_CONFIG, type CaseClient } from '@zmwatch/workflows';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { createCaseSignaller } from '../src/case-signaller.js';
import { createMetrics } from '../src/metrics.js';
import { alertRecord, instantConnection } from './support/signaller-fakes.js';
import { createSignalledRevisions } from '../src/revision-coalescing.js';

const logger = createLogger('signaller-test', 'silent');
const connection = instantConnection;
const record = alertRecord;

function fakeCases(behaviour: (alert: Alert) => Promise<boolean>) {
  const calls: string[] = [];
  const cases = {
    async signalAlert(alert: Alert) {
      calls.push(alert.alertId);
      const started = await behaviour(alert);
      return { caseId: `case-${alert.vin}`, runId: 'r', started };
    },
  } as unknown as CaseClient;
  return { cases, calls };
}

/** A signaller over fake cases, as the escalator builds it. */
const signaller = (cases: CaseClient, metrics: ReturnType<typeof createMetrics>, concurrency: number) =>
  createCaseSignaller({
    cases,
    connection,
    caseConfig: DEFAULT_CASE_CONFIG,
    callTimeoutMs: 1000,
    concurrency,
    metrics,
    logger,
    signalled: createSignalledRevisions(100),
  });

const value = async (m: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
  (await m.get()).values[0]?.value ?? 0;

test('alerts of one VIN are signalled in offset order; VINs in parallel; started vs evidence counted', async () => {
  const metrics = createMetrics(createRegistry('t'));
  const vinA = randomVin();
  const vinB = randomVin();
  const a = [makeAlert(vinA), makeAlert(vinA), makeAlert(vinA)];
  const b = [makeAlert(vinB), makeAlert(vinB)];
  const seen = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  const { cases, calls } = fakeCases(async (alert) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    const first = !seen.has(alert.vin);
    seen.add(alert.vin);
    return first;
  });
  const signal = signaller(cases, metrics, 8);
  await signal([a[0]!, b[0]!, a[1]!, b[1]!, a[2]!].map(record));
  assert.deepEqual(
    calls.filter((id) => a.some((x) => x.alertId === id)),
    a.map((x) => x.alertId),
  );
  assert.deepEqual(
    calls.filter((id) => b.some((x) => x.alertId === id)),
    b.map((x) => x.alertId),
  );
  assert.equal(maxInFlight, 2, 'two VINs in parallel, never two calls for one VIN');
  assert.equal(await value(metrics.casesStarted), 2);
  assert.equal(await value(metrics.evidenceAdded), 3);
});

test('a Temporal failure fails the batch as retriable and counts a start failure; later lanes are not started', async () => {
  const metrics = createMetrics(createRegistry('t'));
  const { cases, calls } = fakeCases(async () => {
    throw new Error('14 UNAVAILABLE: connect ECONNREFUSED');
  });
  const signal = signaller(cases, metrics, 1);
  const alerts = [makeAlert(randomVin()), makeAlert(randomVin()), makeAlert(randomVin())];
  await assert.rejects(
    signal(alerts.map(record)),
    (err: unknown) => err instanceof RetriableError && /UNAVAILABLE/.test(err.message),
  );
  assert.equal(calls.length, 1);
  assert.equal(await value(metrics.startFailures), 1);
  assert.equal(await value(metrics.casesStarted), 0);
});

test('every revision of an alert in its own batch is forwarded to the same case, in order, counted by status', async () => {
  const metrics = createMetrics(createRegistry('t'));
  const vin = randomVin();
  const first = makeAlert(vin);
  const revisions = [
    first,
    { ...first, revision: 1, status: 'ACTIVE', severity: 'CRITICAL' },
    { ...first, revision: 2, status: 'WITHDRAWN' },
  ] as Alert[];
  const seen: Array<[string, number | undefined]> = [];
  const { cases } = fakeCases(async (alert) => {
    seen.push([`case-${alert.vin}`, (alert as { revision?: number }).revision]);
    return seen.length === 1;
  });
  const signal = signaller(cases, metrics, 8);
  for (const [i, r] of revisions.entries()) await signal([record(r, i)]);
  assert.deepEqual(seen, [
    [`case-${vin}`, 0],
    [`case-${vin}`, 1],
    [`case-${vin}`, 2],
  ]);
  const byStatus = (await metrics.revisionsSignalled.get()).values.map((v) => [v.labels.status, v.value]);
  assert.deepEqual(byStatus.sort(), [
    ['ACTIVE', 1],
    ['WITHDRAWN', 1],
  ]);
});

test('in one batch only the highest revision of an alert reaches its case; the others count as superseded', async () => {
  const metrics = createMetrics(createRegistry('t'));
  const vin = randomVin();
  const first = makeAlert(vin);
  const other = makeAlert(vin, { alertId: `${first.alertId}-other` });
  const batch = [
    first,
    other,
    { ...first, revision: 1, score: 7 },
    { ...first, revision: 2, status: 'WITHDRAWN' },
  ] as Alert[];
  const { cases, calls } = fakeCases(async () => true);
  const signal = signaller(cases, metrics, 8);
  await signal(batch.map(record));
  assert.deepEqual(calls, [other.alertId, first.alertId], 'in offset order of the records kept');
  assert.equal(await value(metrics.revisionsReceived), 2);
  const coalesced = (await metrics.coalesced.get()).values.map((v) => [v.labels.outcome, v.value]);
  assert.deepEqual(coalesced, [['superseded', 2]]);
});

test('a retried batch skips what was already signalled; a later revision that changes nothing the case shows is skipped as unchanged', async () => {
  const metrics = createMetrics(createRegistry('t'));
  const vin = randomVin();
  const first = makeAlert(vin);
  let fail = true;
  const { cases, calls } = fakeCases(async (alert) => {
    if (alert.vin !== vin && fail) throw new Error('14 UNAVAILABLE');
    return true;
  });
  const signal = signaller(cases, metrics, 1);
  const otherVin = makeAlert(randomVin());
  await assert.rejects(signal([first, otherVin].map(record)), RetriableError);
  fail = false;
  await signal([first, otherVin].map(record));
  assert.deepEqual(calls, [first.alertId, otherVin.alertId, otherVin.alertId]);
  // The detector's revision 1 differs only in what the case does not show (its text, its time).
  const same = { ...first, revision: 1, revisionReason: 'EVIDENCE', revisedAt: Date.now() } as Alert;
  const raised = { ...first, revision: 2, severity: 'CRITICAL' } as Alert;
  await signal([record(same, 10)]);
  await signal([record(raised, 11)]);
  assert.deepEqual(calls.slice(3), [first.alertId], 'only the revision that changes the severity');
  const coalesced = Object.fromEntries(
    (await metrics.coalesced.get()).values.map((v) => [v.labels.outcome, v.value]),
  );
  assert.deepEqual(coalesced, { duplicate: 1, unchanged: 1 });
  assert.equal(await value(metrics.revisionsReceived), 2);
  assert.equal(
    (await metrics.revisionsSignalled.get()).values.reduce((n, v) => n + v.value, 0),
    1,
    'one of two revisions reached the case',
  );
});
