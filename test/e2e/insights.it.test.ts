/**
 * The console's Insights page in a real browser (Debian's chromium via playwright-core): a real
 * insights sink fed over Kafka (unique topics) with the hand-worked dataset, the console asking it,
 * and the page's numbers checked against `zmwatch report --json` for the same range. Screenshot:
 * .zmwatch/screenshots/insights.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel, type Kafka } from 'kafkajs';
import type { Page } from 'playwright-core';
import { memoryIo, runCli } from '@zmwatch/cli';
import { createApp as createConsole, loadConfig, type CaseBackend, type ConsoleApp } from '@zmwatch/console';
import { createApp as createSink, type InsightsApp, type Report } from '@zmwatch/insights';
import {
  createTestTopics,
  dataset,
  produceDataset,
  storedTotal,
  testSinkConfig,
  testTopics,
  waitUntil,
} from '@zmwatch/test-support/insights-dataset';
import { createKafka, createLogger } from '@zmwatch/kit';
import { createCodec } from '@zmwatch/schemas';
import { stack, uniqueName } from '@zmwatch/test-support/stack';
import { launchBrowser, SCREENSHOTS, signIn as signInAs } from './support/browser.js';

const run = uniqueName('ins').replace(/-/g, '');
const logger = createLogger('insights-e2e', 'silent');
const dir = mkdtempSync(join(tmpdir(), 'zm-insights-e2e-'));
const data = dataset(run);
const RANGE = { since: '2026-01', until: '2026-06' };
let kafka: Kafka;
let sink: InsightsApp;
let web: ConsoleApp;
let deleteTopics: () => Promise<void>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

/** The queues page (shown at sign-in) finds no case; nothing here opens one. */
const noCases = new Proxy({}, { get: () => async () => ({ cases: [], nextPageToken: null }) }) as CaseBackend;

before(async () => {
  kafka = createKafka({
    clientId: `insights-e2e-${run}`,
    brokers: stack.brokers,
    logger,
    level: logLevel.NOTHING,
  });
  const codec = await createCodec();
  const topics = testTopics(run);
  deleteTopics = await createTestTopics(kafka, topics);
  sink = createSink(testSinkConfig(run, stack.brokers, join(dir, 'insights.duckdb')), { codec, logger });
  await sink.start();
  await produceDataset(kafka, codec, topics, data);
  await waitUntil('the dataset in the sink', async () => (await storedTotal(sink)) === data.records.length);
  // The page needs no Kafka or Temporal of the console's own: only the sink.
  web = createConsole(
    { ...loadConfig({ ZM_CONSOLE_PORT: '0', ZM_LOG_LEVEL: 'silent' }), insightsUrl: sink.url },
    { withoutKafka: true, cases: noCases, logger },
  );
  await web.start();
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await web?.stop();
  await sink?.stop();
  await deleteTopics?.();
  rmSync(dir, { recursive: true, force: true });
});

const signIn = (user: string): Promise<void> => signInAs(browser.context, page, web.url, user);

async function reportJson(): Promise<Report> {
  const io = memoryIo();
  const code = await runCli(
    ['report', '--json', '--since', RANGE.since, '--until', RANGE.until],
    io,
    { ...process.env, ZM_INSIGHTS_URL: sink.url },
    new AbortController().signal,
  );
  assert.equal(code, 0, io.stderr.join('\n'));
  return JSON.parse(io.stdout.join('\n')) as Report;
}

const count = (n: number) => n.toLocaleString('en-US');
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

