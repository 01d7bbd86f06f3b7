import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics, type TopicSpec } from '@zmwatch/kit';
import { stackAddresses } from '@zmwatch/kit';

const brokers = stackAddresses().brokers;

test('ensureTopics creates missing topics, accepts more partitions than declared, refuses fewer', async () => {
  const id = randomBytes(4).toString('hex');
  const admin = new Kafka({ clientId: 'infra-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const spec = (name: string, partitions: number): TopicSpec => ({
    name,
    partitions,
    retentionHours: 1,
    replicationFactor: 1,
  });
  const grown = `infra-ensure-grown-${id}`;
  const shrunk = `infra-ensure-shrunk-${id}`;
  try {
    assert.deepEqual((await ensureTopics(admin, [spec(grown, 3), spec(shrunk, 2)])).created, [grown, shrunk]);
    await admin.createPartitions({ topicPartitions: [{ topic: grown, count: 6 }] });
    assert.deepEqual((await ensureTopics(admin, [spec(grown, 3)])).verified, [grown], 'grown is fine');
    await assert.rejects(
      ensureTopics(admin, [spec(shrunk, 4)]),
      new RegExp(`topic ${shrunk} has 2 partitions but infra/topics.yaml says 4`),
    );
  } finally {
    await admin.deleteTopics({ topics: [grown, shrunk] }).catch(() => undefined);
    await admin.disconnect();
  }
});
