/**
 * A straw-buyer ring in a real browser over the real pipeline: 12 individuals each register one new
 * car in the same jurisdiction on the same day, hand it to one trading company, and one exporter
 * declares them all used. Kafka → detector → escalator → case workflows → console; in Chromium the
 * network view of one member shows every member and the shared transferee and exporter, the entity
 * page lists them and links to the transferee's ring case, which sits in a queue and links every
 * member's case; deciding it annotates the members' cases; the access audit records each view.
 * Screenshots: .zmwatch/screenshots/ring-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DAY_MS, type CustomsDeclarationEvent, type RegistrationEvent } from '@zmwatch/schemas';
import { ringCaseIdFor, type CaseState } from '@zmwatch/workflows';
import { eventually } from '@zmwatch/test-support/cases';
import { uniqueName } from '@zmwatch/test-support/stack';
import { launchBrowser, SCREENSHOTS, signIn as signInAs } from './support/browser.js';
import { firstRegistration, usedExportDeclaration } from './support/events.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';
import { randomVin } from '@zmwatch/test-support/vins';

const RING = 12;
let p: Pipeline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const vins = Array.from({ length: RING }, () => randomVin()).sort();
let transferee = '';
let exporter = '';
/** A member whose network view was opened (the first test sets it). */
let member = '';

before(async () => {
  p = await startPipeline(uniqueName('ring'));
  await p.startDetector();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  transferee = `91310000${p.run.slice(-6).toUpperCase()}TRF`;
  const now = Date.now();
  const registered = now - 40 * DAY_MS;
  const registrations: RegistrationEvent[] = vins.flatMap((vin, i) => {
    const first = firstRegistration(vin, registered + i * 60_000, p.run);
    const individual = {
      ...first,
      jurisdiction: 'CN-SH',
      party: { id: `P-${p.run}-${i}`, type: 'INDIVIDUAL' as const },
    };
    const transfer: RegistrationEvent = {
      ...individual,
      eventId: `${p.run}-transfer-${vin}`,
      eventType: 'TRANSFER',
      party: { id: transferee, type: 'TRADING_COMPANY' },
      condition: 'USED',
      odometerKm: 8,
      eventTime: now - 35 * DAY_MS,
      recordedAt: now - 35 * DAY_MS,
    };
    return [individual, transfer];
  });
  const declarations: CustomsDeclarationEvent[] = vins.map((vin) =>
    usedExportDeclaration(vin, now - 3_600_000, p.run),
  );
  exporter = declarations[0]!.exporterId;
  await p.producer.send({
    topic: p.topics.registrations,
    acks: -1,
    messages: registrations.map((r) => ({
      key: r.vin,
      value: p.codec.encode('vehicle.registrations.v1', r),
    })),
  });
  await p.producer.send({
    topic: p.topics.declarations,
    acks: -1,
    messages: declarations.map((d) => ({ key: d.vin, value: p.codec.encode('customs.declarations.v1', d) })),
  });
});

after(async () => {
  await browser?.close();
  await p?.stop();
});

const signIn = (user: string): Promise<void> => signInAs(browser.context, page, p.console.url, user);

interface Network {
  entities: Array<{ kind: string; id: string; members: string[] }>;
  vehicles: Array<{ vin: string; case: { severity: string | null } | null }>;
}

