// Entity windows against the real Redis of the stack (unique key prefix, removed afterwards).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { DAY_MS as DAY } from '@zmwatch/schemas';
import {
  createEntityStore,
  ENTITIES_PER_CALL,
  entityOutboxKey,
  entityWindowKey,
  updateInMemory,
  type WindowUpdate,
} from '../src/entity-store.js';
import {
  entityCountsOf,
  keysToRead,
  observationsOf,
  vinObservations,
  type EntityWindow,
} from '../src/entity-windows.js';
import { loadRuleset } from '../src/ruleset.js';
import type { OpenDeclaration, VinState } from '../src/vin-state.js';
import { deleteRedisKeys, stack, uniqueName } from '@zmwatch/test-support/stack';

const T0 = Date.UTC(2026, 2, 1);
const cfg = { ...loadRuleset().entitySignals!, maxEntries: 8 };
const redis = new Redis(stack.redisUrl);
const prefix = uniqueName('zmentity');
after(async () => {
  await deleteRedisKeys(prefix);
  redis.disconnect();
});

const state = (i: number): VinState => ({
  expireAt: 0,
  declarations: [{ ...decl(i), status: 'evaluated' }],
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
  const ringUpdates = (i: number): WindowUpdate[] =>
    vinObservations(state(i), cfg).map((o) => ({
      key: o.key,
      kind: o.kind,
      changes: [{ vin: `VIN${i}`, time: o.time }],
    }));

  it('counts a straw-buyer ring once per VIN across retries, with hash-tagged, bounded, expiring keys', async () => {
    for (let i = 0; i < 6; i++) {
      await store.update(ringUpdates(i));
      await store.update(ringUpdates(i)); // a retried batch
    }
    const obs = observationsOf(state(5), decl(5), cfg);
    const { windows } = await store.update(
      keysToRead(obs).map((key) => ({ key, kind: 'exporter', changes: [] })),
    );
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

  it('the script and its in-memory twin agree on windows and crossings, whatever the changes', async () => {
    let seed = 42;
    const rand = (n: number) => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n;
    const memory = new Map<string, EntityWindow>();
    for (const kind of ['exporter', 'cohort'] as const) {
      const key = `${kind === 'cohort' ? 'c:CN-T' : 'x:EXP-T'}:${kind}`;
      for (let step = 0; step < 80; step++) {
        const changes = Array.from({ length: 1 + rand(3) }, () => ({
          vin: `T${rand(12)}`,
          time: rand(6) === 0 ? null : T0 + rand(40) * DAY,
        }));
        const distinct = [...new Map(changes.map((c) => [c.vin, c])).values()];
        const redisSide = await store.update([{ key, kind, changes: distinct }]);
        const memorySide = updateInMemory(memory, [{ key, kind, changes: distinct }], cfg);
        assert.deepEqual(
          new Map([...redisSide.windows.get(key)!].sort()),
          new Map([...(memorySide.windows.get(key) ?? new Map<string, number>())].sort()),
          `window after step ${step}`,
        );
        // Redis keeps unconfirmed crossings in the outbox; memory reports this step's only.
        const outbox = redisSide.recheck.get(key) ?? [];
        for (const v of memorySide.recheck.get(key) ?? []) assert.ok(outbox.includes(v), `${v} crossed`);
        await store.confirm(redisSide.recheck);
      }
    }
  });

  it('a batch of many entities, several to a script call, gives each entity what it alone would get', async () => {
    let seed = 7;
    const rand = (n: number) => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n;
    const kinds = ['exporter', 'transferee', 'registrant', 'cohort'] as const;
    const n = 2 * ENTITIES_PER_CALL + 3; // three calls, the last one short
    const memory = new Map<string, EntityWindow>();
    for (let step = 0; step < 4; step++) {
      const batch: WindowUpdate[] = Array.from({ length: n }, (_, e) => ({
        key: `m:${e}`,
        kind: kinds[e % 4]!,
        // some entities only read, the others join, move or leave a few of 6 VINs
        changes:
          e % 5 === 0
            ? []
            : [
                ...new Map(
                  Array.from({ length: 1 + rand(3) }, () => ({
                    vin: `M${rand(6)}`,
                    time: rand(5) === 0 ? null : T0 + rand(30) * DAY,
                  })).map((c) => [c.vin, c]),
                ).values(),
              ],
      }));
      const redisSide = await store.update(batch);
      const memorySide = updateInMemory(memory, batch, cfg);
      for (const u of batch) {
        assert.deepEqual(
          [...redisSide.windows.get(u.key)!].sort(),
          [...(memorySide.windows.get(u.key) ?? new Map<string, number>())].sort(),
          `window ${u.key} after step ${step}`,
        );
        assert.deepEqual(
          [...(redisSide.recheck.get(u.key) ?? [])].sort(),
          [...(memorySide.recheck.get(u.key) ?? [])].sort(),
          `crossings of ${u.key} at step ${step}`,
        );
      }
      await store.confirm(redisSide.recheck);
    }
  });

  it('keeps crossings in the outbox until their requests are confirmed, so a retried batch still sends them', async () => {
    const key = 'r:P-OUTBOX';
    const t = (i: number) => ({ vin: `O${i}`, time: T0 + i * DAY });
    await store.update([{ key, kind: 'registrant', changes: [t(1)] }]);
    await store.update([{ key, kind: 'registrant', changes: [t(2)] }]);
    const first = await store.update([{ key, kind: 'registrant', changes: [t(3)] }]);
    assert.deepEqual(first.recheck.get(key)?.sort(), ['O1', 'O2'], 'the third crosses threshold 3');
    // The process died before producing: the same batch again crosses nothing new, but the outbox
    // still names both.
    const retry = await store.update([{ key, kind: 'registrant', changes: [t(3)] }]);
    assert.deepEqual(retry.recheck.get(key)?.sort(), ['O1', 'O2']);
    await store.confirm(retry.recheck);
    const after = await store.update([{ key, kind: 'registrant', changes: [t(3)] }]);
    assert.equal(after.recheck.get(key), undefined);
    assert.equal(await redis.exists(entityOutboxKey(prefix, key)), 0, 'an empty outbox is no key');
  });

  it('keeps at most maxEntries VINs and drops those older than the retention before the newest', async () => {
    const k = 'x:EXP-BIG';
    for (let i = 0; i < 12; i++)
      await store.update([{ key: k, kind: 'exporter', changes: [{ vin: `V${i}`, time: T0 + i * 1000 }] }]);
    let w = (await store.update([{ key: k, kind: 'exporter', changes: [] }])).windows.get(k)!;
    assert.equal(w.size, cfg.maxEntries);
    assert.ok(!w.has('V0') && w.has('V11'), 'the oldest left first');
    const late = { vin: 'LATE', time: T0 + (cfg.exporter.windowDays + 1) * DAY };
    w = (await store.update([{ key: k, kind: 'exporter', changes: [late] }])).windows.get(k)!;
    assert.deepEqual([...w.keys()], ['LATE']);
    const nobody = await store.update([{ key: 'x:NOBODY', kind: 'exporter', changes: [] }]);
    assert.equal(nobody.windows.get('x:NOBODY')!.size, 0);
  });
});
