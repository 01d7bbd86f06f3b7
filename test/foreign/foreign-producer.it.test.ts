// The independent producer (test/foreign/produce.py: librdkafka via confluent-kafka, fastavro, its own
// Confluent framing) against the real broker: what it writes is what our codec reads, and it places
// keys the way every librdkafka-based client does by default (CRC32), not the way the feed contract
// says (murmur2) — the situation of issue 11.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { createLogger, createTopicsReady } from '@zmwatch/kit';
import {
  OutOfRangeError,
  TOPICS,
  contractPartition,
  createCodec,
  rangeProblems,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { generateScenario, type SimDeclarationEvent, type SimRegistrationEvent } from '@zmwatch/simulator';
import { uniqueName } from '@zmwatch/test-support/stack';
import { produceForeign, type ForeignRecord } from './foreign-producer.js';
import {
  TopicReader,
  crc32Partition,
  stackKafka,
  waitFor,
  type ReadMessage,
} from './support/foreign-kafka.js';

const PARTITIONS = 6;
const logger = createLogger('foreign-producer-test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');

type SimRecordEvent = SimRegistrationEvent | SimDeclarationEvent;

/** Ordinary simulator records (no noise): every one valid against the current contracts. */
const events: SimRecordEvent[] = [
  ...generateScenario({ seed: 'foreign-producer', vehicles: 120, noise: 'none' }).events(),
].filter((e): e is SimRecordEvent => e.value !== null);

describe('the foreign producer (librdkafka + fastavro)', () => {
  const run = uniqueName('foreign-producer');
  let kafka: Kafka;
  let admin: Admin;
  let codec: Codec;
  const created: string[] = [];
  let pairs = 0;

  /** A fresh co-partitioned input topic pair named like the contracts (so produce.py infers them). */
  async function topicPair(): Promise<{ registrations: string; declarations: string }> {
    const prefix = `${run}-${pairs++}`;
    const t = {
      registrations: `${prefix}.${TOPICS.registrations}`,
      declarations: `${prefix}.${TOPICS.declarations}`,
    };
    await createTopicsReady(
      admin,
      Object.values(t).map((topic) => ({ topic, numPartitions: PARTITIONS })),
    );
    created.push(...Object.values(t));
    return t;
  }

  /** Produces `records` with the Python client and reads them back from the broker, in input order. */
  async function roundTrip(
    records: ForeignRecord[],
    options: Parameters<typeof produceForeign>[1] = {},
  ): Promise<ReadMessage[]> {
    const summary = await produceForeign(records, { ...options, records: true });
    assert.equal(summary.produced, records.length);
    assert.equal(summary.failed, 0);
    const topics = [...new Set(records.map((r) => r.topic))];
    const reader = await TopicReader.start(kafka, topics);
    try {
      await waitFor(
        `${records.length} records on ${topics.join(', ')}`,
        () => reader.messages.length >= records.length,
      );
    } finally {
      await reader.stop();
    }
    const at = new Map(reader.messages.map((m) => [`${m.topic}/${m.partition}/${m.offset}`, m]));
    return summary.records!.map(([topic, partition, offset], i) => {
      const m = at.get(`${topic}/${partition}/${offset}`);
      assert.ok(m, `record ${i} reported at ${topic}/${partition}/${offset} but not read there`);
      return m;
    });
  }

  before(async () => {
    kafka = stackKafka(run, logger);
    admin = kafka.admin();
    await admin.connect();
    codec = await createCodec();
  });

  after(async () => {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  test('what it writes decodes with our codec field for field, byte for byte what our encoder writes, under the current schema ids', async () => {
    const t = await topicPair();
    const records = events.map((e) => ({
      topic: e.topic === TOPICS.registrations ? t.registrations : t.declarations,
      key: e.key,
      value: e.value,
    }));
    assert.ok(records.length > 150, `scenario too small: ${records.length} records`);
    const read = await roundTrip(records);
    read.forEach((m, i) => {
      const e = events[i]!;
      assert.equal(m.key?.toString('utf8'), e.key, `record ${i}: key`);
      const decoded = codec.decodeSync(m.value, e.topic);
      assert.equal(decoded.schemaId, codec.schemaIdFor(e.topic), `record ${i}: schema id`);
      assert.deepEqual(
        structuredClone(decoded.record),
        e.value,
        `record ${i} (${e.topic}) decodes to what was sent`,
      );
      assert.ok(
        m.value!.equals(codec.encode(e.topic, e.value)),
        `record ${i}: fastavro's bytes equal avsc's`,
      );
    });
  });

  test("its default partitioner is librdkafka's consistent_random: CRC32 of the key, mostly not the contract's murmur2 partition", async () => {
    const t = await topicPair();
    const read = await roundTrip(
      events.map((e) => ({ topic: t.declarations, contract: e.topic, key: e.key, value: e.value })),
    );
    let differs = 0;
    for (const m of read) {
      const key = m.key!.toString('utf8');
      assert.equal(m.partition, crc32Partition(key, PARTITIONS), `${key}: CRC32 partition`);
      if (contractPartition(key, PARTITIONS) !== m.partition) differs++;
    }
    // Two unrelated hashes agree on 1 key in PARTITIONS: about 5/6 of the keys are elsewhere.
    assert.ok(
      differs > read.length * 0.7,
      `only ${differs} of ${read.length} keys off their contract partition`,
    );
  });

  test('with --partitioner murmur2_random it places every key where the contract (Java client, kafkajs) does', async () => {
    const t = await topicPair();
    const read = await roundTrip(
      events.map((e) => ({ topic: t.registrations, contract: e.topic, key: e.key, value: e.value })),
      { partitioner: 'murmur2_random' },
    );
    for (const m of read) {
      const key = m.key!.toString('utf8');
      assert.equal(m.partition, contractPartition(key, PARTITIONS), `${key}: murmur2 partition`);
    }
  });

  test('key styles: lower-case and padded VINs are sent as such and placed by their own CRC32; no key lands anywhere', async () => {
    const t = await topicPair();
    const sample = events.slice(0, 40);
    const records = sample.map((e) => ({
      topic: t.declarations,
      contract: e.topic,
      key: e.key,
      value: e.value,
    }));
    const lower = await roundTrip(records, { keyStyle: 'lower' });
    const spaced = await roundTrip(records, { keyStyle: 'spaced' });
    const none = await roundTrip(records, { keyStyle: 'none' });
    sample.forEach((e, i) => {
      const vin = e.value.vin;
      assert.equal(lower[i]!.key?.toString('utf8'), vin.toLowerCase());
      assert.equal(lower[i]!.partition, crc32Partition(vin.toLowerCase(), PARTITIONS));
      assert.equal(spaced[i]!.key?.toString('utf8'), ` ${vin} `);
      assert.equal(spaced[i]!.partition, crc32Partition(` ${vin} `, PARTITIONS));
      assert.equal(none[i]!.key, null);
      assert.deepEqual(structuredClone(codec.decodeSync(none[i]!.value, e.topic).record), e.value);
    });
    // consistent_random spreads keyless records randomly: 40 of them on one partition would be a bug.
    assert.ok(new Set(none.map((m) => m.partition)).size > 1, 'keyless records all on one partition');
  });

  test('it writes schema-valid values no real feed holds (beyond Date, NaN, year 20240, 10 kB, newline) exactly; our decoder sees them as out of range', async () => {
    const t = await topicPair();
    const reg = events.find((e): e is SimRegistrationEvent => e.topic === TOPICS.registrations)!.value;
    const decl = events.find((e): e is SimDeclarationEvent => e.topic === TOPICS.declarations)!.value;
    const extremes: Array<{ path: string; record: ForeignRecord; check: (v: unknown) => boolean }> = [
      {
        path: 'eventTime',
        record: {
          topic: t.registrations,
          key: reg.vin,
          value: { ...reg, eventTime: 8.7e15 } satisfies RegistrationEvent,
        },
        check: (v) => v === 8.7e15,
      },
      {
        path: 'modelYear',
        record: { topic: t.registrations, key: reg.vin, value: { ...reg, modelYear: 20240 } },
        check: (v) => v === 20240,
      },
      {
        path: 'make',
        record: { topic: t.registrations, key: reg.vin, value: { ...reg, make: 'M'.repeat(10_000) } },
        check: (v) => v === 'M'.repeat(10_000),
      },
      {
        path: 'plateNumber',
        record: { topic: t.registrations, key: reg.vin, value: { ...reg, plateNumber: '粤B\n12345' } },
        check: (v) => v === '粤B\n12345',
      },
      {
        path: 'declaredValue',
        record: {
          topic: t.declarations,
          key: decl.vin,
          value: { ...decl, declaredValue: NaN } satisfies CustomsDeclarationEvent,
        },
        check: (v) => Number.isNaN(v),
      },
      {
        path: 'priceCny',
        record: { topic: t.registrations, key: reg.vin, value: { ...reg, priceCny: -Infinity } },
        check: (v) => v === -Infinity,
      },
    ];
    const read = await roundTrip(extremes.map((x) => x.record));
    read.forEach((m, i) => {
      const { path, record, check } = extremes[i]!;
      const topic = record.topic === t.registrations ? TOPICS.registrations : TOPICS.declarations;
      let decoded: Record<string, unknown>;
      try {
        decoded = codec.decodeSync(m.value, topic).record as unknown as Record<string, unknown>;
      } catch (err) {
        // A decoder that checks value ranges itself must name the field.
        assert.ok(err instanceof OutOfRangeError, `${path}: ${String(err)}`);
        assert.ok(
          err.problems.some((p) => p.path === path),
          `${path}: ${err.message}`,
        );
        return;
      }
      assert.ok(check(decoded[path]), `${path} arrived as ${String(decoded[path]).slice(0, 40)}`);
      assert.ok(
        rangeProblems(decoded).some((p) => p.path === path),
        `${path}: rangeProblems does not flag ${String(decoded[path]).slice(0, 40)}`,
      );
    });
  });

  test('it fails loudly: a record the broker cannot take rejects with the delivery error, bad input names the line', async () => {
    const missing = `${run}-missing.${TOPICS.declarations}`;
    const decl = events.find((e): e is SimDeclarationEvent => e.topic === TOPICS.declarations)!.value;
    await assert.rejects(
      produceForeign([{ topic: missing, key: decl.vin, value: decl }], { timeoutSeconds: 5 }),
      /exited with 1[\s\S]*(Unknown topic|UNKNOWN_TOPIC|timed out)/i,
    );
    const incomplete: Record<string, unknown> = { ...decl };
    delete incomplete.eventTime;
    await assert.rejects(
      produceForeign([
        { topic: missing, key: decl.vin, value: decl },
        { topic: missing, key: decl.vin, value: incomplete },
      ]),
      /exited with 2[\s\S]*line 2/,
    );
  });
});