test('the Insights page renders its charts and shows the numbers of zmwatch report --json for the same range', async () => {
  const report = await reportJson();
  assert.ok(report.rows.length >= 5, 'the dataset gives rows');
  await signIn('analyst');
  await page.getByRole('link', { name: 'Insights' }).click();
  await page.goto(`${web.url}/#/insights?since=${RANGE.since}&until=${RANGE.until}`);
  await page.getByTestId('insights-rows').locator('tbody tr').first().waitFor();
  // Three SVG charts; every category has a visible label, the same as the report's, in its order.
  await page.locator('.category-chart').nth(2).waitFor();
  assert.equal(await page.locator('.category-chart').count(), 3);
  await page.screenshot({ path: join(SCREENSHOTS, 'insights.png'), fullPage: true });
  const expected: Record<string, string[]> = {
    'chart-share-over-time': report.byMonth.map((s) => s.key),
    'chart-per-jurisdiction': report.byJurisdiction.map((s) => s.key),
    'chart-destinations': report.destinations.map((d) => d.destination),
  };
  for (const [testid, keys] of Object.entries(expected)) {
    assert.ok(keys.length > 0, `${testid}: the dataset gives categories`);
    const labels = await page
      .getByTestId(testid)
      .locator('.category-label')
      .evaluateAll((els) =>
        els.map((el) => {
          const box = el.getBoundingClientRect();
          return { full: el.getAttribute('data-label'), shown: el.textContent ?? '', width: box.width };
        }),
      );
    assert.deepEqual(
      labels.map((l) => l.full),
      keys,
      `${testid}: one label per category, as zmwatch report --json`,
    );
    for (const l of labels) {
      assert.ok(l.width > 0, `${testid}: label ${l.full} is drawn`);
      assert.ok(
        l.shown === l.full || (l.shown.endsWith('…') && l.full!.startsWith(l.shown.slice(0, -1))),
        `${testid}: label ${l.full} shown as itself or abbreviated (${l.shown})`,
      );
    }
  }
  // A category's values show on keyboard focus (and hover): used exports / flagged.
  const first = report.byJurisdiction[0]!;
  const group = page.getByTestId('chart-per-jurisdiction').locator('.category').first();
  await group.focus();
  const value = group.locator('.value');
  assert.ok(await value.isVisible(), 'the value shows on focus');
  assert.equal(await value.textContent(), `${count(first.usedExports)} / ${count(first.flaggedExports)}`);
  assert.match((await group.getAttribute('aria-label')) ?? '', new RegExp(`^${first.key}: used exports`));

  const cells = await page
    .getByTestId('insights-rows')
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(
    cells,
    report.rows.map((r) => [
      r.month,
      r.jurisdiction,
      count(r.firstRegistrations),
      count(r.exportedUsedWithin30d),
      count(r.exportedUsedWithin90d),
      count(r.exportedUsedWithin180d),
      pct(r.shareExportedWithin90d),
      count(r.usedExports),
      count(r.flaggedExports),
      count(r.confirmedExports),
      pct(r.flaggedShare),
      pct(r.confirmedShare),
    ]),
  );
  const used = report.byMonth.reduce((n, s) => n + s.usedExports, 0);
  const flagged = report.byMonth.reduce((n, s) => n + s.flaggedExports, 0);
  assert.equal(await page.getByTestId('total-used-exports').textContent(), count(used));
  assert.equal(await page.getByTestId('total-flagged').textContent(), count(flagged));
  assert.equal(
    await page.getByTestId('total-flagged-share').textContent(),
    pct(Math.round((flagged / used) * 1e4) / 1e4),
  );
  // Top-entity tables: the same ids in the same order, each flagged VIN a link to its case.
  const registrants = await page
    .getByTestId('top-registrants')
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-entity')));
  assert.deepEqual(
    registrants,
    report.topRegistrants.map((t) => t.id),
  );
  const firstVin = report.topRegistrants[0]!.sampleVins[0]!;
  assert.equal(
    await page.getByTestId('top-registrants').getByRole('link', { name: firstVin }).getAttribute('href'),
    `#/cases/${firstVin}`,
  );

  // CSV export of the rows, with the page's session.
  const csv = await page.request.get(
    `${web.url}/api/insights/report.csv?since=${RANGE.since}&until=${RANGE.until}&section=rows`,
  );
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-disposition'] ?? '', /attachment/);
  assert.equal((await csv.text()).trimEnd().split('\r\n').length, report.rows.length + 1);
});

test('supervisors see the Insights page; ops have no such page and the API refuses them', async () => {
  await signIn('supervisor');
  assert.equal(await page.getByRole('link', { name: 'Insights' }).count(), 1);
  await signIn('ops');
  assert.equal(await page.getByRole('link', { name: 'Insights' }).count(), 0);
  const res = await page.request.get(`${web.url}/api/insights/report`);
  assert.equal(res.status(), 403);
});
