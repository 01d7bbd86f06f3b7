// The queues read from the case projection (src/case-queue-store.ts) against the real Redis: what the
// worker's writer stores is listed newest first with the queue API's filters, leaves its queue when
// decided or re-routed, pages with its own tokens, reconciliation from visibility adds what the
// projection lacks without overriding what it holds, and a case admitted at its opening (the
// escalator) is listed before the worker's first task without overriding a row; related cases (any
// status) are listed from the relation sets.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis, DEFAULT_REDIS_URL } from '@zmwatch/kit';
import { CaseMachine } from '../src/case-machine.js';
import {
  caseQueueKey,
  caseRowKey,
  caseRowOf,
  createCaseQueueStore,
  servedByQueueStore,
} from '../src/case-queue-store.js';
import type { CaseSummary } from '../src/case-summary.js';
import { CASE_VIEW_VERSION, createCaseViewWriter } from '../src/case-view-store.js';
import { CASE_STATUSES, type CaseState } from '../src/shared.js';
import { makeAlert, runId, testCaseConfig } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';

const run = runId();
const prefix = `test:${run}:case-view:`;
const config = testCaseConfig(run);
const { priorityQueue: priority, standardQueue: standard } = config.routing;
const redis = createRedis({ url: process.env.ZM_REDIS_URL ?? DEFAULT_REDIS_URL });
const writer = createCaseViewWriter(redis, { ttlMs: 600_000, prefix });
const store = createCaseQueueStore(redis, prefix);

after(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

let clock = Date.parse('2026-12-07T10:00:00Z');
/** A case opened by `alert` at the next minute (so opening order is creation order). */
function opened(overrides: Parameters<typeof makeAlert>[1] = {}): CaseMachine {
  const vin = randomVin();
  clock += 60_000;
  const at = clock;
  const m = new CaseMachine(
    { caseId: `case-${vin}`, vin, config },
    { now: () => at, routingByDestination: () => true },
  );
  m.applyAlert(makeAlert(vin, { destinationCountry: 'KZ', ...overrides }));
  return m;
}
const write = (state: CaseState) =>
  writer.write({ v: CASE_VIEW_VERSION, state, runId: 'run-1', publishedAt: Date.now() });
const vins = (page: { cases: { vin: string }[] }) => page.cases.map((c) => c.vin);

test('a written case is in its queue at once, newest first, with the filters of the queue API', async () => {
  const low = opened({ severity: 'LOW', exporterId: 'EXP-A' });
  const high = opened({ severity: 'HIGH', exporterId: 'EXP-B' });
  const critical = opened({ severity: 'CRITICAL' });
  for (const m of [low, high, critical]) await write(m.state);

  const std = await store.list([standard]);
  // Within a page: most severe first (as visibility pages are sorted); the page holds the newest.
  assert.deepEqual(vins(std), [high.state.vin, low.state.vin]);
  assert.deepEqual(vins(await store.list([priority])), [critical.state.vin]);
  assert.deepEqual(vins(await store.list([standard], { severity: 'LOW' })), [low.state.vin]);
  assert.deepEqual(vins(await store.list([standard], { exporter: ['EXP-B', 'EXP-X'] })), [high.state.vin]);
  assert.deepEqual(vins(await store.list([standard], { assignee: null })).length, 2);
  assert.deepEqual(vins(await store.list([standard], { assignee: 'ana' })), []);
  assert.deepEqual(vins(await store.list([standard], { destination: 'kz' })).length, 2);
  assert.deepEqual(vins(await store.list([standard, priority], { vins: [critical.state.vin] })), [
    critical.state.vin,
  ]);
  const row = std.cases.find((c) => c.vin === high.state.vin)!;
  assert.equal(row.severity, 'HIGH');
  assert.equal(row.exporter, 'EXP-B');
  assert.equal(row.openedAt.toISOString(), high.state.openedAt);
  assert.equal(row.executionStatus, 'RUNNING');
});

test('claimed cases stay; decided ones leave the queue; a re-routed one moves', async () => {
  const a = opened();
  const b = opened();
  await write(a.state);
  await write(b.state);
  a.claim({ by: 'ana' });
  await write(a.state);
  assert.ok(vins(await store.list([standard], { assignee: 'ana' })).includes(a.state.vin));
  a.decide({ by: 'ana', decision: 'dismiss', reason: 'genuine early resale' });
  await write(a.state);
  assert.equal(await redis.zscore(caseQueueKey(standard, prefix), a.state.vin), null);
  assert.ok(!vins(await store.list([standard])).includes(a.state.vin));

  b.applyAlert(makeAlert(b.state.vin, { alertId: `${run}-b2`, severity: 'CRITICAL' }));
  assert.equal(b.state.queue, priority);
  await write(b.state);
  assert.ok(vins(await store.list([priority])).includes(b.state.vin));
  assert.ok(!vins(await store.list([standard])).includes(b.state.vin));
  // The listing dropped the stale member from the old queue's set.
  assert.equal(await redis.zscore(caseQueueKey(standard, prefix), b.state.vin), null);
});

test('pages follow each other without gaps or repeats; decided statuses are left to visibility', async () => {
  const queue = `paged-${run}`;
  const cfg = testCaseConfig(`paged-${run}`);
  const written: string[] = [];
  for (let i = 0; i < 7; i++) {
    const vin = randomVin();
    const m = new CaseMachine(
      { caseId: `case-${vin}`, vin, config: { ...cfg, routing: { ...cfg.routing, standardQueue: queue } } },
      { now: () => Date.parse('2026-12-07T12:00:00Z') + (i % 3) * 1000, routingByDestination: () => true },
    );
    m.applyAlert(makeAlert(vin, { destinationCountry: 'KZ' }));
    await write(m.state);
    written.push(vin);
  }
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = await store.list([queue], {}, { pageSize: 3, ...(token ? { pageToken: token } : {}) });
    assert.ok(page.cases.length <= 3);
    seen.push(...vins(page));
    token = page.nextPageToken ?? undefined;
  } while (token);
  assert.deepEqual([...seen].sort(), [...written].sort());
  assert.equal(servedByQueueStore({ status: ['open', 'in_review'] }), true);
  assert.equal(servedByQueueStore({ status: ['open', 'confirmed'] }), false);
});

