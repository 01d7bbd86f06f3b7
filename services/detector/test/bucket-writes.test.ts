import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyBucket, type Bucket } from '../src/bucket-blob.js';
import {
  applyChanges,
  countInEntries,
  planBucketWrites,
  planVelocityCompaction,
  STATE_BUCKET,
  sweepFindings,
  VELOCITY_BUCKET,
  velocityDays,
} from '../src/bucket-writes.js';
import { dayKey, registrantTag, stateBucketOf, velocityBucketOf, type KeyLayout } from '../src/keys.js';
import { vinFor } from '@zmwatch/test-support/vins';

const layout: KeyLayout = { prefix: 'zmtest', bucketsPerPartition: 4, velocityBucketsPerPartition: 2 };
const bucketWith = (entries: Array<[string, string]>, version = 3): Bucket => ({
  version,
  entries: new Map(entries),
  lines: entries.length,
});

/** VINs of distinct state buckets, and two that share one. */
const vins = Array.from({ length: 40 }, (_, i) => vinFor(`bw-${i}`));
const [a, b] = vins.filter((v) => stateBucketOf(layout, v) === stateBucketOf(layout, vins[0]!));
const c = vins.find((v) => stateBucketOf(layout, v) !== stateBucketOf(layout, a!))!;
const bucketA = stateBucketOf(layout, a!);
const bucketC = stateBucketOf(layout, c);

/** A view of the state buckets of a, b, c and the velocity buckets of every registrant used below. */
function view(states: Array<[string, string]> = []) {
  const buckets = new Map<number, Bucket>([
    [bucketA, bucketWith(states.filter(([v]) => stateBucketOf(layout, v) === bucketA))],
    [bucketC, bucketWith(states.filter(([v]) => stateBucketOf(layout, v) === bucketC))],
  ]);
  const velocityBuckets = new Map<number, Bucket>([
    [0, emptyBucket()],
    [1, emptyBucket()],
  ]);
  return { buckets, velocityBuckets };
}

test('planBucketWrites groups the new states by state bucket, in the order their first VIN came', () => {
  const v = view([[a!, 'old-a']]);
  const plan = planBucketWrites(
    layout,
    v,
    [
      { vin: c, expected: '', next: 'new-c' },
      { vin: a!, expected: 'old-a', next: 'new-a' },
      { vin: b!, expected: '', next: 'new-b' },
    ],
    [],
  );
  assert.deepEqual(plan.lost, []);
  assert.deepEqual(
    plan.touched.map((t) => [t.kind, t.b, [...t.changes]]),
    [
      [STATE_BUCKET, bucketC, [[c, 'new-c']]],
      [
        STATE_BUCKET,
        bucketA,
        [
          [a, 'new-a'],
          [b, 'new-b'],
        ],
      ],
    ],
  );
  assert.equal(plan.touched[1]!.bucket, v.buckets.get(bucketA), 'the bucket as read, to compare-and-set');
  assert.equal(v.buckets.get(bucketA)!.entries.get(a!), 'old-a', 'planning changes nothing');
});

test('planBucketWrites: a VIN whose stored state is not what the batch merged from is lost', () => {
  const plan = planBucketWrites(
    layout,
    view([[a!, 'someone-else']]),
    [
      { vin: a!, expected: 'old-a', next: 'new-a' },
      { vin: b!, expected: 'gone', next: 'new-b' }, // expected a state that is absent
      { vin: c, expected: '', next: '' }, // absent and removed: fine
    ],
    [],
  );
  assert.deepEqual(plan.lost, [a, b]);
});

