// Integration: produce a small scenario to a unique Kafka topic pair on the shared broker and read it back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { createCodec, TOPICS } from '@zmwatch/schemas';
import { generateScenario, produceToKafka } from '../src/index.js';
import { stackAddresses } from '@zmwatch/kit';

const brokers = stackAddresses().brokers;
const run = randomUUID().slice(0, 8);
const topics = { registrations: `sim-it-${run}.registrations`, declarations: `sim-it-${run}.declarations` };
const kafka = new Kafka({ clientId: `sim-it-${run}`, brokers, logLevel: logLevel.NOTHING });
let admin: Admin;
let producer: Producer;

before(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.registrations, numPartitions: 3 },
      { topic: topics.declarations, numPartitions: 3 },
    ],
  });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
});

after(async () => {
  await producer?.disconnect();
  await admin?.deleteTopics({ topics: [topics.registrations, topics.declarations] }).catch(() => undefined);
  await admin?.disconnect();
});

test('a produced scenario reads back complete: every record, key and event id, decodable except the junk', async () => {
  const codec = await createCodec();
  const scenario = generateScenario({ seed: 99, vehicles: 600, noise: 3 });
  const expected = [...scenario.events()];
  const res = await produceToKafka({ events: expected, producer, codec, topics, maxBatch: 200 });
  assert.equal(res.total, expected.length);
  assert.equal(res.aborted, false);

  const consumer = kafka.consumer({ groupId: `sim-it-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.registrations, topics.declarations], fromBeginning: true });
  const got: { topic: string; key: string | null; eventId: string | null }[] = [];
  let undecodable = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ topic, message }) => {
        const contract = topic === topics.registrations ? TOPICS.registrations : TOPICS.declarations;
        let eventId: string | null = null;
        try {
          eventId = codec.decodeSync(message.value, contract).record.eventId;
        } catch {
          undecodable++;
        }
        got.push({ topic, key: message.key?.toString() ?? null, eventId });
        if (got.length === expected.length) resolve();
      },
    });
  });
  await Promise.race([
    done,
    new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${got.length} read`)), 20_000)),
  ]);
  await consumer.disconnect();

  const junk = expected.filter((e) => e.value === null).length;
  assert.ok(junk > 0);
  assert.equal(undecodable, junk);
  const key = (x: { topic: string; key: string | null; eventId: string | null }) =>
    `${x.topic}|${x.key}|${x.eventId}`;
  const want = expected.map((e) =>
    key({
      topic: e.topic === TOPICS.registrations ? topics.registrations : topics.declarations,
      key: e.key,
      eventId: e.value?.eventId ?? null,
    }),
  );
  assert.deepEqual(got.map(key).sort(), want.sort());
});