test('the network view of a ring member shows every member and the shared transferee and exporter; the entity page lists them; the audit records the views', async () => {
  for (const vin of vins)
    await eventually(async () => (await p.cases.getCase(vin)) ?? undefined, 90_000, `case for ${vin}`);
  await signIn('analyst');
  // A member whose alerts name the whole ring (every member's do once the entity stage revised them).
  const cookie = (await browser.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const network = async (vin: string) =>
    (await (
      await fetch(`${p.console.url}/api/cases/${vin}/network`, { headers: { cookie } })
    ).json()) as Network;
  member = await eventually(
    async () => {
      for (const vin of vins) {
        const net = await network(vin);
        const t = net.entities.find((e) => e.kind === 'TRANSFEREE' && e.id === transferee);
        if (t && vins.every((v) => t.members.includes(v))) return vin;
      }
      return undefined;
    },
    60_000,
    'a member whose transferee evidence names all 12',
  );
  const net = await network(member);
  assert.ok(
    vins.every((v) => net.vehicles.some((x) => x.vin === v && x.case !== null)),
    'every member is drawn with its case',
  );

  await page.goto(`${p.console.url}/#/cases/${member}`);
  await page.getByTestId('case-vin').waitFor();
  const view = page.getByTestId('network');
  await view.locator('svg.network').waitFor();
  for (const vin of vins)
    assert.equal(await view.locator(`a.vehicle-node[data-vin="${vin}"]`).count(), 1, vin);
  assert.equal(await view.locator(`a.entity-node[data-entity="TRANSFEREE/${transferee}"]`).count(), 1);
  assert.equal(await view.locator(`a.entity-node[data-entity="EXPORTER/${exporter}"]`).count(), 1);
  // The table says the same for keyboard and screen-reader users.
  const row = view.locator(`tr[data-entity="TRANSFEREE/${transferee}"]`);
  for (const vin of vins)
    assert.equal(await row.getByRole('link', { name: vin }).count(), 1, `table lists ${vin}`);
  await view.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-network.png'), fullPage: true });

  // The transferee's entity page lists every member with its case.
  await view.locator(`a.entity-node[data-entity="TRANSFEREE/${transferee}"]`).click();
  const members = page.getByTestId('entity-members');
  await members.locator('tbody tr').first().waitFor();
  for (const vin of vins)
    assert.equal(await members.locator(`tr[data-vin="${vin}"]`).count(), 1, `entity page lists ${vin}`);
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-entity.png'), fullPage: true });

  // The audit recorded the case view and the entity view, as a supervisor sees it.
  await signIn('supervisor');
  const entries = await eventually(
    async () => {
      const res = await page.request.get(`${p.console.url}/api/audit?user=analyst`);
      const body = (await res.json()) as { entries: Array<{ action: string; subjectId: string }> };
      const seen = (action: string, subject: string) =>
        body.entries.some((e) => e.action === action && e.subjectId === subject);
      return seen('VIEW_CASE', member) && seen('VIEW_ENTITY', `transferee/${transferee}`)
        ? body.entries
        : undefined;
    },
    20_000,
    'the views in the audit',
  );
  assert.ok(entries.length >= 2);
  await page.goto(`${p.console.url}/#/audit?user=analyst`);
  await page.locator('table.audit tbody tr').first().waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-audit.png'), fullPage: true });
});

/** The ring case of the shared transferee, once every member's alert reached it. */
const ringCaseId = () => ringCaseIdFor({ kind: 'TRANSFEREE', id: transferee });

test('the ring case opens in a queue beside the vehicle cases and links every member’s case', async () => {
  const ring = await eventually(
    async () => {
      const c = await p.cases.getCase(ringCaseId());
      return c?.ring && vins.every((v) => c.ring!.members.includes(v)) ? c : undefined;
    },
    90_000,
    'the transferee’s ring case with all 12 members',
  );
  assert.equal(ring.status, 'open');
  await signIn('analyst');
  // The entity page links to its ring case.
  const link = await eventually(
    async () => {
      await page.goto(`${p.console.url}/#/entities/transferee/${encodeURIComponent(transferee)}`);
      await page.getByTestId('entity-ring-case').waitFor();
      const a = page.getByTestId('ring-case-link');
      return (await a.count()) === 1 ? a : undefined;
    },
    30_000,
    'the entity page’s link to its ring case',
  );
  assert.equal(await link.textContent(), ringCaseId());
  await link.click();
  const members = page.getByTestId('ring-members');
  await members.locator('tbody tr').first().waitFor();
  assert.equal(await page.getByTestId('case-vin').textContent(), transferee);
  for (const vin of vins) {
    const row = members.locator(`tr[data-vin="${vin}"]`);
    assert.equal(await row.count(), 1, `ring case lists ${vin}`);
    assert.equal(await row.locator(`a[href="#/cases/${vin}"]`).count(), 1, `links the case of ${vin}`);
  }
  assert.equal(
    await page.getByTestId('ring-entity').getAttribute('href'),
    `#/entities/transferee/${transferee}`,
  );
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-case.png'), fullPage: true });

  // In its queue, beside the vehicle cases, with its kind.
  await eventually(
    async () => {
      await page.goto(`${p.console.url}/#/queues?queue=${encodeURIComponent(ring.queue)}`);
      await page.locator('table tbody tr').first().waitFor();
      const row = page.locator(`tr[data-kind="ring"][data-vin="${ringCaseId()}"]`);
      return (await row.count()) === 1 ? true : undefined;
    },
    30_000,
    'the ring case in its queue',
  );
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-queue.png'), fullPage: true });
});

test('deciding the ring case annotates the members’ cases; the audit records the ring case view', async () => {
  await signIn('analyst');
  await page.goto(`${p.console.url}/#/cases/${encodeURIComponent(ringCaseId())}`);
  await page.getByTestId('ring-members').waitFor();
  await page.getByTestId('claim').click();
  await page.getByTestId('decide-form').waitFor();
  const choice = page.getByTestId('decide-members');
  assert.equal(await choice.locator('input[value="annotate"]').isChecked(), true, 'annotate is the default');
  await page.getByLabel('Confirm the ring').check();
  await page
    .getByLabel(/^Reason/)
    .fill('12 individuals each handed a new car to one trading company: a straw-buyer ring.');
  await page.getByTestId('decide').click();
  await page.getByTestId('decision').waitFor();
  assert.match((await page.getByTestId('case-status').textContent()) ?? '', /confirmed/);
  assert.match((await page.getByTestId('decision').textContent()) ?? '', /Member cases: annotate/);
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-case-decided.png'), fullPage: true });

  // Every member's case records the ring's decision (and stays as it was).
  const noted = (c: CaseState | null) =>
    c?.audit.find((e) => e.action === 'ring-decision-noted' && e.detail?.includes(ringCaseId()));
  for (const vin of vins) {
    const c = await eventually(
      async () => {
        const s = await p.cases.getCase(vin);
        return noted(s) ? s : undefined;
      },
      30_000,
      `the ring decision on ${vin}`,
    );
    assert.match(noted(c)!.detail!, /^annotate: ring-transferee-\S+ confirm by analyst: 12 individuals/);
    assert.notEqual(c!.decision?.ringCaseId, ringCaseId(), 'annotate decides nothing');
  }
  const ring = await p.cases.getCase(ringCaseId());
  assert.match(
    ring!.audit.find((e) => e.action === 'members-notified')?.detail ?? '',
    /^annotate: 12 member cases$/,
  );
  // The member's page shows it in its audit trail.
  await page.goto(`${p.console.url}/#/cases/${member}`);
  await page.getByTestId('case-vin').waitFor();
  await page.getByText('ring-decision-noted').first().waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-member-annotated.png'), fullPage: true });

  // The access audit recorded the ring case view (its own subject kind) and the member's.
  await signIn('supervisor');
  await eventually(
    async () => {
      const res = await page.request.get(`${p.console.url}/api/audit?user=analyst`);
      const body = (await res.json()) as {
        entries: Array<{ action: string; subjectKind: string; subjectId: string }>;
      };
      const seen = (kind: string, subject: string) =>
        body.entries.some(
          (e) => e.action === 'VIEW_CASE' && e.subjectKind === kind && e.subjectId === subject,
        );
      return seen('ring-case', ringCaseId()) && seen('case', member) ? true : undefined;
    },
    20_000,
    'the ring case view in the audit',
  );
  await page.goto(`${p.console.url}/#/audit?user=analyst`);
  await page.locator('table.audit tbody tr').first().waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'ring-case-audit.png'), fullPage: true });
});