test('reconciliation adds what visibility lists and the projection lacks, and never overrides a row', async () => {
  const known = opened();
  await write(known.state);
  await redis.zrem(caseQueueKey(standard, prefix), known.state.vin); // a member lost in a race
  const decided = opened();
  decided.claim({ by: 'ana' });
  decided.decide({ by: 'ana', decision: 'confirm', reason: 'zero-mileage export' });
  await write(decided.state); // visibility still lists it open (it lags): the row says decided
  const older = randomVin(); // a case from before the projection: no row at all
  const summary = (vin: string, status: CaseSummary['status'] = 'open'): CaseSummary => ({
    caseId: `case-${vin}`,
    vin,
    runId: 'run-0',
    queue: standard,
    status,
    severity: 'MEDIUM',
    score: 0.5,
    assignee: null,
    destination: 'KZ',
    registrant: null,
    firstRegistrant: null,
    exporter: 'EXP-42',
    jurisdiction: null,
    slaDueAt: null,
    openedAt: new Date('2026-01-01T00:00:00Z'),
    executionStatus: 'RUNNING',
  });
  const added = await store.reconcile(standard, [
    summary(known.state.vin),
    summary(decided.state.vin),
    summary(older),
  ]);
  assert.equal(added, 2);
  const listed = vins(await store.list([standard], {}, { pageSize: 1000 }));
  assert.ok(listed.includes(known.state.vin));
  assert.ok(listed.includes(older));
  assert.ok(!listed.includes(decided.state.vin));
  assert.match((await redis.get(caseRowKey(older, prefix)))!, /"source":"visibility"/);
  // The worker's own write replaces the stand-in.
  assert.equal(await store.reconcile(standard, [summary(older)]), 0);
});

test('the typology filter lists the cases holding any chosen typology (the row keeps ZmTypologies)', async () => {
  const zm = opened({ severity: 'HIGH' });
  const ring = opened({
    severity: 'HIGH',
    typologies: [{ typology: 'RING_OR_TRADER', score: 60, severity: 'HIGH', reached: true }],
  });
  const v2 = opened({ severity: 'HIGH', typologies: [] });
  for (const m of [zm, ring, v2]) await write(m.state);
  const mine = [zm, ring, v2].map((m) => m.state.vin);
  const listed = async (typology: string | string[]) =>
    vins(await store.list([standard], { typology, vins: mine })).sort();
  assert.deepEqual(await listed('RING_OR_TRADER'), [ring.state.vin]);
  assert.deepEqual(await listed('ZERO_MILEAGE'), [zm.state.vin, v2.state.vin].sort());
  assert.deepEqual(await listed(['COMPLIANCE_BREACH', 'RING_OR_TRADER']), [ring.state.vin]);
  assert.deepEqual(await listed('COMPLIANCE_BREACH'), []);
  // The scan path (no VIN list) filters the same way.
  const scanned = vins(await store.list([standard], { typology: 'RING_OR_TRADER' }));
  assert.ok(scanned.includes(ring.state.vin) && !scanned.includes(zm.state.vin));
  const row = (await store.list([standard], { vins: [ring.state.vin] })).cases[0];
  assert.deepEqual(row?.typologies, ['RING_OR_TRADER']);
});

