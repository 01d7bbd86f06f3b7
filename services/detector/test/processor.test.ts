import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Alert } from '@zmwatch/schemas';
import { alertIdFor } from '@zmwatch/schemas';
import { createLogger } from '@zmwatch/kit';
import { createDetectorMetrics } from '../src/metrics.js';
import { createProcessor } from '../src/processor.js';
import type { StateStore, StateView, StateWrite, VelocityQuery } from '../src/redis-store.js';
import { loadRuleset } from '../src/ruleset.js';
import { unpackState } from '../src/vin-state.js';
import { DAY, T0, declaration, declEvent, regEvent, registration } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';

const ruleset = loadRuleset();

/** In-memory StateStore with the same CAS semantics, counting round trips; can fail a write once. */
function memoryStore() {
  const data = new Map<string, string>();
  const velocity = new Map<string, number>();
  const calls = { read: 0, velocity: 0, write: 0 };
  let failNextWrite = false;
  const store: StateStore = {
    layout: { prefix: 't', bucketsPerPartition: 1, velocityBucketsPerPartition: 1 },
    cachedBuckets: 0,
    invalidate() {},
    async checkLayout(inputs) {
      return inputs[0]!.partitions;
    },
    async read(partition, vins) {
      calls.read++;
      return {
        partition,
        states: vins.map((v) => data.get(v)),
        roundTrips: 1,
        buckets: new Map(),
        velocityBuckets: new Map(),
      };
    },
    async velocity(_view: StateView, queries: readonly VelocityQuery[], windowDays: number) {
      calls.velocity++;
      return queries.map((q) => {
        let n = 0;
        for (let d = q.day - windowDays + 1; d < q.day + windowDays; d++)
          n += velocity.get(`${d}:${q.registrantId}`) ?? 0;
        return n;
      });
    },
    async write(_view: StateView, writes: readonly StateWrite[], incs: readonly VelocityQuery[]) {
      calls.write++;
      if (failNextWrite) {
        failNextWrite = false;
        throw new Error('redis went away');
      }
      const lost: string[] = [];
      for (const w of writes) {
        if ((data.get(w.vin) ?? '') !== w.expected) lost.push(w.vin);
        else if (w.next === '') data.delete(w.vin);
        else data.set(w.vin, w.next);
      }
      for (const q of incs)
        velocity.set(`${q.day}:${q.registrantId}`, (velocity.get(`${q.day}:${q.registrantId}`) ?? 0) + 1);
      return lost;
    },
    async scan() {
      return { expired: [], due: [] };
    },
    async compactVelocity() {
      return 0;
    },
  };
  return { store, data, calls, failWriteOnce: () => (failNextWrite = true) };
}

function processor(store: StateStore, published: Alert[]) {
  return createProcessor({
    revisions: { minIntervalSeconds: 0 },
    store,
    ruleset,
    publish: async (alerts) => void published.push(...alerts),
    logger: createLogger('t', 'silent'),
    metrics: createDetectorMetrics(new Registry()),
    now: () => T0 + 10 * DAY,
  });
}

test('a batch of many VINs costs a constant number of round trips and marks alerts in the state', async () => {
  const mem = memoryStore();
  const published: Alert[] = [];
  const p = processor(mem.store, published);
  const vins = Array.from({ length: 100 }, (_, i) => vinFor(`rt-${i}`));
  const events = vins.flatMap((vin) => [regEvent(registration(vin)), declEvent(declaration(vin))]);
  const { roundTrips } = await p.process(0, p.group(events));
  assert.equal(roundTrips, 3); // read, velocity, write
  assert.equal(published.length, 100);
  assert.deepEqual(mem.calls, { read: 1, velocity: 1, write: 1 });
  const s = unpackState(mem.data.get(vins[0]!)!);
  assert.equal(s.declarations[0]!.status, 'alerted');
});

test('state that is already past its expiry is not written at all', async () => {
  const mem = memoryStore();
  const p = createProcessor({
    revisions: { minIntervalSeconds: 0 },
    store: mem.store,
    ruleset,
    publish: async () => {},
    logger: createLogger('t', 'silent'),
    metrics: createDetectorMetrics(new Registry()),
    now: () => T0 + 400 * DAY,
  });
  const vin = vinFor('expired');
  await p.process(0, p.group([regEvent(registration(vin), T0)]));
  assert.equal(mem.data.has(vin), false);
});

