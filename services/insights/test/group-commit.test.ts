import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { InsightsRecord } from '../src/records.js';
import { openStore } from '../src/store.js';
import { dataset } from '@zmwatch/test-support/insights-dataset';

const data = dataset(randomBytes(3).toString('hex'));

/** The records split round-robin into `n` batches, as partitions of one fetch would be. */
function split(records: readonly InsightsRecord[], n: number): InsightsRecord[][] {
  const out: InsightsRecord[][] = Array.from({ length: n }, () => []);
  records.forEach((r, i) => out[i % n]!.push(r));
  return out;
}

describe('insights store group commit', () => {
  it('concurrent writes all land, with the same rows as one write of everything', async () => {
    const one = await openStore(':memory:');
    const many = await openStore(':memory:');
    try {
      await one.write(data.records);
      await Promise.all(split(data.records, 5).map((batch) => many.write(batch)));
      assert.deepEqual(await many.counts(), await one.counts());
      assert.ok(Object.values(await one.counts()).every((n) => n > 0));
    } finally {
      await one.close();
      await many.close();
    }
  });

  it('a write that cannot be stored fails alone; the writes that shared its transaction land', async () => {
    const store = await openStore(':memory:');
    try {
      const reg = data.records.find((r) => r.kind === 'registration');
      assert.ok(reg?.kind === 'registration');
      const bad = { ...reg, event: { ...reg.event, vin: null as unknown as string } };
      const batches = split(
        data.records.filter((r) => r !== reg),
        3,
      );
      const results = await Promise.allSettled([
        ...batches.map((b) => store.write(b)),
        store.write([bad]),
        store.write([reg]),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
      );
      const reference = await openStore(':memory:');
      await reference.write(data.records);
      assert.deepEqual(await store.counts(), await reference.counts());
      await reference.close();
    } finally {
      await store.close();
    }
  });
});
