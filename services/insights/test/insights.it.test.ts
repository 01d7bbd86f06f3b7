// The sink against the real Kafka: unique topics per run, a DuckDB file in a temp folder.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logLevel, type Kafka } from 'kafkajs';
import { stackAddresses, createKafka, createLogger } from '@zmwatch/kit';
import { createCodec, type Codec } from '@zmwatch/schemas';
import { createApp } from '../src/app.js';
import { runReport, type Report } from '../src/figures.js';
import { createReportClient } from '../src/report-client.js';
import { parseReportQuery } from '../src/report-query.js';
import { openStore } from '../src/store.js';
import {
  createTestTopics,
  dataset,
  produceDataset,
  storedTotal,
  testSinkConfig,
  testTopics,
  waitUntil,
} from '@zmwatch/test-support/insights-dataset';

const run = randomBytes(4).toString('hex');
const brokers = stackAddresses().brokers;
const logger = createLogger('insights-test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');
const topics = testTopics(run);
const dir = mkdtempSync(join(tmpdir(), 'zm-insights-'));
const data = dataset(run);
const query = parseReportQuery({});
const config = testSinkConfig(run, brokers, join(dir, 'insights.duckdb'));
let kafka: Kafka;
let codec: Codec;
let expected: Report;
let deleteTopics: () => Promise<void>;

before(async () => {
  kafka = createKafka({ clientId: `insights-test-${run}`, brokers, logger, level: logLevel.NOTHING });
  codec = await createCodec();
  deleteTopics = await createTestTopics(kafka, topics);
  // What the figures must be: the same records (as decoded: no revisions on the wire yet) written
  // straight into a store of their own.
  const reference = await openStore(':memory:');
  await reference.write(
    data.records.map((r) => (r.kind === 'alert' ? { ...r, revision: 0, status: 'ACTIVE' as const } : r)),
  );
  expected = await runReport(reference.reader(), query);
  await reference.close();
});

after(async () => {
  await deleteTopics?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('insights sink', () => {
  const perPass = data.records.length;

  it('stores the four inputs, dead-letters a bad record, and is idempotent under a replay and a restart', async () => {
    let app = createApp(config, { codec, logger });
    await app.start();
    try {
      await produceDataset(kafka, codec, topics, data, [
        { topic: topics.registrations, messages: [{ key: 'X', value: Buffer.from('not avro') }] },
      ]);
      await waitUntil('the first pass', async () => (await storedTotal(app)) === perPass);
      await waitUntil(
        'the dead letter',
        async () => (await app.metrics.deadLettered.get()).values[0]?.value === 1,
      );
      const client = createReportClient(app.url);
      const first = await client.report(query);
      assert.deepEqual(first, expected);
      assert.ok(first.rows.length >= 5);

      // Replay: the same events again, consumed by the running sink.
      await produceDataset(kafka, codec, topics, data);
      await waitUntil('the replay', async () => (await storedTotal(app)) === 2 * perPass);
      assert.deepEqual(await client.report(query), expected);

      // Restart on the same file and group (it resumes from its committed offsets), then a third copy.
      await app.stop();
      app = createApp(config, { codec, logger });
      await app.start();
      await produceDataset(kafka, codec, topics, data);
      await waitUntil('the pass after the restart', async () => (await storedTotal(app)) === perPass);
      assert.deepEqual(await createReportClient(app.url).report(query), expected);
      assert.deepEqual(await app.store.counts(), {
        registrations: 6,
        declarations: 7,
        alerts: 3,
        case_outcomes: 2,
      });
      const csv = await createReportClient(app.url).csv(query, 'rows');
      assert.equal(csv.trimEnd().split('\r\n').length, expected.rows.length + 1);
    } finally {
      await app.stop();
    }
    const admin = kafka.admin();
    await admin.connect();
    const dlq = await admin.fetchTopicOffsets(`${topics.registrations}.dlq`);
    await admin.disconnect();
    assert.equal(
      dlq.reduce((n, p) => n + Number(p.high), 0),
      1,
    );
  });
});
