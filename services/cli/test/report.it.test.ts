// `zmwatch report` against a running insights sink (real Kafka, unique topics, a temp DuckDB file).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logLevel, type Kafka } from 'kafkajs';
import { stackAddresses, createKafka, createLogger } from '@zmwatch/kit';
import { createCodec } from '@zmwatch/schemas';
import { createApp, parseReportQuery, runReport, type InsightsApp, type Report } from '@zmwatch/insights';
import {
  createTestTopics,
  dataset,
  produceDataset,
  storedTotal,
  testSinkConfig,
  testTopics,
  waitUntil,
} from '@zmwatch/test-support/insights-dataset';
import { cliWith } from './support/run-cli.js';

const run = randomBytes(4).toString('hex');
const brokers = stackAddresses().brokers;
const logger = createLogger('report-test', 'silent');
const dir = mkdtempSync(join(tmpdir(), 'zm-report-'));
const data = dataset(run);
let kafka: Kafka;
let app: InsightsApp;
let deleteTopics: () => Promise<void>;
let cli: ReturnType<typeof cliWith>;

before(async () => {
  kafka = createKafka({ clientId: `report-test-${run}`, brokers, logger, level: logLevel.NOTHING });
  const codec = await createCodec();
  const topics = testTopics(run);
  deleteTopics = await createTestTopics(kafka, topics);
  app = createApp(testSinkConfig(run, brokers, join(dir, 'insights.duckdb')), { codec, logger });
  await app.start();
  await produceDataset(kafka, codec, topics, data);
  await waitUntil('the dataset', async () => (await storedTotal(app)) === data.records.length);
  cli = cliWith({ ...process.env, ZM_INSIGHTS_URL: app.url });
});

after(async () => {
  await app?.stop();
  await deleteTopics?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('zmwatch report', () => {
  it('prints one JSON document equal to the figures of the same range', async () => {
    const { code, out } = await cli([
      'report',
      '--json',
      '--since',
      '2026-01',
      '--until',
      '2026-04',
      '--jurisdiction',
      'CN-GD',
    ]);
    assert.equal(code, 0);
    const got = JSON.parse(out) as Report;
    const want = await runReport(
      app.store.reader(),
      parseReportQuery({ since: '2026-01', until: '2026-04', jurisdiction: 'CN-GD' }),
    );
    assert.deepEqual(got, want);
    assert.deepEqual(
      got.rows.map((r) => `${r.month} ${r.jurisdiction} ${r.firstRegistrations} ${r.usedExports}`),
      ['2026-01 CN-GD 2 1', '2026-02 CN-GD 2 0', '2026-03 CN-GD 0 1'],
    );
  });

  it('prints tables, a drill-down column and CSV', async () => {
    const text = await cli(['report', '--by', 'maker']);
    assert.equal(text.code, 0);
    assert.match(text.out, /MONTH\s+JURISDICTION\s+MAKER/);
    assert.match(text.out, /2026-01\s+CN-SH\s+Geely/);
    assert.match(text.out, /top exporters by flagged exports/);
    const csv = await cli(['report', '--csv', 'destinations']);
    assert.equal(csv.code, 0);
    assert.match(csv.out.split('\n')[0]!, /^destination,usedExports/);
  });

  it('refuses a bad range (exit 2) and says when no sink answers and there is no file (exit 1)', async () => {
    const bad = await cli(['report', '--since', 'March']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--since must be a UTC date/);
    const away = await cliWith({
      ...process.env,
      ZM_INSIGHTS_URL: 'http://127.0.0.1:9',
      ZM_INSIGHTS_DB: join(dir, 'none.duckdb'),
    })(['report']);
    assert.equal(away.code, 1);
    assert.match(away.err, /did not answer/);
  });

  it("reads the sink's file when no sink runs, with the same figures", async () => {
    const want = await runReport(app.store.reader(), parseReportQuery({}));
    await app.stop();
    const { code, out } = await cliWith({
      ...process.env,
      ZM_INSIGHTS_URL: 'http://127.0.0.1:9',
      ZM_INSIGHTS_DB: join(dir, 'insights.duckdb'),
    })(['report', '--json']);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), want);
  });
});
