// Entity windows against the real Redis of the stack (unique key prefix, removed afterwards).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createEntityStore, entityWindowKey } from '../src/entity-store.js';
import { entityCountsOf, keysToRead, observationsOf } from '../src/entity-windows.js';
import { loadRuleset } from '../src/ruleset.js';
import type { OpenDeclaration, VinState } from '../src/vin-state.js';
import { deleteRedisKeys, stack, uniqueId } from './support/stack.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const cfg = { ...loadRuleset().entitySignals!, maxEntries: 8 };
const redis = new Redis(stack.redisUrl);
const prefix = uniqueId('zmentity');
after(async () => {
  await deleteRedisKeys(prefix);
  redis.disconnect();
});

const state = (i: number): VinState => ({
  expireAt: 0,
  declarations: [],
  registration: {
    time: T0 + (i % 2) * DAY,
    jurisdiction: 'CN-SH',
    partyId: `P-${i}`,
    partyType: 'INDIVIDUAL',
    condition: 'NEW',
  },
  lastTransfer: { time: T0 + 60 * DAY, partyId: 'EXP-RING', partyType: 'LICENSED_EXPORTER' },
});
const decl = (i: number): OpenDeclaration => ({
  declarationId: `D${i}`,
  status: 'pending',
  eventTime: T0 + (100 + i) * DAY,
  firstSeenAt: 0,
  exporterId: 'EXP-RING',
  exporterType: 'LICENSED_EXPORTER',
  declaredCondition: 'USED',
  declaredOdometerKm: 300,
  destinationCountry: 'AE',
  hasAfterSalesRef: true,
});

describe('entity store (real Redis)', () => {
  const store = createEntityStore(redis, prefix, cfg);

  it('counts a straw-buyer ring once per VIN across retries, with hash-tagged, bounded, expiring keys', async () => {
    for (let i = 0; i < 6; i++) {
      const obs = observationsOf(state(i), decl(i), cfg).map((o) => ({ ...o, vin: `VIN${i}` }));
      await store.observe(obs);
      await store.observe(obs); // a retried batch
    }
    const obs = observationsOf(state(5), decl(5), cfg);
    const windows = await store.read(keysToRead(obs, cfg));
    const counts = entityCountsOf(obs, (k) => windows.get(k), cfg);
    assert.equal(counts.exporter!.count, 6);
    assert.equal(counts.transferee!.count, 6);
    assert.equal(counts.registrant!.count, 1);
    assert.equal(counts.cohort!.count, 6, 'registered on two neighbouring days, spreadDays 1');

    const key = entityWindowKey(prefix, 'x:EXP-RING');
    assert.match(key, /\{e:x:EXP-RING\}/, 'the entity is the hash tag');
    const ttl = await redis.pttl(key);
    assert.ok(
      ttl > cfg.exporter.windowDays * DAY && ttl <= (cfg.exporter.windowDays + 8) * DAY,
      `ttl ${ttl}`,
    );
  });

  it('keeps at most maxEntries VINs and drops those older than the retention before the newest', async () => {
    const k = 'x:EXP-BIG';
    for (let i = 0; i < 12; i++)
      await store.observe([{ kind: 'exporter', key: k, time: T0 + i * 1000, vin: `V${i}` }]);
    let w = (await store.read([k])).get(k)!;
    assert.equal(w.size, cfg.maxEntries);
    assert.ok(!w.has('V0') && w.has('V11'), 'the oldest left first');
    await store.observe([
      { kind: 'exporter', key: k, time: T0 + (cfg.exporter.windowDays + 1) * DAY, vin: 'LATE' },
    ]);
    w = (await store.read([k])).get(k)!;
    assert.deepEqual([...w.keys()], ['LATE']);
    assert.equal((await store.read(['x:NOBODY'])).get('x:NOBODY')!.size, 0);
  });
});
