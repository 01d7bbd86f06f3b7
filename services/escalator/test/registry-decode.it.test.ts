import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createBatchConsumer, createDeadLetterWriter, createIdempotentProducer } from '@zmwatch/kit';
import {
  createCodec,
  createEmbeddedCatalog,
  SchemaRegistryError,
  TOPICS,
  UnknownSchemaIdError,
  type Alert,
  type SchemaCatalog,
} from '@zmwatch/schemas';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { createAlertDecoder } from '../src/index.js';
import { createAlertTopics, deleteAlertTopics, logger, testKafka } from './support/stack.js';

/**
 * Real Kafka and the kit's batch consumer with the escalator's decoder: alerts framed with a schema id
 * the consuming codec has never seen (a producer with its own registration), while the "registry" is down. They
 * must wait (no dead letter, no commit) and be handled once it answers. The registry is an in-memory
 * catalog that rejects with the same SchemaRegistryError the HTTP client raises, which keeps this
 * unit of the decoder fast; the same path against a real registry (Apicurio, stopped and restarted)
 * is test/registry/services-registry.it.test.ts.
 */
test('unseen writer ids with the registry down: the batch waits and retries, nothing is dead-lettered', async () => {
  const run = randomUUID().slice(0, 8);
  const kafka = testKafka();
  const topic = await createAlertTopics(kafka, `reg-${run}`, 1);
  const embedded = await createCodec();
  const alertSchema = (await createEmbeddedCatalog().schemaById(embedded.schemaIdFor(TOPICS.alerts))).schema;
  const state = { down: true, fetches: 0 };
  const catalog: SchemaCatalog = {
    kind: 'registry',
    idFor: () => Promise.resolve(9000),
    schemaById(id) {
      state.fetches++;
      if (state.down) return Promise.reject(new SchemaRegistryError('connect ECONNREFUSED', undefined));
      return id === 7777
        ? Promise.resolve({ id, schema: alertSchema })
        : Promise.reject(new UnknownSchemaIdError(id));
    },
    preload: () => Promise.resolve([]),
  };
  const codec = await createCodec({ catalog });

  const alerts = [makeAlert(randomVin()), makeAlert(randomVin()), makeAlert(randomVin())];
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: alerts.map((a) => {
      const value = embedded.encode(TOPICS.alerts, a);
      value.writeUInt32BE(7777, 1); // the same Avro body under the producer's registry id
      return { key: a.vin, value };
    }),
  });

  const handled: Alert[] = [];
  let retries = 0;
  let deadLettered = 0;
  const consumer = createBatchConsumer<Alert>({
    kafka,
    groupId: `escalator-reg-${run}`,
    topics: [topic],
    fromBeginning: true,
    logger,
    deadLetters: createDeadLetterWriter(producer, 'escalator-test'),
    decode: createAlertDecoder(codec),
    handle: (records) => {
      handled.push(...records.map((r) => r.value));
      return Promise.resolve();
    },
    maxRetryDelayMs: 300,
    onBatch: (b) => (deadLettered += b.deadLettered),
    onRetry: () => retries++,
  });
  try {
    await consumer.start();
    const until = Date.now() + 30_000;
    while (retries < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.ok(retries >= 3, `retried while the registry was down (retries: ${retries})`);
    assert.equal(handled.length, 0);
    assert.equal(deadLettered, 0);
    state.down = false;
    while (handled.length < alerts.length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(handled.map((a) => a.alertId).sort(), alerts.map((a) => a.alertId).sort());
    assert.equal(deadLettered, 0);
    // The DLQ stayed empty: read it back, not just the counter.
    const admin = kafka.admin();
    await admin.connect();
    const dlq = await admin.fetchTopicOffsets(`${topic}.dlq`);
    await admin.disconnect();
    assert.deepEqual(
      dlq.map((p) => p.high),
      ['0'],
    );
  } finally {
    await consumer.stop();
    await producer.disconnect();
    await deleteAlertTopics(kafka, topic);
  }
});
