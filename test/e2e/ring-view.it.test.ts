/**
 * A straw-buyer ring in a real browser over the real pipeline: 12 individuals each register one new
 * car in the same jurisdiction on the same day, hand it to one trading company, and one exporter
 * declares them all used. Kafka → detector → escalator → case workflows → console; in Chromium the
 * network view of one member shows every member and the shared transferee and exporter, the entity
 * page lists them, and the access audit records each view. Screenshots: .zmwatch/screenshots/ring-*.png.
 * (Ring cases — one workflow per entity — are not built yet: see the console README.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DAY_MS, type CustomsDeclarationEvent, type RegistrationEvent } from '@zmwatch/schemas';
import { eventually } from '@zmwatch/test-support/cases';
import { uniqueName } from '@zmwatch/test-support/stack';
import { launchBrowser, SCREENSHOTS, signIn as signInAs } from './support/browser.js';
import { firstRegistration, newVin, usedExportDeclaration } from './support/events.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const RING = 12;
let p: Pipeline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const vins = Array.from({ length: RING }, () => newVin()).sort();
let transferee = '';
let exporter = '';

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
  const member = await eventually(
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
