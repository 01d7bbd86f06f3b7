/**
 * `zmwatch state migrate` against the real Kafka and Redis: refuses while detectors are in the
 * group and while the inputs have fewer partitions, grows them with --expand-topics, and moves each
 * VIN's state to the bucket of its partition under the new count.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { contractPartition, repartitionTopicFor } from '@zmwatch/schemas';
import { formatBucket, parseBucket, stateBucketKey, fnv1a } from '@zmwatch/detector';

import { cliWith } from './support/run-cli.js';
import { stackAddresses, createTopicsReady } from '@zmwatch/kit';
import { vinFor } from '@zmwatch/test-support/vins';

const brokers = stackAddresses().brokers;
const redisUrl = stackAddresses().redisUrl;
const id = `climig-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topics = { registrations: `${id}.registrations`, declarations: `${id}.declarations` };
const group = `${id}-detector`;
const env = {
  ...process.env,
  ZM_KAFKA_BROKERS: brokers.join(','),
  ZM_REDIS_URL: redisUrl,
  ZM_LOG_LEVEL: 'silent',
  ZM_DETECTOR_KEY_PREFIX: id,
  ZM_DETECTOR_GROUP_ID: group,
  ZM_DETECTOR_REGISTRATIONS_TOPIC: topics.registrations,
  ZM_DETECTOR_DECLARATIONS_TOPIC: topics.declarations,
};
const kafka = new Kafka({ clientId: id, brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const redis = new Redis(redisUrl);
const layout = { prefix: id, bucketsPerPartition: 4, velocityBucketsPerPartition: 2 };

const vin = (i: number): string => vinFor(200000 + i);

const cli = cliWith(env);

// Every client is closed here, whether the test passed or not: a client left open on a failed
// assertion keeps the file's process alive until the runner's timeout.
after(async () => {
  await admin
    .deleteTopics({ topics: [...Object.values(topics), ...Object.values(topics).map(repartitionTopicFor)] })
    .catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
});

test('state migrate 6 -> 12: refuses with detectors running or too few partitions, then moves every VIN', async () => {
  await admin.connect();
  await createTopicsReady(admin, [
    ...Object.values(topics).map((topic) => ({ topic, numPartitions: 6 })),
    ...Object.values(topics).map((t) => ({ topic: repartitionTopicFor(t), numPartitions: 6 })),
  ]);
  // State as a detector with 6 partitions lays it out: VIN -> partition murmur2 % 6, bucket fnv1a % 4.
  const vins = Array.from({ length: 200 }, (_, i) => vin(i));
  const buckets = new Map<string, Map<string, string>>();
  for (const v of vins) {
    const key = stateBucketKey(layout, contractPartition(v, 6), fnv1a(v) % layout.bucketsPerPartition);
    if (!buckets.has(key)) buckets.set(key, new Map());
    buckets.get(key)!.set(v, `state-of-${v}`);
  }
  for (const [key, entries] of buckets) await redis.set(key, formatBucket(1, entries));
  await redis.set(
    `${id}:layout`,
    JSON.stringify({
      format: 'partition-buckets-v1',
      partitions: 6,
      bucketsPerPartition: 4,
      velocityBucketsPerPartition: 2,
    }),
  );

  // A running detector (any member of its group) blocks the migration.
  const member = kafka.consumer({ groupId: group });
  await member.connect();
  try {
    await member.subscribe({ topic: topics.registrations });
    await member.run({ eachMessage: async () => {} });
    await new Promise((r) => setTimeout(r, 3000));
    const busy = await cli(['state', 'migrate', '--partitions', '12']);
    assert.equal(busy.code, 1);
    assert.match(busy.err, new RegExp(`the detector group ${group} has 1 member\\(s\\)`));
  } finally {
    await member.disconnect();
  }

  const short = await cli(['state', 'migrate', '--partitions', '12']);
  assert.equal(short.code, 1);
  assert.match(short.err, /have fewer than 12 partitions: add partitions first or pass --expand-topics/);

  const done = await cli(['state', 'migrate', '--partitions', '12', '--expand-topics']);
  assert.equal(done.code, 0, done.err);
  assert.match(done.out, /from 6 to 12 partitions: 200 VINs in 24 buckets read, \d+ moved/);
  const meta = await admin.fetchTopicMetadata({
    topics: [...Object.values(topics), ...Object.values(topics).map(repartitionTopicFor)],
  });
  assert.deepEqual(
    meta.topics.map((t) => t.partitions.length),
    [12, 12, 12, 12],
    'inputs and repartition topics grown',
  );
  for (const v of vins) {
    const key = stateBucketKey(layout, contractPartition(v, 12), fnv1a(v) % layout.bucketsPerPartition);
    assert.equal(parseBucket(await redis.get(key)).entries.get(v), `state-of-${v}`, `${v} is at ${key}`);
    if (contractPartition(v, 12) !== contractPartition(v, 6)) {
      const old = stateBucketKey(layout, contractPartition(v, 6), fnv1a(v) % layout.bucketsPerPartition);
      assert.equal(parseBucket(await redis.get(old)).entries.has(v), false, `${v} left ${old}`);
    }
  }
  assert.equal(JSON.parse((await redis.get(`${id}:layout`))!).partitions, 12);
  const again = await cli(['state', 'migrate', '--partitions', '12']);
  assert.equal(again.code, 0);
  assert.match(again.out, /already laid out for 12 partitions: nothing to do/);
});
