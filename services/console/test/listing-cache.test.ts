// Queue listings never keep a page waiting on a slow visibility store (src/cases/listing-cache.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createListingCache } from '../src/cases/listing-cache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a listing younger than freshMs is shared: one query for every poller', async () => {
  const get = createListingCache<number>({ freshMs: 60_000, deadlineMs: 50, maxEntries: 10 });
  let queries = 0;
  const load = async () => ++queries;
  const got = await Promise.all([get('q', load), get('q', load), get('q', load)]);
  assert.deepEqual(
    got.map((g) => g.value),
    [1, 1, 1],
  );
  assert.equal((await get('q', load)).value, 1);
  assert.equal(queries, 1);
});

test('a slow query: the caller gets the last listing within the deadline, marked stale; the next poll gets the new one', async () => {
  let t = 0;
  const get = createListingCache<string>({ freshMs: 1_000, deadlineMs: 50, maxEntries: 10, now: () => t });
  assert.deepEqual(await get('q', async () => 'first'), { value: 'first', at: 0, stale: false });
  t = 5_000;
  const started = Date.now();
  const slow = await get('q', async () => (await sleep(300), 'second'));
  assert.ok(Date.now() - started < 250, `answered in ${Date.now() - started} ms`);
  assert.deepEqual(slow, { value: 'first', at: 0, stale: true });
  await sleep(350);
  const next = await get('q', async () => 'third');
  assert.equal(next.value, 'second', 'the slow query refreshed the entry');
  assert.equal(next.stale, false);
});

test('a failing query serves the last listing as stale; with no listing yet the error reaches the caller', async () => {
  let t = 0;
  const get = createListingCache<string>({ freshMs: 10, deadlineMs: 50, maxEntries: 10, now: () => t });
  await assert.rejects(
    get('q', async () => {
      throw new Error('visibility down');
    }),
    /visibility down/,
  );
  await get('q', async () => 'ok');
  t = 100;
  const r = await get('q', async () => {
    throw new Error('visibility down');
  });
  assert.deepEqual(r, { value: 'ok', at: 100 - 100, stale: true });
});

test('freshMsOf: a cheap listing is fresh for less time than a visibility one', async () => {
  let t = 0;
  const get = createListingCache<{ source: string; n: number }>({
    freshMs: 1_000,
    freshMsOf: (v) => (v.source === 'projection' ? 200 : 1_000),
    deadlineMs: 50,
    maxEntries: 10,
    now: () => t,
  });
  let n = 0;
  const load = (source: string) => async () => ({ source, n: ++n });
  assert.equal((await get('p', load('projection'))).value.n, 1);
  assert.equal((await get('v', load('visibility'))).value.n, 2);
  t = 300;
  assert.equal((await get('p', load('projection'))).value.n, 3, 'the projection listing is asked again');
  assert.equal((await get('v', load('visibility'))).value.n, 2, 'the visibility one is still shared');
});
