/**
 * The console in a real browser (Debian's chromium via playwright-core) over the real pipeline:
 * events pushed through Kafka → detector → alert → escalator → case workflow → console → decision →
 * zm.case-outcomes. Screenshots of the queue (also filtered by typology), a case page and the ops page go
 * to .zmwatch/screenshots/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DAY_MS, type CaseOutcome } from '@zmwatch/schemas';
import type { CaseState } from '@zmwatch/workflows';
import { eventually } from '@zmwatch/test-support/cases';
import { uniqueName } from '@zmwatch/test-support/stack';
import { launchBrowser, SCREENSHOTS, signIn as signInAs } from './support/browser.js';
import { alertRevisions } from './support/alerts.js';
import { firstRegistration } from './support/events.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';
import { produceZeroMileageExport } from './support/produce.js';
import { queueRow } from './support/queue-page.js';
import { randomVin } from '@zmwatch/test-support/vins';

let p: Pipeline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const vin = randomVin();

before(async () => {
  p = await startPipeline(uniqueName('e2e'));
  await p.startDetector();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  // The alert feed reads from "latest": wait until it has joined before anything is produced.
  await eventually(
    async () => ((await fetch(`${p.console.url}/readyz`)).ok ? true : undefined),
    30_000,
    'console ready',
  );
  await produceZeroMileageExport(p, vin);
});

after(async () => {
  await browser?.close();
  await p?.stop();
});

const signIn = (user: string): Promise<void> => signInAs(browser.context, page, p.console.url, user);

async function outcomeFor(vin: string): Promise<CaseOutcome> {
  const consumer = p.kafka.consumer({ groupId: `${p.run}-outcomes-check` });
  await consumer.connect();
  await consumer.subscribe({ topic: p.topics.outcomes, fromBeginning: true });
  try {
    return await new Promise<CaseOutcome>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no outcome for ${vin} on ${p.topics.outcomes}`)),
        30_000,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          const outcome = p.codec.decodeSync(message.value, 'zm.case-outcomes.v1').record;
          if (outcome.vin === vin) {
            clearTimeout(timer);
            resolve(outcome);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

test('an analyst sees the case the pipeline opened, claims it, decides it, and the outcome is published', async () => {
  const opened = await eventually(
    async () => (await p.cases.getCase(vin)) ?? undefined,
    60_000,
    `case for ${vin}`,
  );
  await signIn('analyst');
  const row = await queueRow(page, p.console.url, opened.queue, vin, 30_000);
  await page.screenshot({ path: join(SCREENSHOTS, 'queue.png'), fullPage: true });

  // The row names the case's typologies; the queue's typology control lists the cases holding any
  // chosen one (ZmTypologies): a single car's export is not a ring.
  assert.match((await row.getByTestId('typologies').textContent()) ?? '', /zero-mileage export/);
  const typology = page.getByRole('group', { name: 'Typology' });
  /** Applies the filter form and waits for the listing it asks for (`typology=...`). */
  const apply = async (query: string) => {
    const listed = page.waitForResponse((r) => r.url().includes(`/api/cases?`) && r.url().includes(query));
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.equal((await listed).status(), 200);
  };
  await typology.getByLabel('straw-buyer ring / trader').check();
  await apply('typology=RING_OR_TRADER');
  await eventually(
    async () => ((await page.locator(`tr[data-vin="${vin}"]`).count()) === 0 ? true : undefined),
    5_000,
    'the case filtered out',
  );
  await typology.getByLabel('straw-buyer ring / trader').uncheck();
  await typology.getByLabel('zero-mileage export').check();
  await apply('typology=ZERO_MILEAGE');
  await page.locator(`tr[data-vin="${vin}"]`).waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'queue-typology.png'), fullPage: true });

  await row.getByRole('link', { name: vin }).click();
  await page.getByTestId('case-vin').waitFor();
  assert.equal(await page.getByTestId('case-vin').textContent(), vin);
  await page.getByText('Export declaration').first().waitFor();
  await page.getByTestId('claim').click();
  await page.getByTestId('decide-form').waitFor();
  assert.equal(await page.getByTestId('case-assignee').textContent(), 'analyst');
  await page.screenshot({ path: join(SCREENSHOTS, 'case.png'), fullPage: true });

  await page.getByLabel('Confirm zero-mileage export').check();
  await page
    .getByLabel(/^Reason/)
    .fill('New car (0 km at registration) declared used with 12 km six days later.');
  await page.getByTestId('decide').click();
  await page.getByTestId('decision').waitFor();
  assert.match((await page.getByTestId('case-status').textContent()) ?? '', /confirmed/);
  await page.screenshot({ path: join(SCREENSHOTS, 'case-decided.png'), fullPage: true });

  const outcome = await outcomeFor(vin);
  assert.equal(outcome.decision, 'CONFIRMED');
  assert.equal(outcome.analyst, 'analyst', 'the signed-in user is the actor');
  assert.match(outcome.reason, /declared used with 12 km/);
  const state = await p.cases.getCase(vin);
  assert.ok(state?.audit.some((a) => a.action === 'claimed' && a.by === 'analyst'));
});

