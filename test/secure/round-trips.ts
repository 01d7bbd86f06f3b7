/**
 * What the secured-connection tests do once connected: the detector's state store writes a VIN
 * state and a fresh store reads it back; a Kafka client creates a topic, produces and consumes in a
 * group. Each asserts its own result, so a test only chooses how the client connects.
 */
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import type { RedisClient } from '@zmwatch/kit';
import { createStateStore } from '@zmwatch/detector';
import { uniqueName } from '@zmwatch/test-support/stack';

/** The state store's layout of these round trips (small, 2 partitions). */
export const storeLayout = (prefix: string) => ({
  prefix,
  bucketsPerPartition: 4,
  velocityBucketsPerPartition: 2,
});

export async function stateStoreRoundTrip(redis: RedisClient, prefix: string): Promise<void> {
  const layout = storeLayout(prefix);
  const store = createStateStore(redis, layout, { cacheBuckets: 0 });
  await store.checkLayout([
    { name: 'registrations', partitions: 2 },
    { name: 'declarations', partitions: 2 },
  ]);
  const vin = 'LGXCE4CB8S0000001';
  const view = await store.read(1, [vin], ['REG-A']);
  assert.deepEqual(await store.write(view, [{ vin, expected: '', next: 'zz;;R001' }], []), []);
  const fresh = createStateStore(redis, layout, { cacheBuckets: 0 });
  assert.deepEqual((await fresh.read(1, [vin], [])).states, ['zz;;R001']);
}

export async function kafkaRoundTrip(kafka: Kafka, prefix: string): Promise<void> {
  const topic = uniqueName(prefix);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}-g` });
  try {
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }),
      true,
    );
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'VIN1', value: 'a' },
        { key: 'VIN2', value: 'b' },
      ],
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed only ${JSON.stringify(got)}`)), 20_000);
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(String(message.value));
            if (got.length === 2) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    assert.deepEqual(got, ['a', 'b']);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
