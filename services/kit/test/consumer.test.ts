import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import { createConsumer } from '../src/consumer.js';

/** A kafkajs client whose consumer records its config and its disconnects. */
function fakeKafka() {
  const seen: { config?: ConsumerConfig; disconnects: number } = { disconnects: 0 };
  const kafka = {
    consumer(config: ConsumerConfig) {
      seen.config = config;
      return {
        disconnect: async () => {
          seen.disconnects++;
        },
      };
    },
  } as unknown as Kafka;
  const restartOnFailure = () => seen.config!.retry!.restartOnFailure!(new Error('crash'));
  return { kafka, seen, restartOnFailure };
}

test('a crash is restarted while the consumer runs, never once disconnect() was called', async () => {
  const { kafka, seen, restartOnFailure } = fakeKafka();
  const c = createConsumer(kafka, { groupId: 'g' });
  assert.equal(await restartOnFailure(), true);
  assert.equal(seen.config!.retry!.retries, 5, "kafkajs's consumer default is kept");
  await c.disconnect();
  assert.equal(seen.disconnects, 1);
  assert.equal(await restartOnFailure(), false);
});

test("the caller's retry settings and restartOnFailure still apply while the consumer runs", async () => {
  const { kafka, seen, restartOnFailure } = fakeKafka();
  createConsumer(kafka, { groupId: 'g', retry: { retries: 2, restartOnFailure: async () => false } });
  assert.equal(await restartOnFailure(), false);
  assert.equal(seen.config!.retry!.retries, 2);
});
