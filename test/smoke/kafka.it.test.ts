import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { stack, uniqueName } from '@zmwatch/test-support/stack';
import { createTopicsReady } from '@zmwatch/kit';

test('kafka: produce, consume in a group, commit, and read the committed offsets back with the admin client', async () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: stack.brokers, logLevel: logLevel.NOTHING });
  const topic = uniqueName('smoke-kafka');
  const groupId = uniqueName('smoke-group');
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId });
  await admin.connect();
  try {
    await createTopicsReady(admin, [{ topic, numPartitions: 2 }]);
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `VIN${i % 5}`, value: `event-${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length}/20 consumed`)), 20_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            received.push(message.value!.toString());
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    assert.deepEqual([...received].sort(), sent.map((m) => m.value).sort());
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets!.partitions.reduce(
      (sum, p) => sum + Number(p.offset === '-1' ? 0 : p.offset),
      0,
    );
    assert.equal(
      committed,
      sent.length,
      'committed offsets across partitions add up to the messages consumed',
    );
    const high = await admin.fetchTopicOffsets(topic);
    const lag = high.reduce((sum, p) => {
      const c = offsets!.partitions.find((x) => x.partition === p.partition)!;
      return sum + Number(p.high) - Number(c.offset === '-1' ? 0 : c.offset);
    }, 0);
    assert.equal(lag, 0, 'the group has no lag after committing everything');
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
});
