// The partition-bucket state store against the real Redis of the stack (unique key prefix per test).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ConfigError } from '@zmwatch/kit';
import { createStateStore, type StateStore } from '../src/redis-store.js';
import {
  dayKey,
  registrantTag,
  stateBucketKey,
  stateBucketOf,
  velocityBucketKey,
  velocityBucketOf,
} from '../src/keys.js';
import { deleteRedisKeys, stack, uniqueName } from '@zmwatch/test-support/stack';

const DAY = 20_400;
const redis = new Redis(stack.redisUrl);
const prefixes: string[] = [];
after(async () => {
  for (const p of prefixes) await deleteRedisKeys(p);
  redis.disconnect();
});

const inputs = (registrations: number, declarations = registrations) => [
  { name: 'registrations', partitions: registrations },
  { name: 'declarations', partitions: declarations },
];

async function newStore(prefix: string, cacheBuckets = 1000, partitions = 3): Promise<StateStore> {
  const s = createStateStore(
    redis,
    { prefix, bucketsPerPartition: 8, velocityBucketsPerPartition: 4 },
    { cacheBuckets },
  );
  await s.checkLayout(inputs(partitions));
  return s;
}
/** A store whose partitions have one state bucket and one velocity bucket: every VIN shares it. */
async function oneBucketStore(): Promise<StateStore> {
  const prefix = uniqueName('zmstore');
  prefixes.push(prefix);
  const s = createStateStore(
    redis,
    { prefix, bucketsPerPartition: 1, velocityBucketsPerPartition: 1 },
    { cacheBuckets: 10 },
  );
  await s.checkLayout(inputs(3));
  return s;
}
const vin = (i: number) => `LGXCE4CB8S${String(i).padStart(7, '0')}`;

