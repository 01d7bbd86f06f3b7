import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { logLevel } from 'kafkajs';
import {
  stackAddresses,
  consumerGroupLag,
  createBatchConsumer,
  createDeadLetterWriter,
  createIdempotentProducer,
  createKafka,
  createLogger,
  DLQ_HEADERS,
  NonRetriableError,
  RetriableError,
} from '../src/index.js';
import { createTopicsReady } from '../src/topic-admin.js';

const brokers = stackAddresses().brokers;
const logger = createLogger('kit-test', 'silent');

test(
  'batch consumer: bad records go to <topic>.dlq with provenance headers, retriable failures retry without loss, offsets commit after effects',
  { timeout: 60_000 },
  async () => {
    const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const topic = `kit-bc-${id}`;
    const kafka = createKafka({ clientId: 'kit-test', brokers, logger, level: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, [{ topic }, { topic: `${topic}.dlq` }]);
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'k', value: 'good-1' },
        { key: 'k', value: 'BAD', headers: { origin: 'test' } },
        { key: 'k', value: 'good-2' },
        { key: 'k', value: 'reject-me' },
        { key: 'k', value: 'good-3' },
      ],
    });

    const applied: string[] = [];
    let failuresLeft = 2;
    const retries: number[] = [];
    let stop: () => Promise<void> = async () => {};
    const done = new Promise<void>((resolve) => {
      const consumer = createBatchConsumer<string>({
        kafka,
        groupId: `kit-bc-g-${id}`,
        topics: [topic],
        logger,
        deadLetters: createDeadLetterWriter(producer, 'kit-test'),
        decode(message) {
          const v = message.value!.toString();
          if (v === 'BAD') throw new NonRetriableError('not a record', 'undecodable');
          return v;
        },
        async handle(records) {
          if (failuresLeft-- > 0) throw new RetriableError('store unavailable');
          // A content fault: the consumer bisects the batch down to this record and dead-letters it.
          if (records.some((r) => r.value === 'reject-me'))
            throw new NonRetriableError('invalid VIN', 'invalid-vin');
          applied.push(...records.map((r) => r.value));
        },
        onRetry: ({ attempt }) => retries.push(attempt),
        onBatch: () => resolve(),
        maxRetryDelayMs: 300,
      });
      void consumer.start();
      stop = () => consumer.stop();
    });
    await done;
    await stop();

    assert.deepEqual(
      applied,
      ['good-1', 'good-2', 'good-3'],
      'good records applied once each, in order, after retries',
    );
    assert.deepEqual(retries, [0, 1]);

    const [offsets] = await admin.fetchOffsets({ groupId: `kit-bc-g-${id}`, topics: [topic] });
    assert.equal(
      offsets!.partitions[0]!.offset,
      '5',
      'the whole batch is committed once its effects and dead letters are durable',
    );
    const lag = await consumerGroupLag(admin, `kit-bc-g-${id}`, [topic]);
    assert.deepEqual(lag, { total: 0, partitions: [{ topic, partition: 0, high: 5, committed: 5, lag: 0 }] });
    const never = await consumerGroupLag(admin, `kit-bc-never-${id}`, [topic]);
    assert.equal(never.total, 5, 'a group that never committed lags by the whole log');
    assert.equal(never.partitions[0]!.committed, -1);

    const dlqConsumer = kafka.consumer({ groupId: `kit-bc-dlq-${id}` });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const letters: Array<{ value: string; headers: Record<string, string> }> = [];
    await new Promise<void>((resolve) => {
      void dlqConsumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          );
          letters.push({ value: message.value!.toString(), headers });
          if (letters.length === 2) resolve();
        },
      });
    });
    await dlqConsumer.disconnect();
    letters.sort(
      (a, b) => Number(a.headers[DLQ_HEADERS.sourceOffset]) - Number(b.headers[DLQ_HEADERS.sourceOffset]),
    );
    assert.equal(letters[0]!.value, 'BAD', 'original bytes kept');
    assert.equal(letters[0]!.headers.origin, 'test', 'original headers kept');
    assert.equal(letters[0]!.headers[DLQ_HEADERS.sourceTopic], topic);
    assert.equal(letters[0]!.headers[DLQ_HEADERS.sourcePartition], '0');
    assert.equal(letters[0]!.headers[DLQ_HEADERS.sourceOffset], '1');
    assert.equal(letters[0]!.headers[DLQ_HEADERS.errorClass], 'undecodable');
    assert.equal(letters[1]!.value, 'reject-me');
    assert.equal(letters[1]!.headers[DLQ_HEADERS.errorClass], 'invalid-vin');
    assert.equal(letters[1]!.headers[DLQ_HEADERS.errorMessage], 'invalid VIN');

    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] });
    await admin.disconnect();
  },
);