test('a customs viewer sees the alert feed and the case, but cannot decide: the UI hides it and the API refuses', async () => {
  await signIn('customs');
  await page.goto(`${p.console.url}/#/alerts`);
  try {
    await page.locator(`li.alert[data-vin="${vin}"]`).waitFor({ timeout: 15_000 });
  } catch (err) {
    await page.screenshot({ path: join(SCREENSHOTS, 'alerts-failed.png'), fullPage: true });
    const recent = await page.evaluate(async () => (await fetch('/api/alerts/recent')).text());
    console.error(`alert feed (group ${p.console.feedGroupId ?? '-'}) held: ${recent.slice(0, 500)}`);
    throw err;
  }
  await page.screenshot({ path: join(SCREENSHOTS, 'alerts.png'), fullPage: true });

  await page.goto(`${p.console.url}/#/cases/${vin}`);
  await page.getByTestId('read-only').waitFor();
  assert.equal(await page.getByTestId('claim').count(), 0);
  assert.equal(await page.getByTestId('decide').count(), 0);

  const status = await page.evaluate(async (v) => {
    const s = (await (await fetch('/api/session')).json()) as { csrfToken: string };
    const res = await fetch(`/api/cases/${v}/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
      body: JSON.stringify({ decision: 'dismiss', reason: 'customs tries to decide' }),
    });
    return { status: res.status, body: (await res.json()) as { error: string } };
  }, vin);
  assert.equal(status.status, 403);
  assert.match(status.body.error, /customs role may not/);
});

test('a case follows its alert’s revisions: the page shows its parties and revision history through a severity upgrade and a withdrawal', async () => {
  const revisedVin = randomVin();
  const [rev0, rev1, rev2] = alertRevisions(revisedVin, p.run);
  // Signalled through the case client as the escalator does (signal-with-start on case-<VIN>): the
  // alert codec on main is still v1, which would drop the v2 fields. Once alert/v2.avsc is in the
  // catalog this can produce onto p.topics.alerts instead.
  const produce = (alert: typeof rev0) => p.cases.signalAlert(alert, p.caseConfig);
  const caseWhere = (ok: (c: CaseState) => boolean, what: string) =>
    eventually(
      async () => {
        const c = await p.cases.getCase(revisedVin);
        return c && ok(c) ? c : undefined;
      },
      30_000,
      what,
    );
  const revisionRows = async () =>
    page
      .locator('[data-testid="revisions"] tbody tr[data-revision]')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
  const openCase = async () => {
    await page.goto(`${p.console.url}/#/cases/${revisedVin}`);
    await page.reload();
    await page.getByTestId('case-vin').waitFor();
  };

  await produce(rev0);
  const opened = await caseWhere((c) => c.evidence.length === 1, 'case opened by revision 0');
  assert.equal(opened.queue, p.caseConfig.routing.standardQueue);
  await signIn('analyst');
  await openCase();
  const parties = page.getByTestId('parties');
  assert.deepEqual(await parties.locator('dt').allTextContents(), [
    'First registrant',
    'Holder at declaration',
    'Exporter',
  ]);
  assert.match(
    (await parties.locator('dd[data-role="first-registrant"]').textContent()) ?? '',
    new RegExp(`${rev0.firstRegistrant!.id} TRADING_COMPANY`),
  );
  assert.match(
    (await parties.locator('dd[data-role="holder-at-declaration"]').textContent()) ?? '',
    new RegExp(`${rev0.holderAtDeclaration!.id} LICENSED_EXPORTER`),
  );
  // The typed timeline: the first registration names the first registrant, not the holder.
  const firstRegistration = page.locator('ol.timeline li', { hasText: 'First registration' });
  assert.match((await firstRegistration.textContent()) ?? '', new RegExp(rev0.firstRegistrant!.id));
  assert.doesNotMatch(
    (await firstRegistration.textContent()) ?? '',
    new RegExp(rev0.holderAtDeclaration!.id),
  );
  assert.equal((await revisionRows()).length, 1);

  await produce(rev1);
  const raised = await caseWhere((c) => c.severity === 'CRITICAL', 'the upgrade applied');
  assert.equal(raised.queue, p.caseConfig.routing.priorityQueue);
  await openCase();
  assert.match((await page.locator('.case-head').textContent()) ?? '', /CRITICAL/);
  const afterUpgrade = await revisionRows();
  assert.deepEqual(
    afterUpgrade.map((cells) => [cells[0], cells[2], cells[3], cells[4], cells[5]]),
    [
      ['1', 'CRITICAL', '95', 'active', 'evidence changed'],
      ['0', 'MEDIUM', '45', 'active', 'first alert'],
    ],
  );
  assert.match(
    (await page.locator('table tr', { hasText: 'severity-raised' }).textContent()) ?? '',
    /MEDIUM -> CRITICAL/,
  );
  await page.getByTestId('claim').click();
  await page.getByTestId('decide-form').waitFor();

  await produce(rev2);
  await produce(rev1); // a replayed older revision changes nothing
  await caseWhere((c) => c.withdrawal !== null, 'the withdrawal applied');
  await openCase();
  const banner = page.getByTestId('withdrawal');
  await banner.waitFor();
  assert.match(
    (await banner.textContent()) ?? '',
    /Declaration withdrawn.*declaration cancelled.*analyst decides/s,
  );
  assert.match((await page.getByTestId('case-status').textContent()) ?? '', /in review/);
  const afterWithdrawal = await revisionRows();
  assert.deepEqual(
    afterWithdrawal.map((cells) => [cells[0], cells[4], cells[5]]),
    [
      ['2', 'withdrawn', 'declaration cancelled'],
      ['1', 'active', 'evidence changed'],
      ['0', 'active', 'first alert'],
    ],
  );
  await page.screenshot({ path: join(SCREENSHOTS, 'case-revisions.png'), fullPage: true });
});

test('an ops user sees lag grow while the detector is paused and fall when it resumes', async () => {
  await signIn('ops');
  await page.goto(`${p.console.url}/#/ops`);
  const group = page.locator(`[data-group="${p.detectorGroup}"]`);
  await group.waitFor({ timeout: 20_000 });
  const lagNow = async () =>
    Number(((await group.getByTestId('group-lag').textContent()) ?? '').replace(/,/g, ''));

  // Warm up so the detector has committed an offset on every partition (lag is measured from commits).
  const t = Date.now();
  await p.producer.send({
    topic: p.topics.registrations,
    acks: -1,
    messages: Array.from({ length: 30 }, () => randomVin()).map((v) => ({
      key: v,
      value: p.codec.encode('vehicle.registrations.v1', firstRegistration(v, t - DAY_MS, p.run)),
    })),
  });
  const admin = p.kafka.admin();
  await admin.connect();
  await eventually(
    async () => {
      const [committed] = await admin.fetchOffsets({
        groupId: p.detectorGroup,
        topics: [p.topics.registrations],
      });
      const ends = await admin.fetchTopicOffsets(p.topics.registrations);
      const caughtUp = committed?.partitions.every(
        (c) => c.offset === ends.find((e) => e.partition === c.partition)?.high,
      );
      return committed?.partitions.length === 3 && caughtUp ? true : undefined;
    },
    30_000,
    'detector caught up on every partition',
  );
  await admin.disconnect();

  await p.stopDetector();
  const batch = Array.from({ length: 40 }, () => randomVin());
  await p.producer.send({
    topic: p.topics.registrations,
    acks: -1,
    messages: batch.map((v) => ({
      key: v,
      value: p.codec.encode('vehicle.registrations.v1', firstRegistration(v, t - DAY_MS, p.run)),
    })),
  });
  await eventually(
    async () => ((await lagNow()) === 40 ? true : undefined),
    20_000,
    'lag to grow to the 40 waiting events',
  );
  await eventually(
    async () =>
      (await group.getByTestId('group-status').textContent())?.includes('STOPPED') ? true : undefined,
    10_000,
    'status STOPPED while nobody consumes',
  );
  await page.waitForTimeout(1500); // a few more samples on the chart
  await page.screenshot({ path: join(SCREENSHOTS, 'ops-paused.png'), fullPage: true });

  await p.startDetector();
  await eventually(async () => ((await lagNow()) === 0 ? true : undefined), 45_000, 'lag to fall back to 0');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(SCREENSHOTS, 'ops.png'), fullPage: true });
  assert.match((await group.getByTestId('group-status').textContent()) ?? '', /OK/);

  // Feed health: our own producer keeps the contract, so the check finds nothing wrong.
  await page.getByRole('button', { name: 'Check now' }).click();
  const feedRow = page.locator(`[data-testid="feeds"] tr[data-topic="${p.topics.registrations}"]`);
  await eventually(
    async () =>
      Number((await feedRow.locator('td').nth(1).textContent())?.replace(/,/g, '')) >= 70 ? true : undefined,
    15_000,
    'the feed check to sample the registrations',
  );
  assert.equal(await feedRow.getByTestId('wrong-partition').textContent(), '0');
  assert.match((await page.getByTestId('feed-problems').textContent()) ?? '', /No problems/);
});
