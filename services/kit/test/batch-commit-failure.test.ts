// A heartbeat or offset commit that fails after a batch's effects are durable (the group coordinator
// moved with its dying broker) is not a failed batch: no retry, no pause, the offset stays resolved.
// kafkajs is replaced by a stand-in that captures eachBatch (pure loop logic; the real-Kafka paths
// are batch-consumer*.it.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { createBatchConsumer, createLogger, type DeadLetterWriter } from '../src/index.js';

function capture() {
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const kafka = {
    consumer: () => ({
      connect: async () => {},
      subscribe: async () => {},
      run: async (o: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
        eachBatch = o.eachBatch;
      },
      disconnect: async () => {},
    }),
  } as unknown as Kafka;
  return { kafka, eachBatch: () => eachBatch! };
}

function payload(fail: 'heartbeat' | 'commit' | 'none') {
  const calls = { resolved: [] as string[], paused: 0 };
  const messages = ['0', '1', '2'].map(
    (offset) => ({ offset, key: null, value: Buffer.from(offset), headers: {} }) as unknown as KafkaMessage,
  );
  const coordinatorGone = () => Promise.reject(new Error('The coordinator is not available'));
  const p = {
    batch: { topic: 't', partition: 0, messages, firstOffset: () => '0' },
    isRunning: () => true,
    isStale: () => false,
    resolveOffset: (o: string) => void calls.resolved.push(o),
    heartbeat: fail === 'heartbeat' ? coordinatorGone : async () => {},
    commitOffsetsIfNecessary: fail === 'commit' ? coordinatorGone : async () => {},
    pause: () => {
      calls.paused++;
      return () => {};
    },
  } as unknown as EachBatchPayload;
  return { p, calls };
}

for (const fail of ['heartbeat', 'commit'] as const) {
  test(`a ${fail} that fails after the batch is handled neither retries nor pauses the partition`, async () => {
    const { kafka, eachBatch } = capture();
    const handled: string[] = [];
    const retries: unknown[] = [];
    const batches: number[] = [];
    const none: DeadLetterWriter = { write: async () => {} } as unknown as DeadLetterWriter;
    const c = createBatchConsumer<string>({
      kafka,
      groupId: 'g',
      topics: ['t'],
      logger: createLogger('kit-test', 'silent'),
      deadLetters: none,
      decode: (m) => String(m.value),
      handle: async (records) => void handled.push(...records.map((r) => r.value)),
      onRetry: (r) => void retries.push(r),
      onBatch: (b) => void batches.push(b.processed),
    });
    await c.start();
    const { p, calls } = payload(fail);
    await eachBatch()(p);
    assert.deepEqual(handled, ['0', '1', '2']);
    assert.deepEqual(calls.resolved, ['2'], 'the offset stays resolved: auto-commit sends it later');
    assert.equal(calls.paused, 0);
    assert.deepEqual(retries, []);
    assert.deepEqual(batches, [3], 'counted as a handled batch');
    // The next batch of the partition is handled as usual (no backoff state left behind).
    const next = payload('none');
    await eachBatch()(next.p);
    assert.equal(next.calls.paused, 0);
    await c.stop();
  });
}

test('a failing effect still pauses the partition and resolves nothing (the contrast)', async () => {
  const { kafka, eachBatch } = capture();
  const retries: unknown[] = [];
  const c = createBatchConsumer<string>({
    kafka,
    groupId: 'g',
    topics: ['t'],
    logger: createLogger('kit-test', 'silent'),
    deadLetters: { write: async () => {} } as unknown as DeadLetterWriter,
    decode: (m) => String(m.value),
    handle: async () => {
      const e = new Error('redis down') as Error & { retriable: boolean };
      e.retriable = true;
      throw e;
    },
    onRetry: (r) => void retries.push(r),
    maxRetryDelayMs: 10,
  });
  await c.start();
  const { p, calls } = payload('none');
  await eachBatch()(p);
  assert.deepEqual(calls.resolved, []);
  assert.equal(calls.paused, 1);
  assert.equal(retries.length, 1);
  await c.stop();
});
