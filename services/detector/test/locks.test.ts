import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPartitionLocks } from '../src/mutex.js';

const tick = () => new Promise((r) => setImmediate(r));

test('partition locks: same partition in order, different partitions concurrently', async () => {
  const locks = createPartitionLocks();
  const log: string[] = [];
  let release0!: () => void;
  const a = locks.withPartition(0, async () => {
    log.push('a start');
    await new Promise<void>((r) => (release0 = r));
    log.push('a end');
  });
  const b = locks.withPartition(0, async () => void log.push('b'));
  const c = locks.withPartition(1, async () => void log.push('c'));
  await tick();
  await tick();
  assert.deepEqual(log, ['a start', 'c'], 'partition 1 runs while partition 0 is busy; b waits for a');
  release0();
  await Promise.all([a, b, c]);
  assert.deepEqual(log, ['a start', 'c', 'a end', 'b']);
});

test('partition locks: a failed section does not block the next ones', async () => {
  const locks = createPartitionLocks();
  await assert.rejects(
    locks.withPartition(2, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await locks.withPartition(2, async () => 'ok'), 'ok');
});
