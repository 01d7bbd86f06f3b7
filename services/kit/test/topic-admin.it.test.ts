/** createTopicsReady and growPartitions against the real broker: they return only when the metadata agrees. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { logLevel } from 'kafkajs';
import { createKafka } from '../src/kafka.js';
import { createLogger } from '../src/logger.js';
import { createTopicsReady, growPartitions } from '../src/topic-admin.js';
import { stackAddresses } from '../src/index.js';

const brokers = stackAddresses().brokers;
const kafka = createKafka({
  clientId: 'kit-topic-admin-test',
  brokers,
  logger: createLogger('kit-test', 'silent'),
  level: logLevel.NOTHING,
});

test('created and grown topics are led in the metadata when the calls return; a shortfall is named', async () => {
  const id = `kit-topic-admin-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const names = [`${id}-a`, `${id}-b`, `${id}-c`];
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsReady(
      admin,
      names.map((topic, i) => ({ topic, numPartitions: i + 1 })),
    );
    // Straight after, with no retry of our own: every partition is there and has a leader.
    const meta = await admin.fetchTopicMetadata({ topics: names });
    assert.deepEqual(
      names.map((n) => meta.topics.find((t) => t.name === n)!.partitions.filter((p) => p.leader >= 0).length),
      [1, 2, 3],
    );
    // An existing topic is left as it is; asking for more partitions than it has is not silently accepted.
    await assert.rejects(
      createTopicsReady(admin, [{ topic: names[0]!, numPartitions: 4 }], { timeoutMs: 600 }),
      new RegExp(`${names[0]} \\(1 partitions\\)`),
    );
    await growPartitions(admin, [names[0]!, names[1]!], 5);
    const grown = await admin.fetchTopicMetadata({ topics: names.slice(0, 2) });
    assert.deepEqual(
      grown.topics.map((t) => t.partitions.length),
      [5, 5],
    );
  } finally {
    await admin.deleteTopics({ topics: names }).catch(() => undefined);
    await admin.disconnect();
  }
});