describe('partition-bucket state store (real Redis)', () => {
  it('writes whole buckets and serves the next batch from memory', async () => {
    const prefix = uniqueName('zmstore');
    prefixes.push(prefix);
    const store = await newStore(prefix);
    const vins = Array.from({ length: 40 }, (_, i) => vin(i));
    const first = await store.read(1, vins, ['REG-A']);
    assert.equal(first.roundTrips, 1);
    assert.ok(first.states.every((s) => s === undefined));
    const lost = await store.write(
      first,
      vins.map((v) => ({ vin: v, expected: '', next: `zz;;R${v.slice(-3)}` })),
      vins.map(() => ({ registrantId: 'REG-A', day: DAY })),
    );
    assert.deepEqual(lost, []);
    const again = await store.read(1, vins, ['REG-A']);
    assert.equal(again.roundTrips, 0, 'every bucket is cached');
    assert.deepEqual(
      again.states,
      vins.map((v) => `zz;;R${v.slice(-3)}`),
    );
    // What Redis holds: one string per bucket, version 1, every VIN once.
    const keys = [
      ...new Set(vins.map((v) => stateBucketKey(store.layout, 1, stateBucketOf(store.layout, v)))),
    ];
    const blobs = (await redis.mget(...keys)) as string[];
    assert.ok(blobs.every((b) => b.startsWith('1\n')));
    assert.equal(
      blobs.reduce((n, b) => n + b.split('\n').length - 1, 0),
      40,
    );
    const vkey = velocityBucketKey(store.layout, 1, velocityBucketOf(store.layout, 'REG-A'));
    assert.match(
      (await redis.get(vkey))!,
      new RegExp(`\\n${registrantTag('REG-A')}${dayKey(DAY)}${(40).toString(36)}$`),
    );
  });

  it('appends what a batch changed and rewrites a bucket once replaced lines pile up', async () => {
    const store = await oneBucketStore();
    const key = stateBucketKey(store.layout, 0, 0);
    const write = async (rows: Array<[string, string]>) => {
      const view = await store.read(
        0,
        rows.map(([v]) => v),
        [],
      );
      const lost = await store.write(
        view,
        rows.map(([v, next], i) => ({ vin: v, expected: view.states[i] ?? '', next })),
        [],
      );
      assert.deepEqual(lost, []);
      return (await redis.get(key))!;
    };
    const first = await write(Array.from({ length: 30 }, (_, i) => [vin(i), 's1;;'] as [string, string]));
    assert.equal(first.split('\n').length - 1, 30);
    const appended = await write([[vin(100), 'n;;']]);
    assert.equal(
      appended,
      `2${first.slice(1)}\n${vin(100)}n;;`,
      'the new VIN is appended after the stored lines',
    );
    const updated = await write([[vin(0), 's2;;']]);
    assert.ok(updated.endsWith(`\n${vin(0)}s2;;`), 'an update is appended too');
    assert.equal(updated.split('\n').length - 1, 32, 'one replaced line kept for now');
    const compacted = await write(
      Array.from({ length: 6 }, (_, i) => [vin(i + 1), 's2;;'] as [string, string]),
    );
    assert.equal(compacted.split('\n').length - 1, 31, 'rewritten whole: every line live');
    assert.ok(compacted.startsWith('4\n'));
    const fresh = createStateStore(redis, store.layout, { cacheBuckets: 0 });
    const seen = await fresh.read(0, [vin(0), vin(3), vin(100), vin(29)], []);
    assert.deepEqual(seen.states, ['s2;;', 's2;;', 'n;;', 's1;;']);
  });

  it('a bucket emptied by a write (its key deleted) takes the next write', async () => {
    const store = await oneBucketStore();
    const key = stateBucketKey(store.layout, 1, 0);
    const v1 = await store.read(1, [vin(1)], ['OLD-FLEET']);
    assert.deepEqual(
      await store.write(
        v1,
        [{ vin: vin(1), expected: '', next: 'a;;' }],
        [{ registrantId: 'OLD-FLEET', day: DAY - 400 }],
      ),
      [],
    );
    const v2 = await store.read(1, [vin(1)], []);
    assert.deepEqual(await store.write(v2, [{ vin: vin(1), expected: 'a;;', next: '' }], []), []);
    assert.equal(await redis.exists(key), 0, 'the empty bucket is deleted');
    assert.equal(
      await store.compactVelocity(1, [0], DAY - 300),
      1,
      'the old counter is swept, its bucket deleted',
    );
    const v3 = await store.read(1, [vin(2)], ['OLD-FLEET']);
    assert.equal(v3.roundTrips, 0, 'served from memory');
    assert.deepEqual(
      await store.write(
        v3,
        [{ vin: vin(2), expected: '', next: 'b;;' }],
        [{ registrantId: 'OLD-FLEET', day: DAY }],
      ),
      [],
      'no stale version after the deletes',
    );
    assert.equal(await redis.get(key), `1\n${vin(2)}b;;`);
  });

  it('a write over a bucket someone else changed loses as a whole: nothing of it lands, and its cache is dropped', async () => {
    const prefix = uniqueName('zmstore');
    prefixes.push(prefix);
    const a = await newStore(prefix);
    const b = await newStore(prefix); // another process that (wrongly) writes the same partition
    const v = vin(7);
    const other = vin(8);
    const viewA = await a.read(0, [v, other], ['REG-B']);
    const viewB = await b.read(0, [v], []);
    assert.deepEqual(await b.write(viewB, [{ vin: v, expected: '', next: 'bb;;' }], []), []);
    const lost = await a.write(
      viewA,
      [
        { vin: v, expected: '', next: 'aa;;' },
        { vin: other, expected: '', next: 'oo;;' },
      ],
      [{ registrantId: 'REG-B', day: DAY }],
    );
    if (stateBucketOf(a.layout, v) === stateBucketOf(a.layout, other))
      assert.deepEqual(lost.sort(), [v, other].sort());
    else assert.ok(lost.includes(v));
    const fresh = await newStore(prefix, 0);
    const seen = await fresh.read(0, [v, other], []);
    assert.equal(seen.states[0], 'bb;;', 'the other writer kept its state');
    assert.equal(
      seen.states[1],
      undefined,
      'all or nothing: the unrelated VIN of the losing batch was not written',
    );
    assert.equal(await redis.get(velocityBucketKey(a.layout, 0, velocityBucketOf(a.layout, 'REG-B'))), null);
    const retry = await a.read(0, [v], []);
    assert.equal(retry.roundTrips, 1, 'the stale bucket left the cache');
    assert.equal(retry.states[0], 'bb;;');
  });

  it("velocity sums a registrant's counters over every partition, within the window", async () => {
    const prefix = uniqueName('zmstore');
    prefixes.push(prefix);
    const p0 = await newStore(prefix);
    const p1 = await newStore(prefix);
    const inc = (day: number, n: number) =>
      Array.from({ length: n }, () => ({ registrantId: 'FLEET-1', day }));
    const v0 = await p0.read(0, [], ['FLEET-1']);
    await p0.write(v0, [], [...inc(DAY, 3), ...inc(DAY - 10, 5)]);
    const v1 = await p1.read(1, [], ['FLEET-1']);
    await p1.write(v1, [], [...inc(DAY + 2, 4), ...inc(DAY, 1)]);
    const view = await p0.read(0, [], []);
    const [count, none] = await p0.velocity(
      view,
      [
        { registrantId: 'FLEET-1', day: DAY },
        { registrantId: 'NOBODY', day: DAY },
      ],
      7,
    );
    assert.equal(count, 3 + 4 + 1, 'days DAY-6..DAY+6 on partitions 0 and 1; DAY-10 is outside');
    assert.equal(none, 0);
    const early = { registrantId: 'FLEET-1', day: DAY - 8 }; // window DAY-14..DAY-2: only DAY-10's 5
    assert.deepEqual(await p0.velocity(await p0.read(0, [], []), [early], 7), [5]);
    // The sweeper's compaction drops counters older than the retention.
    const removed = await p0.compactVelocity(0, [velocityBucketOf(p0.layout, 'FLEET-1')], DAY - 5);
    assert.equal(removed, 1, 'one entry (FLEET-1, DAY-10) removed');
    assert.deepEqual(await p1.velocity(await p1.read(1, [], []), [early], 7), [0]);
    assert.deepEqual(
      await p1.velocity(await p1.read(1, [], []), [{ registrantId: 'FLEET-1', day: DAY }], 7),
      [8],
    );
  });

  it('scan reports expired VINs and pending declarations past their grace deadline', async () => {
    const prefix = uniqueName('zmstore');
    prefixes.push(prefix);
    const store = await newStore(prefix);
    const now = 1_800_000_000;
    const b36 = (n: number) => n.toString(36);
    const rows = [
      { vin: vin(1), next: `${b36(now - 1)};;R1` }, // expired
      { vin: vin(2), next: `${b36(now + 999)};${b36(now - 5)};D1` }, // grace over
      { vin: vin(3), next: `${b36(now + 999)};${b36(now + 5)};D1` }, // still waiting
      { vin: vin(4), next: `${b36(now + 999)};;R1` },
    ];
    const view = await store.read(
      2,
      rows.map((r) => r.vin),
      [],
    );
    await store.write(
      view,
      rows.map((r) => ({ ...r, expected: '' })),
      [],
    );
    const buckets = [...new Set(rows.map((r) => stateBucketOf(store.layout, r.vin)))];
    const { expired, due } = await store.scan(2, buckets, now);
    assert.deepEqual(expired, [vin(1)]);
    assert.deepEqual(due, [vin(2)]);
  });

  it("keeps the state's partition count when inputs gain partitions; refuses fewer partitions and other bucket counts (ConfigError)", async () => {
    const prefix = uniqueName('zmstore');
    prefixes.push(prefix);
    const layoutOf = (partitions: number, buckets = 8, declarations = partitions) =>
      createStateStore(
        redis,
        { prefix, bucketsPerPartition: buckets, velocityBucketsPerPartition: 4 },
        { cacheBuckets: 10 },
      ).checkLayout(inputs(partitions, declarations));
    assert.equal(await layoutOf(6), 6, "first use records the inputs' count");
    assert.equal(await layoutOf(6), 6);
    assert.equal(await layoutOf(12), 6, 'inputs expanded: the state stays laid out for 6 until migrated');
    assert.equal(await layoutOf(12, 8, 6), 6, 'one input expanded, the other not yet: still 6');
    await assert.rejects(layoutOf(3), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /laid out for 6 partitions but the input topics have fewer \(registrations: 3, declarations: 3\)/,
      );
      assert.match(err.message, /ZM_DETECTOR_KEY_PREFIX/);
      return true;
    });
    await assert.rejects(layoutOf(6, 16), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /written with 8 state and 4 velocity buckets per partition, this process has 16 and 4/,
      );
      return true;
    });
  });
});