test('a case admitted at its opening is listed before the worker writes it, and never over a row', async () => {
  const fresh = opened({ severity: 'HIGH' });
  assert.equal(await store.admit(caseRowOf(fresh.state, 'run-1', 'opening')), true);
  const listed = await store.list([standard], { vins: [fresh.state.vin] });
  assert.deepEqual(vins(listed), [fresh.state.vin]);
  assert.match((await redis.get(caseRowKey(fresh.state.vin, prefix)))!, /"source":"opening"/);
  // The worker's first task writes its own row over the stand-in (and may route it elsewhere).
  await write(fresh.state);
  assert.match((await redis.get(caseRowKey(fresh.state.vin, prefix)))!, /"source":"worker"/);
  // A row already there (the worker came first, or an older run of the VIN) is left alone.
  const decided = opened();
  decided.claim({ by: 'ana' });
  decided.decide({ by: 'ana', decision: 'confirm', reason: 'zero-mileage export' });
  await write(decided.state);
  const reopened = opened();
  const again = caseRowOf({ ...reopened.state, vin: decided.state.vin }, 'run-2', 'opening');
  assert.equal(await store.admit(again), false);
  assert.deepEqual(vins(await store.list([standard], { vins: [decided.state.vin] })), []);
});

test('related cases (one first registrant, holder or exporter, any status) are listed from the relation sets', async () => {
  const fr = `FR-${run}`;
  const firstRegistrant = { id: fr, type: 'TRADING_COMPANY' } as const;
  const a = opened({ exporterId: `EXP-${run}-1`, firstRegistrant });
  const b = opened({ exporterId: `EXP-${run}-1`, firstRegistrant });
  const c = opened({ exporterId: `EXP-${run}-2`, firstRegistrant });
  b.claim({ by: 'ana' });
  b.decide({ by: 'ana', decision: 'confirm', reason: 'zero-mileage export' });
  for (const m of [a, b, c]) await write(m.state);
  const all = { status: [...CASE_STATUSES] };
  const listed = async (filters: Parameters<typeof store.list>[1], queues = [standard, priority]) => {
    const page = await store.list(queues, { ...all, ...filters });
    assert.equal(page.source, 'projection');
    return vins(page).sort();
  };
  // Newest first within the set, decided ones included (what visibility lists for related cases).
  assert.deepEqual(await listed({ firstRegistrant: fr }), [a, b, c].map((m) => m.state.vin).sort());
  assert.deepEqual(await listed({ exporter: [`EXP-${run}-1`] }), [a, b].map((m) => m.state.vin).sort());
  assert.deepEqual(await listed({ firstRegistrant: fr }, [priority]), []);
  assert.deepEqual(await listed({ firstRegistrant: fr, status: 'confirmed' }), [b.state.vin]);
  // A case whose latest exporter changed leaves the old exporter's set (the row is the truth).
  c.applyAlert(
    makeAlert(c.state.vin, { destinationCountry: 'KZ', exporterId: `EXP-${run}-1`, firstRegistrant }),
  );
  await write(c.state);
  assert.deepEqual(await listed({ exporter: `EXP-${run}-2` }), []);
  assert.deepEqual(await listed({ exporter: `EXP-${run}-1` }), [a, b, c].map((m) => m.state.vin).sort());
  // Pages go on with the projection's token.
  const first = await store.list([standard], { ...all, firstRegistrant: fr }, { pageSize: 2 });
  assert.equal(first.cases.length, 2);
  const next = await store.list(
    [standard],
    { ...all, firstRegistrant: fr },
    { pageToken: first.nextPageToken! },
  );
  assert.deepEqual([...vins(first), ...vins(next)].sort(), [a, b, c].map((m) => m.state.vin).sort());
});
