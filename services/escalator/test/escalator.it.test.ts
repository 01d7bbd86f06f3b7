// Escalator against the real stack: Kafka alerts topic (unique per run) → signal-with-start on the
// shared Temporal dev server → a real case worker → cases visible by visibility queries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { DLQ_HEADERS } from '@zmwatch/kit';
import { TOPICS, type Codec } from '@zmwatch/schemas';
import { createCaseClient, type CaseClient } from '@zmwatch/workflows';
import { eventually, makeAlert, terminateTaskQueue } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { createApp, type EscalatorApp } from '../src/index.js';
import {
  createAlertTopics,
  createCodec,
  deleteAlertTopics,
  escalatorConfig,
  logger,
  produceAlerts,
  startCaseWorker,
  TEMPORAL_ADDRESS,
  testRun,
} from './support/stack.js';

const { run, caseConfig, kafka } = testRun();
let topic: string;
let codec: Codec;
let app: EscalatorApp;
let worker: Awaited<ReturnType<typeof startCaseWorker>>;
let connection: Connection;
let cases: CaseClient;
const config = () => escalatorConfig(run, topic, { caseConfig });

before(async () => {
  codec = await createCodec();
  topic = await createAlertTopics(kafka, run);
  worker = await startCaseWorker(TEMPORAL_ADDRESS, config().taskQueue, kafka);
  connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  cases = createCaseClient(new Client({ connection }), { taskQueue: config().taskQueue });
  app = createApp(config(), { codec, logger });
  await app.start();
});

after(async () => {
  await app?.stop();
  if (connection)
    await terminateTaskQueue(new Client({ connection }), config().taskQueue).catch(() => undefined);
  await worker?.stop();
  await connection?.close();
  if (topic) await deleteAlertTopics(kafka, topic);
});

const metric = async (name: string) => {
  const m = await app.registry.getSingleMetric(name)?.get();
  return m?.values.reduce((s, v) => s + v.value, 0) ?? 0;
};

async function inQueue(queue: string, vin: string) {
  return eventually(
    async () => (await cases.listQueue(queue, {}, { pageSize: 200 })).cases.find((c) => c.vin === vin),
    20_000,
    `${vin} in ${queue}`,
  );
}

describe('escalator (real Kafka + Temporal dev server)', { timeout: 90_000 }, () => {
  test('an alert produced on Kafka becomes a case visible by a visibility query on its queue', async () => {
    const high = makeAlert(randomVin(), { severity: 'HIGH', destinationCountry: 'KZ' });
    const ru = makeAlert(randomVin(), { severity: 'LOW', destinationCountry: 'RU' });
    await produceAlerts(kafka, codec, topic, [high, ru]);
    const a = await inQueue(caseConfig.routing.standardQueue, high.vin);
    assert.equal(a.status, 'open');
    assert.equal(a.severity, 'HIGH');
    const b = await inQueue(caseConfig.routing.priorityQueue, ru.vin);
    assert.equal(b.destination, 'RU');
    const c = await eventually(
      async () => (await cases.getCase(high.vin)) ?? undefined,
      10_000,
      'case state',
    );
    assert.deepEqual(
      c.evidence.map((e) => e.alert),
      [high],
      'the alert round-trips Kafka/Avro/Temporal unchanged',
    );
  });

  test('duplicate alerts on Kafka make one case with the evidence once: the copies never reach it (coalesced); a second alert of the VIN is added evidence', async () => {
    const vin = randomVin();
    const alert = makeAlert(vin);
    const startedBefore = await metric('zm_escalator_cases_started_total');
    const coalescedBefore = await metric('zm_escalator_alerts_coalesced_total');
    await produceAlerts(kafka, codec, topic, [alert, alert, alert]);
    await inQueue(caseConfig.routing.standardQueue, vin);
    await eventually(
      async () =>
        (await metric('zm_escalator_alerts_coalesced_total')) - coalescedBefore === 2 ? true : undefined,
      15_000,
      'two copies coalesced',
    );
    const second = makeAlert(vin, { alertId: `${alert.alertId}-2` });
    await produceAlerts(kafka, codec, topic, [second]);
    const c = await eventually(
      async () => {
        const s = await cases.getCase(vin);
        return s && s.evidence.length === 2 ? s : undefined;
      },
      15_000,
      'second alert applied',
    );
    assert.deepEqual(
      c.evidence.map((e) => e.alert.alertId),
      [alert.alertId, second.alertId],
    );
    assert.equal(c.audit.filter((x) => x.action === 'duplicate-alert-ignored').length, 0);
    assert.equal((await metric('zm_escalator_cases_started_total')) - startedBefore, 1);
    const page = await cases.listQueue(caseConfig.routing.standardQueue, {}, { pageSize: 200 });
    assert.equal(page.cases.filter((x) => x.vin === vin).length, 1);
  });

  test('undecodable alerts and invalid VINs go to the DLQ with provenance; the alerts around them still open cases', async () => {
    const good = makeAlert(randomVin());
    const badVin = { ...makeAlert(randomVin()), vin: 'NOT-A-VIN' };
    await produceAlerts(
      kafka,
      codec,
      topic,
      [badVin, good],
      [{ key: 'junk', value: Buffer.from('{"not":"avro"}') }],
    );
    await inQueue(caseConfig.routing.standardQueue, good.vin);

    const letters: Array<{ key: string; headers: Record<string, string> }> = [];
    const consumer = kafka.consumer({ groupId: `escalator-test-dlq-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          );
          letters.push({ key: message.key!.toString(), headers });
          if (letters.length >= 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    const classes = letters.map((l) => l.headers[DLQ_HEADERS.errorClass]).sort();
    assert.deepEqual(classes, ['InvalidVin', 'WrongMagicByte']);
    for (const l of letters) assert.equal(l.headers[DLQ_HEADERS.sourceTopic], topic);
    assert.ok((await metric('zm_escalator_dead_lettered_total')) >= 2);
    assert.equal(TOPICS.alerts, 'zm.alerts.v1');
  });

  test('metrics: cases started, evidence added, no start failures, lag back to zero', async () => {
    await eventually(async () => ((await app.refreshLag()) === 0 ? true : undefined), 15_000, 'lag 0');
    const res = await fetch(`${app.healthUrl}/metrics`);
    const text = await res.text();
    assert.match(text, /zm_escalator_cases_started_total\{service="escalator"\} [1-9]/);
    assert.match(text, /zm_escalator_evidence_added_total\{service="escalator"\} [1-9]/);
    assert.match(text, /zm_escalator_start_failures_total\{service="escalator"\} 0/);
    assert.match(text, /zm_escalator_consumer_lag\{partition="0",service="escalator"\} 0/);
    assert.equal((await fetch(`${app.healthUrl}/readyz`)).status, 200);
  });
});
