/**
 * A case page never waits on the case worker (issue 21): against the real dev server and Redis, with
 * a real case worker that writes the case projection. Once the worker is stopped, new evidence waits
 * in Temporal, and the page still answers within a second with what the worker last wrote and a
 * "may be seconds old" note; a case the worker never ran shows its queue summary; neither is a 503.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { stackAddresses, createLogger, createRedis, DEFAULT_REDIS_URL, type RedisClient } from '@zmwatch/kit';
import {
  CASE_VIEW_VERSION,
  createCaseClient,
  createCaseQueueStore,
  createCaseViewReader,
  createCaseViewWriter,
  type CaseClient,
  type CaseState,
} from '@zmwatch/workflows';
import {
  eventually,
  makeAlert,
  quietTemporalRuntime,
  runId,
  terminateTaskQueue,
  testCaseConfig,
} from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import {
  createCaseWorker,
  NativeConnection,
  WORKFLOWS_PATH,
  type CaseWorker,
} from '@zmwatch/workflows/worker';
import { createApp, type ConsoleApp } from '../src/app.js';
import { parseUsers } from '../src/auth/users.js';
import { DEFAULT_AUDIT, DEFAULT_SECURITY, DEFAULT_USERS_FILE } from '../src/config.js';

const ADDRESS = stackAddresses().temporalAddress;
const run = runId();
const taskQueue = `zm-cases-page-${run}`;
const prefix = `test:${run}:case-view:`;
const config = testCaseConfig(run);
const logger = createLogger('case-page-test', 'silent');

let redis: RedisClient;
let native: NativeConnection;
let connection: Connection;
let cases: CaseClient;
let worker: CaseWorker | undefined;
let working: Promise<void> | undefined;
let app: ConsoleApp;
let cookie = '';

before(async () => {
  quietTemporalRuntime();
  redis = createRedis({ url: process.env.ZM_REDIS_URL ?? DEFAULT_REDIS_URL });
  native = await NativeConnection.connect({ address: ADDRESS });
  worker = await createCaseWorker({
    connection: native,
    taskQueue,
    workflows: { workflowsPath: WORKFLOWS_PATH },
    logger,
    shutdownGraceTime: '1s',
    caseViews: createCaseViewWriter(redis, { ttlMs: 600_000, prefix }),
    activityDeps: {
      producer: undefined as never,
      outcomesTopic: 'unused',
      encodeOutcome: () => Buffer.alloc(0),
      customs: { url: 'http://127.0.0.1:9/unused' },
      notifier: async () => undefined,
      logger,
    },
  });
  working = worker.run();
  connection = await Connection.connect({ address: ADDRESS });
  cases = createCaseClient(new Client({ connection }), {
    taskQueue,
    views: createCaseViewReader(redis, prefix),
    queueStore: createCaseQueueStore(redis, prefix),
  });
  app = createApp(
    {
      host: '127.0.0.1',
      port: 0,
      users: parseUsers(readFileSync(DEFAULT_USERS_FILE, 'utf8'), 'users'),
      secureCookie: false,
      sessionIdleMs: 600_000,
      sessionMaxMs: 600_000,
      security: { ...DEFAULT_SECURITY, metricsListener: undefined },
      brokers: [],
      temporalAddress: 'unused',
      temporalNamespace: 'default',
      casesTaskQueue: taskQueue,
      queues: [config.routing.priorityQueue, config.routing.standardQueue],
      alertsTopic: 'unused',
      feedSize: 10,
      lag: { intervalMs: 1000, windowSize: 5, historySize: 10, groupPattern: '.*', topicPattern: '.*' },
      feedCheck: { topics: ['unused'], sample: 10, cacheMs: 1000 },
      audit: DEFAULT_AUDIT,
      logLevel: 'silent',
    },
    { cases, withoutKafka: true },
  );
  await app.start();
  const res = await fetch(`${app.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'analyst', password: 'analyst-demo' }),
  });
  assert.equal(res.status, 200);
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});

after(async () => {
  await app?.stop();
  await worker?.shutdown();
  await working?.catch(() => undefined);
  await terminateTaskQueue(new Client({ connection }), taskQueue).catch(() => 0);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await connection?.close();
  await native?.close();
});

interface Page {
  case: CaseState;
  freshness: { source: string; stale: boolean; asOf: string | null; note: string | null };
}

async function page(vin: string): Promise<{ status: number; ms: number; body: Page }> {
  const started = performance.now();
  const res = await fetch(`${app.url}/api/cases/${vin}`, { headers: { cookie } });
  const ms = performance.now() - started;
  return { status: res.status, ms, body: (await res.json()) as Page };
}

test('with the worker running, a case page is current and comes from the projection the worker wrote', async () => {
  const vin = randomVin();
  await cases.signalAlert(makeAlert(vin, { alertId: `${run}-a1` }), config);
  const p = await eventually(async () => {
    const r = await page(vin);
    return r.status === 200 && r.body.freshness.source === 'projection' && !r.body.freshness.stale
      ? r
      : undefined;
  });
  assert.equal(p.body.case.evidence.length, 1);
  assert.equal(p.body.freshness.note, null);
});

async function queue(name: string, query = ''): Promise<string[]> {
  const res = await fetch(`${app.url}/api/cases?queue=${name}${query}`, { headers: { cookie } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { cases: { vin: string }[] }).cases.map((c) => c.vin);
}

test('a new case is in its queue as soon as the worker wrote it: the queues are read from the projection', async () => {
  const vin = randomVin();
  await cases.signalAlert(makeAlert(vin, { alertId: `${run}-q1`, severity: 'HIGH' }), config);
  const standard = config.routing.standardQueue;
  await eventually(async () => ((await queue(standard)).includes(vin) ? true : undefined));
  assert.ok((await queue(standard, '&severity=HIGH')).includes(vin), 'filters apply to the projection');
  assert.ok(!(await queue(standard, '&severity=LOW')).includes(vin));
  // A record only the projection holds (no workflow, so visibility never lists it) is listed.
  const projected = randomVin();
  const written = await eventually(async () => {
    const raw = await redis.get(`${prefix}{${vin}}`);
    return raw ? (JSON.parse(raw) as { state: CaseState }).state : undefined;
  });
  await createCaseViewWriter(redis, { ttlMs: 60_000, prefix }).write({
    v: CASE_VIEW_VERSION,
    state: { ...written, vin: projected, caseId: `case-${projected}` },
    runId: 'run-x',
    publishedAt: Date.now(),
  });
  // (The console serves a listing younger than a second as it is: ask until the next one.)
  await eventually(async () => ((await queue(standard)).includes(projected) ? true : undefined));
});

test('the queue API filters by typology (any of) and shows each row its typologies; an unknown typology is a 400', async () => {
  const standard = config.routing.standardQueue;
  const zm = randomVin();
  const ring = randomVin();
  await cases.signalAlert(makeAlert(zm, { alertId: `${run}-t1`, severity: 'HIGH' }), config);
  await cases.signalAlert(
    makeAlert(ring, {
      alertId: `${run}-t2`,
      severity: 'HIGH',
      typologies: [
        { typology: 'ZERO_MILEAGE', score: 10, severity: null, reached: false },
        { typology: 'RING_OR_TRADER', score: 60, severity: 'HIGH', reached: true },
      ],
    }),
    config,
  );
  const listed = async (typology: string) =>
    (await queue(standard, `&typology=${typology}`)).filter((v) => v === zm || v === ring);
  await eventually(async () => ((await listed('ring_or_trader')).join() === ring ? true : undefined));
  await eventually(async () => ((await listed('ZERO_MILEAGE')).join() === zm ? true : undefined));
  assert.deepEqual((await listed('COMPLIANCE_BREACH,RING_OR_TRADER')).sort(), [ring]);
  const res = await fetch(`${app.url}/api/cases?queue=${standard}&typology=RING_OR_TRADER`, {
    headers: { cookie },
  });
  const rows = ((await res.json()) as { cases: { vin: string; typologies: string[] }[] }).cases;
  assert.deepEqual(rows.find((c) => c.vin === ring)?.typologies, ['RING_OR_TRADER']);
  const bad = await fetch(`${app.url}/api/cases?queue=${standard}&typology=STRAW_BUYER`, {
    headers: { cookie },
  });
  assert.equal(bad.status, 400);
  assert.match(
    ((await bad.json()) as { error: string }).error,
    /unknown typology "STRAW_BUYER" \(expected ZERO_MILEAGE, RING_OR_TRADER, COMPLIANCE_BREACH\)/,
  );
});

test('with the worker stopped, a case page answers within a second with the last state and a "may be seconds old" note, never a 503', async () => {
  const vin = randomVin();
  await cases.signalAlert(makeAlert(vin, { alertId: `${run}-b1` }), config);
  await eventually(async () =>
    (await page(vin)).body.freshness?.source === 'projection' ? true : undefined,
  );
  // A case the worker never ran: opened after the worker stopped.
  const unseen = randomVin();

  await worker!.shutdown();
  await working;
  worker = undefined;
  await cases.signalAlert(makeAlert(vin, { alertId: `${run}-b2`, severity: 'CRITICAL' }), config);
  await cases.signalAlert(makeAlert(unseen, { alertId: `${run}-c1` }), config);

  const behind = await page(vin);
  assert.equal(behind.status, 200);
  assert.ok(behind.ms < 1_000, `answered in ${behind.ms.toFixed(0)} ms`);
  assert.equal(behind.body.freshness.source, 'projection');
  assert.equal(behind.body.freshness.stale, true);
  assert.match(behind.body.freshness.note!, /seconds old/);
  assert.equal(behind.body.case.evidence.length, 1, 'what the worker wrote before it stopped');

  const summary = await page(unseen);
  assert.equal(summary.status, 200);
  assert.ok(summary.ms < 1_000, `answered in ${summary.ms.toFixed(0)} ms`);
  assert.equal(summary.body.freshness.source, 'summary');
  assert.equal(summary.body.freshness.stale, true);
  assert.equal(summary.body.case.queue, config.routing.standardQueue, 'the queue the escalator set');
  assert.deepEqual(summary.body.case.evidence, []);

  const missing = await fetch(`${app.url}/api/cases/${randomVin()}`, { headers: { cookie } });
  assert.equal(missing.status, 404, 'a case that does not exist is still a 404');
});