test('replaying a processed batch produces nothing new', async () => {
  const mem = memoryStore();
  const published: Alert[] = [];
  const p = processor(mem.store, published);
  const vin = vinFor('replay');
  const work = p.group([regEvent(registration(vin)), declEvent(declaration(vin))]);
  await p.process(0, work);
  await processor(mem.store, published).process(0, work); // a new process replays it
  assert.equal(published.length, 1);
});

test('the duplicate window: alerts acked, then the state write fails', async () => {
  const vin = vinFor('window');
  const events = [regEvent(registration(vin)), declEvent(declaration(vin))];
  // Same process retries the batch: the acked alert id is remembered, no second produce.
  const a = memoryStore();
  const pubA: Alert[] = [];
  const pa = processor(a.store, pubA);
  a.failWriteOnce();
  await assert.rejects(pa.process(0, pa.group(events)), /redis went away/);
  await pa.process(0, pa.group(events));
  assert.equal(pubA.length, 1);
  assert.equal(unpackState(a.data.get(vin)!).declarations[0]!.status, 'alerted');
  // The process dies instead and another one replays: the same alert id is produced again
  // (a physical duplicate, which downstream drops by alertId).
  const b = memoryStore();
  const pubB: Alert[] = [];
  const pb = processor(b.store, pubB);
  b.failWriteOnce();
  await assert.rejects(pb.process(0, pb.group(events)));
  await processor(b.store, pubB).process(0, pb.group(events));
  assert.equal(pubB.length, 2);
  assert.equal(pubB[0]!.alertId, pubB[1]!.alertId);
  assert.equal(pubB[0]!.alertId, alertIdFor(vin, `D1-${vin}`, ruleset.version));
});

test('a lost compare-and-set fails the batch (retriable) instead of overwriting', async () => {
  const mem = memoryStore();
  const vin = vinFor('cas');
  const p = createProcessor({
    revisions: { minIntervalSeconds: 0 },
    store: {
      ...mem.store,
      async read(partition, vins, registrants) {
        const got = await mem.store.read(partition, vins, registrants);
        mem.data.set(vin, 'zzzzzz;;'); // someone else writes between our read and our write
        return got;
      },
    },
    ruleset,
    publish: async () => {},
    logger: createLogger('t', 'silent'),
    metrics: createDetectorMetrics(new Registry()),
    now: () => T0,
  });
  await assert.rejects(p.process(0, p.group([regEvent(registration(vin))])), { name: 'StateConflictError' });
  assert.equal(mem.data.get(vin), 'zzzzzz;;');
});

test("registrant velocity counts the batch's own new registrations (not yet in Redis), per registrant and window", async () => {
  const mem = memoryStore();
  const published: Alert[] = [];
  const p = processor(mem.store, published);
  const party = { id: 'VEL-BATCH', type: 'INDIVIDUAL' as const };
  const vins = Array.from({ length: 20 }, (_, i) => vinFor(`vel-batch-${i}`));
  const events = vins.map((vin, i) => regEvent(registration(vin, { party, eventTime: T0 + i * 3_600_000 })));
  // Other registrants and days outside the 7-day window must not count.
  for (let i = 0; i < 30; i++)
    events.push(
      regEvent(registration(vinFor(`vel-other-${i}`), { party: { id: `OTHER-${i}`, type: 'INDIVIDUAL' } })),
    );
  for (let i = 0; i < 5; i++)
    events.push(regEvent(registration(vinFor(`vel-late-${i}`), { party, eventTime: T0 + 30 * DAY })));
  events.push(declEvent(declaration(vins[7]!)));
  await p.process(0, p.group(events));
  const alert = published.find((a) => a.vin === vins[7]);
  const hit = alert?.rules.find((r) => r.ruleId === 'ZM-REGISTRANT-VELOCITY');
  assert.ok(hit, `rules: ${alert?.rules.map((r) => r.ruleId).join(',')}`);
  assert.equal(hit.facts.registrations, '20');
});