test('planBucketWrites adds +1 per increment to the (registrant, day) counter, repeats and stored counts included', () => {
  const r1 = 'REG-ONE';
  const r2 = 'REG-TWO';
  const v = view();
  const k1 = registrantTag(r1) + dayKey(20500);
  v.velocityBuckets.set(velocityBucketOf(layout, r1), bucketWith([[k1, 'z']])); // 35
  const plan = planBucketWrites(
    layout,
    v,
    [{ vin: a!, expected: '', next: 'new-a' }],
    [
      { registrantId: r1, day: 20500 },
      { registrantId: r1, day: 20500 },
      { registrantId: r2, day: 20501 },
      { registrantId: r1, day: 20502 },
    ],
  );
  assert.equal(plan.touched[0]!.kind, STATE_BUCKET, 'state buckets first');
  const changes = new Map(
    plan.touched.filter((t) => t.kind === VELOCITY_BUCKET).flatMap((t) => [...t.changes]),
  );
  assert.deepEqual(
    changes,
    new Map([
      [k1, (37).toString(36)],
      [registrantTag(r2) + dayKey(20501), '1'],
      [registrantTag(r1) + dayKey(20502), '1'],
    ]),
  );
  const custom = planBucketWrites(layout, v, [], [{ registrantId: r1, day: 1 }], () => 'TAGTAGTA');
  assert.deepEqual([...custom.touched[0]!.changes.keys()], ['TAGTAGTA' + dayKey(1)]);
});

test('planBucketWrites refuses a write outside the buckets its batch read', () => {
  const v = view();
  v.buckets.delete(bucketC);
  assert.throws(
    () => planBucketWrites(layout, v, [{ vin: c, expected: '', next: 'x' }], []),
    /outside the buckets its batch read \(state bucket/,
  );
  v.velocityBuckets.clear();
  assert.throws(() => planBucketWrites(layout, v, [], [{ registrantId: 'R', day: 1 }]), /velocity bucket/);
  assert.deepEqual(planBucketWrites(layout, view(), [], []), { touched: [], lost: [] });
});

test('planVelocityCompaction removes the counters of days before minDay, and leaves untouched buckets out', () => {
  const tag = registrantTag('R');
  const old = bucketWith([
    [tag + dayKey(99), '1'],
    [tag + dayKey(100), '2'],
  ]);
  const fresh = bucketWith([[tag + dayKey(150), '1']]);
  const plan = planVelocityCompaction(
    new Map([
      [0, old],
      [1, fresh],
    ]),
    100,
  );
  assert.deepEqual(
    plan.map((t) => [t.kind, t.b, [...t.changes]]),
    [[VELOCITY_BUCKET, 0, [[tag + dayKey(99), '']]]],
  );
});

test('sweepFindings: expired and due VINs from the header alone; an unreadable header is neither', () => {
  const bucket = bucketWith([
    ['VIN00000000000001', 'a~2;'], // expires at 10
    ['VIN00000000000002', 'z~2;b'], // due at 11
    ['VIN00000000000003', 'z~2;z;Rx'], // due at 35
    ['VIN00000000000004', 'a;b;Rx'], // version 1: expires at 10
    ['VIN00000000000005', '!!~2;'],
  ]);
  assert.deepEqual(sweepFindings([bucket], 11), {
    expired: ['VIN00000000000001', 'VIN00000000000004'],
    due: ['VIN00000000000002'],
  });
});

test('applyChanges sets and removes entries; countInEntries sums a window of days', () => {
  const tag = registrantTag('R');
  const bucket = bucketWith([
    [tag + dayKey(10), '2'],
    [tag + dayKey(12), 'a'],
    [tag + dayKey(14), '1'],
  ]);
  applyChanges(
    bucket,
    new Map([
      [tag + dayKey(14), ''],
      [tag + dayKey(11), '3'],
    ]),
  );
  assert.deepEqual(velocityDays(12, 2), { from: 11, to: 13 });
  assert.equal(countInEntries(bucket.entries, tag, 11, 13), 13);
  assert.equal(countInEntries(bucket.entries, tag, 10, 20), 15);
  assert.equal(countInEntries(bucket.entries, registrantTag('other'), 10, 20), 0);
});
