import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedHealth } from '../src/feed-health.js';
import { cachedFeedHealth, spreadSample } from '../src/feed-health.js';

test('the sample is spread evenly over partitions; short partitions give their share to the others', () => {
  assert.deepEqual(spreadSample([100, 100, 100], 30), [10, 10, 10]);
  assert.deepEqual(spreadSample([2, 100, 100], 30), [2, 14, 14]);
  assert.deepEqual(spreadSample([0, 5, 3], 100), [0, 5, 3], 'never more than a partition holds');
  assert.deepEqual(spreadSample([10, 10, 10], 4), [2, 1, 1]);
  assert.deepEqual(spreadSample([], 10), []);
  assert.equal(
    spreadSample([7, 1000, 3, 50], 2000).reduce((s, n) => s + n, 0),
    1060,
  );
});

test('the feed check is reused within its cache time, shared by concurrent callers, and recomputed on refresh', async () => {
  let clock = 0;
  let computed = 0;
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const health = (n: number) => ({ at: n }) as unknown as FeedHealth;
  const get = cachedFeedHealth(
    async () => {
      computed++;
      await gate;
      return health(computed);
    },
    30_000,
    () => clock,
  );
  const [a, b] = [get(), get()];
  release();
  assert.equal((await a).at, 1);
  assert.equal((await b).at, 1);
  assert.equal(computed, 1, 'concurrent requests share one check');
  clock = 29_999;
  assert.equal((await get()).at, 1);
  assert.equal(computed, 1);
  clock = 30_000;
  assert.equal((await get()).at, 2, 'recomputed once the cache time has passed');
  gate = Promise.resolve();
  assert.equal((await get(true)).at, 3, 'refresh recomputes now');
  assert.equal(computed, 3);
});

test('a failed check is not cached', async () => {
  let fail = true;
  const get = cachedFeedHealth(async () => {
    if (fail) throw new Error('Kafka down');
    return { at: 1 } as unknown as FeedHealth;
  }, 30_000);
  await assert.rejects(get(), /Kafka down/);
  fail = false;
  assert.equal((await get()).at, 1);
});
