// Temporal killed mid-run and restarted (a PRIVATE dev server with its own sqlite file: the shared
// one is never touched). While it is down the escalator commits nothing; after the restart every
// case is there — the ones opened before (durable in sqlite) and the ones whose alerts waited in Kafka.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import type { Codec } from '@zmwatch/schemas';
import { createCaseClient } from '@zmwatch/workflows';
import { eventually, makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { createApp, type EscalatorApp } from '../src/index.js';
import { startPrivateTemporal } from './support/private-temporal.js';
import {
  createAlertTopics,
  createCodec,
  deleteAlertTopics,
  escalatorConfig,
  logger,
  produceAlerts,
  startCaseWorker,
  testRun,
} from './support/stack.js';

const { run, caseConfig, kafka } = testRun();
let temporal: Awaited<ReturnType<typeof startPrivateTemporal>>;
let topic: string;
let codec: Codec;
let app: EscalatorApp | undefined;
let worker: Awaited<ReturnType<typeof startCaseWorker>> | undefined;

before(async () => {
  codec = await createCodec();
  topic = await createAlertTopics(kafka, run, 2);
  temporal = await startPrivateTemporal();
});

after(async () => {
  await app?.stop();
  await worker?.stop();
  await temporal?.stop();
  if (topic) await deleteAlertTopics(kafka, topic);
});

test(
  'Temporal restarted mid-run: alerts wait uncommitted in Kafka, no case is lost',
  { timeout: 120_000 },
  async () => {
    const config = escalatorConfig(run, topic, {
      caseConfig,
      temporalAddress: temporal.address,
      callTimeoutMs: 2_000,
      maxRetryDelayMs: 500,
    });
    worker = await startCaseWorker(temporal.address, config.taskQueue, kafka);
    app = createApp(config, { codec, logger });
    await app.start();

    const connect = async () => {
      const connection = await Connection.connect({ address: temporal.address });
      return {
        connection,
        cases: createCaseClient(new Client({ connection }), { taskQueue: config.taskQueue }),
      };
    };
    let { connection, cases } = await connect();

    const vin1 = randomVin();
    const vin2 = randomVin();
    const a1 = makeAlert(vin1, { severity: 'HIGH' });
    await produceAlerts(kafka, codec, topic, [a1, makeAlert(vin2, { severity: 'CRITICAL' })]);
    await eventually(
      async () => ((await cases.getCase(vin2))?.evidence.length === 1 ? true : undefined),
      20_000,
      'first cases',
    );
    await cases.claim(vin1, { by: 'ana' });
    await eventually(
      async () => ((await app!.refreshLag()) === 0 ? true : undefined),
      10_000,
      'first batch committed',
    );
    await connection.close();

    // --- Temporal goes away ---
    await temporal.kill();
    const failuresBefore = (await app.registry.getSingleMetric('zm_escalator_start_failures_total')!.get())
      .values[0]!.value;
    const vin3 = randomVin();
    const a1b = makeAlert(vin1, { severity: 'CRITICAL', declarationId: 'DEC-SECOND' });
    await produceAlerts(kafka, codec, topic, [makeAlert(vin3, { severity: 'MEDIUM' }), a1b]);
    // The escalator keeps failing and holds the alerts: failures grow, the lag stays.
    await eventually(
      async () => {
        const f = (await app!.registry.getSingleMetric('zm_escalator_start_failures_total')!.get()).values[0]!
          .value;
        return f > failuresBefore + 1 ? true : undefined;
      },
      20_000,
      'start failures while Temporal is down',
    );
    assert.equal(await app.refreshLag(), 2, 'nothing committed while Temporal is down');
    assert.equal((await fetch(`${app.healthUrl}/readyz`)).status, 503, 'not ready while Temporal is down');

    // --- Temporal comes back with the same database ---
    await temporal.restart();
    ({ connection, cases } = await connect());
    const c3 = await eventually(
      async () => {
        const c = await cases.getCase(vin3);
        return c?.evidence.length === 1 ? c : undefined;
      },
      60_000,
      'case opened from alerts held in Kafka',
    );
    assert.equal(c3.status, 'open');
    const c1 = await eventually(
      async () => {
        const c = await cases.getCase(vin1);
        return c?.evidence.length === 2 ? c : undefined;
      },
      30_000,
      'evidence added to the case opened before the restart',
    );
    assert.equal(c1.assignee, 'ana', 'state from before the restart survived');
    assert.equal(c1.severity, 'CRITICAL');
    assert.deepEqual(
      c1.evidence.map((e) => e.alert.alertId),
      [a1.alertId, a1b.alertId],
    );
    assert.equal((await cases.getCase(vin2))?.evidence.length, 1);
    await eventually(
      async () => ((await app!.refreshLag()) === 0 ? true : undefined),
      20_000,
      'everything committed',
    );
    const decided = await cases.addNote(vin1, { by: 'ana', text: 'after the restart' });
    assert.equal(decided.notes.length, 1);
    await eventually(
      async () => {
        const page = await cases.listQueue(caseConfig.routing.priorityQueue, {}, { pageSize: 100 });
        return [vin1, vin2].every((v) => page.cases.some((c) => c.vin === v)) ? true : undefined;
      },
      20_000,
      'cases visible in the priority queue after restart',
    );
    await connection.close();
  },
);
