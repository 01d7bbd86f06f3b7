import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { logLevel, type Kafka, type KafkaMessage } from 'kafkajs';
import {
  stackAddresses,
  consumerGroupLag,
  createBatchConsumer,
  createDeadLetterWriter,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRerouteWriter,
  DLQ_HEADERS,
  NonRetriableError,
  readReroute,
  REROUTE_HEADERS,
  RetriableError,
  type BatchConsumerOptions,
} from '../src/index.js';
import { createTopicsReady } from '../src/topic-admin.js';

const brokers = stackAddresses().brokers;
const logger = createLogger('kit-test', 'silent');

async function readAll(kafka: Kafka, topic: string, count: number): Promise<KafkaMessage[]> {
  const c = kafka.consumer({ groupId: `kit-read-${randomBytes(4).toString('hex')}` });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  const out: KafkaMessage[] = [];
  await new Promise<void>((resolve) => {
    void c.run({
      eachMessage: async ({ message }) => {
        out.push(message);
        if (out.length >= count) resolve();
      },
    });
  });
  await c.disconnect();
  return out;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function setup(partitions: number, extra: string[] = []) {
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topic = `kit-faults-${id}`;
  const kafka = createKafka({ clientId: 'kit-test', brokers, logger, level: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const names = [topic, `${topic}.dlq`, ...extra.map((e) => `${topic}${e}`)];
  await createTopicsReady(
    admin,
    names.map((t) => ({ topic: t, numPartitions: t === `${topic}.dlq` ? 1 : partitions })),
  );
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  return {
    id,
    topic,
    kafka,
    admin,
    producer,
    group: `kit-faults-g-${id}`,
    async run(o: Partial<BatchConsumerOptions<string>> & Pick<BatchConsumerOptions<string>, 'handle'>) {
      const consumer = createBatchConsumer<string>({
        kafka,
        groupId: `kit-faults-g-${id}`,
        topics: [topic],
        logger,
        deadLetters: createDeadLetterWriter(producer, 'kit-test'),
        decode: (m) => m.value!.toString(),
        maxRetryDelayMs: 200,
        partitionsConsumedConcurrently: 1,
        ...o,
      });
      await consumer.start();
      return consumer;
    },
    async cleanup() {
      await producer.disconnect();
      await admin.deleteTopics({ topics: names });
      await admin.disconnect();
    },
  };
}

test(
  'a record whose handling throws an unclassified error is bisected out and dead-lettered; every other record is handled and the partition commits',
  { timeout: 60_000 },
  async () => {
    const s = await setup(1);
    const values = Array.from({ length: 40 }, (_, i) => (i === 13 || i === 31 ? `poison-${i}` : `good-${i}`));
    await s.producer.send({
      topic: s.topic,
      acks: -1,
      messages: values.map((value) => ({ key: 'k', value })),
    });
    const applied = new Set<string>();
    let isolations = 0;
    const consumer = await s.run({
      async handle(records) {
        // What eventTime 8.7e15 did to the detector: a RangeError from deep inside the handler.
        for (const r of records) if (r.value.startsWith('poison')) new Date(8.7e15).toISOString();
        for (const r of records) applied.add(r.value);
      },
      onIsolated: () => isolations++,
    });
    await until('lag 0', async () => (await consumerGroupLag(s.admin, s.group, [s.topic])).total === 0);
    await consumer.stop();
    assert.deepEqual([...applied].sort(), values.filter((v) => v.startsWith('good')).sort());
    assert.ok(isolations >= 1);
    const letters = await readAll(s.kafka, `${s.topic}.dlq`, 2);
    assert.deepEqual(letters.map((l) => l.value!.toString()).sort(), ['poison-13', 'poison-31']);
    for (const l of letters) {
      assert.equal(String(l.headers![DLQ_HEADERS.errorClass]), 'HandlerFailed');
      assert.match(String(l.headers![DLQ_HEADERS.errorMessage]), /RangeError: Invalid time value/);
    }
    await s.cleanup();
  },
);

test(
  'a partition backing off after retriable failures does not hold the others; it catches up when the fault clears',
  { timeout: 60_000 },
  async () => {
    const s = await setup(3);
    await s.producer.send({
      topic: s.topic,
      acks: -1,
      messages: [0, 1, 2].flatMap((partition) =>
        Array.from({ length: 5 }, (_, i) => ({ partition, value: `p${partition}-${i}` })),
      ),
    });
    let faulty = true;
    const applied: string[] = [];
    const retriesOf0: number[] = [];
    const consumer = await s.run({
      async handle(records) {
        if (records[0]!.partition === 0 && faulty) throw new RetriableError('redis down for partition 0');
        applied.push(...records.map((r) => r.value));
      },
      onRetry: ({ partition, attempt }) => {
        if (partition === 0) retriesOf0.push(attempt);
      },
    });
    await until('partitions 1 and 2 handled', () => applied.length === 10);
    assert.ok(
      applied.every((v) => !v.startsWith('p0')),
      'partition 0 is still failing',
    );
    assert.ok(retriesOf0.length >= 1);
    const lag = await consumerGroupLag(s.admin, s.group, [s.topic]);
    assert.equal(
      lag.partitions.find((p) => p.partition === 0)!.committed <= 0,
      true,
      'nothing of p0 committed',
    );
    faulty = false;
    await until('lag 0', async () => (await consumerGroupLag(s.admin, s.group, [s.topic])).total === 0);
    await consumer.stop();
    assert.deepEqual(
      applied.filter((v) => v.startsWith('p0')),
      ['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4'],
      'partition 0 handled once, in order, after the fault',
    );
    assert.deepEqual(
      retriesOf0,
      retriesOf0.map((_, i) => i),
      'attempts counted per partition',
    );
    await s.cleanup();
  },
);

test(
  'decode may be async; a retriable decode failure (registry away) retries the batch instead of dead-lettering it',
  { timeout: 60_000 },
  async () => {
    const s = await setup(1);
    await s.producer.send({
      topic: s.topic,
      acks: -1,
      messages: [{ value: 'a' }, { value: 'needs-fetch' }, { value: 'b' }],
    });
    let registryUp = false;
    const applied: string[] = [];
    let retries = 0;
    const consumer = await s.run({
      decode(m) {
        const v = m.value!.toString();
        if (v !== 'needs-fetch') return v;
        return (async () => {
          await new Promise((r) => setTimeout(r, 5));
          if (!registryUp) throw Object.assign(new Error('schema registry unreachable'), { retriable: true });
          return v.toUpperCase();
        })();
      },
      async handle(records) {
        applied.push(...records.map((r) => r.value));
      },
      onRetry: () => {
        retries++;
        if (retries === 3) registryUp = true;
      },
    });
    await until('lag 0', async () => (await consumerGroupLag(s.admin, s.group, [s.topic])).total === 0);
    await consumer.stop();
    assert.deepEqual(applied, ['a', 'NEEDS-FETCH', 'b']);
    assert.equal(retries, 3);
    const offsets = await s.admin.fetchTopicOffsets(`${s.topic}.dlq`);
    assert.equal(offsets[0]!.high, '0', 'nothing dead-lettered');
    await s.cleanup();
  },
);

test(
  're-routed records are produced byte for byte to their partition with provenance headers before the source commits',
  { timeout: 60_000 },
  async () => {
    const s = await setup(2, ['.repartition']);
    const target = `${s.topic}.repartition`;
    await s.producer.send({
      topic: s.topic,
      acks: -1,
      messages: [
        { partition: 0, key: 'stay', value: 'stay' },
        { partition: 0, key: 'lower-key', value: 'MOVE', headers: { origin: 'foreign' } },
        { partition: 0, value: 'MOVE-NO-KEY' },
      ],
    });
    const handled: string[] = [];
    const rerouted: number[] = [];
    const consumer = await s.run({
      reroutes: createRerouteWriter(s.producer),
      route: (r) =>
        r.value.startsWith('MOVE')
          ? { topic: target, partition: 1, key: 'KEY', reason: r.message.key ? 'key-not-vin' : 'no-key' }
          : undefined,
      async handle(records) {
        handled.push(...records.map((r) => r.value));
      },
      onBatch: (b) => rerouted.push(b.rerouted),
    });
    await until('lag 0', async () => (await consumerGroupLag(s.admin, s.group, [s.topic])).total === 0);
    await consumer.stop();
    assert.deepEqual(handled, ['stay']);
    assert.equal(
      rerouted.reduce((a, b) => a + b, 0),
      2,
    );
    const moved = await readAll(s.kafka, target, 2);
    moved.sort((a, b) => a.value!.toString().localeCompare(b.value!.toString()));
    assert.deepEqual(
      moved.map((m) => [m.value!.toString(), m.key!.toString()]),
      [
        ['MOVE', 'KEY'],
        ['MOVE-NO-KEY', 'KEY'],
      ],
    );
    const h = (m: KafkaMessage, k: string) => m.headers?.[k]?.toString();
    assert.equal(h(moved[0]!, 'origin'), 'foreign', 'original headers kept');
    assert.deepEqual(readReroute(moved[0]!.headers), {
      reason: 'key-not-vin',
      sourceTopic: s.topic,
      sourcePartition: 0,
      sourceOffset: '1',
      originalKey: 'lower-key',
    });
    assert.deepEqual(readReroute(moved[1]!.headers), {
      reason: 'no-key',
      sourceTopic: s.topic,
      sourcePartition: 0,
      sourceOffset: '2',
    });
    assert.equal(h(moved[1]!, REROUTE_HEADERS.originalKey), undefined);
    assert.equal(readReroute({ origin: 'x' }), undefined, 'a record never re-routed');
    const [p1] = (await s.admin.fetchTopicOffsets(target)).filter((p) => p.partition === 1);
    assert.equal(p1!.high, '2', 'all on the partition the route named');
    await s.cleanup();
  },
);

test(
  'a dead letter too large for the broker with its headers keeps its provenance without the value, instead of stalling',
  { timeout: 60_000 },
  async () => {
    const s = await setup(1);
    const huge = Buffer.alloc(1_040_000, 0x41);
    await s.producer.send({
      topic: s.topic,
      acks: -1,
      messages: [
        { key: 'k', value: huge },
        { key: 'k', value: 'ok' },
      ],
    });
    const applied: string[] = [];
    const consumer = await s.run({
      decode(m) {
        if (m.value!.length > 1000) throw new NonRetriableError('a 1 MB plate number', 'OutOfRange');
        return m.value!.toString();
      },
      async handle(records) {
        applied.push(...records.map((r) => r.value));
      },
    });
    await until('lag 0', async () => (await consumerGroupLag(s.admin, s.group, [s.topic])).total === 0);
    await consumer.stop();
    assert.deepEqual(applied, ['ok']);
    const [letter] = await readAll(s.kafka, `${s.topic}.dlq`, 1);
    assert.equal(letter!.value, null);
    assert.equal(letter!.headers![DLQ_HEADERS.valueOmitted]!.toString(), String(huge.length));
    assert.equal(letter!.headers![DLQ_HEADERS.sourceOffset]!.toString(), '0');
    assert.equal(letter!.headers![DLQ_HEADERS.errorClass]!.toString(), 'OutOfRange');
    await s.cleanup();
  },
);
