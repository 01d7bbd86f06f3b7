import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { Partitioners } from 'kafkajs';
import { getContract } from '../src/contracts.js';
import {
  checkFeeds,
  contractPartition,
  createCodec,
  createRegistryCatalog,
  emptyTopicReport,
  frame,
  TOPICS,
  type SampledRecord,
} from '../src/index.js';
import { encodeUnchecked } from '@zmwatch/test-support/unchecked-records';
import { declaration, registration } from './support/contract-records.js';
import { DAY_MS, HOUR_MS } from '../src/time-units.js';
import { vinFor } from '@zmwatch/test-support/vins';

const PARTITIONS = 6;
const REG = TOPICS.registrations;
const DEC = TOPICS.declarations;

/** kafkajs's default partitioner (what our own producers use): the contract. */
const kafkajsPartition = (key: string): number =>
  Partitioners.DefaultPartitioner()({
    topic: 't',
    partitionMetadata: Array.from({ length: PARTITIONS }, (_, i) => ({
      partitionId: i,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key, value: null },
  });

/** librdkafka's default (consistent_random) for keyed records: CRC32 of the key bytes. */
const crc32Partition = (key: string): number => crc32(Buffer.from(key)) % PARTITIONS;

let offset = 0;
function sample(
  topic: string,
  value: Buffer | null,
  key: string | null,
  partition: number,
  timestampMs: number,
): SampledRecord {
  return {
    topic,
    partition,
    partitionCount: PARTITIONS,
    offset: String(offset++),
    key: key === null ? null : Buffer.from(key),
    value,
    timestampMs,
  };
}

/** Encodes with avsc directly, bypassing the codec's validation (as a foreign producer would). */
const rawRegistration = (record: object): Buffer => encodeUnchecked(REG, record);

/** VINs whose CRC32 partition differs from their contract partition. */
const misplacedVins = (count: number): string[] => {
  const out: string[] = [];
  for (let n = 1; out.length < count; n++) {
    const v = vinFor(n);
    if (crc32Partition(v) !== kafkajsPartition(v)) out.push(v);
  }
  return out;
};

test('a feed produced by the contract (kafkajs default partitioner, normalised keys) is clean', async () => {
  const codec = await createCodec();
  const records = Array.from({ length: 50 }, (_, i) => {
    const v = vinFor(i + 1);
    const r = registration({ vin: v, eventTime: 20_000 * DAY_MS, recordedAt: 20_000 * DAY_MS });
    return sample(REG, codec.encode(REG, r), v, kafkajsPartition(v), 20_000 * DAY_MS + 60_000);
  });
  const report = await checkFeeds(records, { codec });
  assert.equal(report.ok, true, report.problems.join('\n'));
  const [t] = report.topics;
  assert.equal(t!.sampled, 50);
  assert.equal(t!.placementChecked, 50);
  assert.equal(t!.wrongPartition.count, 0);
  assert.equal(t!.wrongPartition.likelyPartitioner, null);
  assert.deepEqual(t!.schemaIds, [{ id: 5, count: 50, source: 'known', contract: REG }]);
  assert.deepEqual(t!.skew.late, { p50: 60_000, p99: 60_000, max: 60_000 });
  assert.equal(t!.skew.ahead, null);
});

test('records placed by a CRC32 partitioner are counted as wrong-partition with expected vs actual, and named', async () => {
  const codec = await createCodec();
  const bad = misplacedVins(10);
  const records = [
    ...bad.map((v) =>
      sample(DEC, codec.encode(DEC, declaration({ vin: v })), v, crc32Partition(v), Date.now()),
    ),
    ...Array.from({ length: 30 }, (_, i) => {
      const v = vinFor(1000 + i);
      return sample(
        DEC,
        codec.encode(DEC, declaration({ vin: v })),
        v,
        contractPartition(v, PARTITIONS),
        Date.now(),
      );
    }),
  ];
  const t = (await checkFeeds(records, { codec })).topics[0]!;
  assert.equal(t.wrongPartition.count, 10);
  assert.equal(t.wrongPartition.share, 10 / 40);
  assert.equal(t.wrongPartition.likelyPartitioner, 'crc32');
  assert.equal(t.wrongPartition.examples.length, 5);
  const e = t.wrongPartition.examples[0]!;
  assert.equal(e.vin, bad[0]);
  assert.equal(e.partition, crc32Partition(bad[0]!));
  assert.equal(e.expectedPartition, kafkajsPartition(bad[0]!));
  assert.equal(t.problems.length, 1);
  assert.match(t.problems[0]!, /10 of 40 sampled records \(25\.0%\) are on the wrong partition/);
  assert.match(t.problems[0]!, /CRC32.*librdkafka/);
  assert.match(t.problems[0]!, /re-routes them through customs\.declarations\.v1\.repartition/);
});

test('keys that are not the normalised VIN (lower case, spaces) and missing keys are key problems, not partition ones', async () => {
  const codec = await createCodec();
  const [a, b, c] = [vinFor(1), vinFor(2), vinFor(3)];
  const encode = (v: string) => codec.encode(REG, registration({ vin: v }));
  const records = [
    sample(REG, encode(a), a.toLowerCase(), kafkajsPartition(a.toLowerCase()), Date.now()),
    sample(REG, encode(b), ` ${b} `, kafkajsPartition(` ${b} `), Date.now()),
    sample(REG, encode(c), null, 0, Date.now()),
    // a lower-case VIN in the value normalises to the key: fine
    sample(REG, rawRegistration(registration({ vin: a.toLowerCase() })), a, kafkajsPartition(a), Date.now()),
  ];
  const t = (await checkFeeds(records, { codec })).topics[0]!;
  assert.equal(t.keyNotVin.count, 2);
  assert.deepEqual(
    t.keyNotVin.examples.map((e) => [e.key, e.vin]),
    [
      [a.toLowerCase(), a],
      [` ${b} `, b],
    ],
  );
  assert.equal(t.noKey.count, 1);
  assert.equal(t.wrongPartition.count, 0);
  assert.equal(t.problems.length, 2);
  assert.match(
    t.problems[0]!,
    /2 of 4 sampled records \(50\.0%\) have a key that is not the value's normalised VIN/,
  );
  assert.match(t.problems[1]!, /1 of 4 sampled records \(25\.0%\) have no key; the detector re-routes/);
});

test('out-of-range values (eventTime 8.7e15, model year 20240) are counted by field and dead-lettered; skew skips bad times', async () => {
  const codec = await createCodec();
  const v = vinFor(7);
  const p = kafkajsPartition(v);
  const records = [
    sample(REG, rawRegistration(registration({ vin: v, eventTime: 8.7e15 })), v, p, Date.now()),
    sample(REG, rawRegistration(registration({ vin: v, modelYear: 20240 })), v, p, Date.now()),
    sample(REG, codec.encode(REG, registration({ vin: v })), v, p, Date.now()),
  ];
  const t = (await checkFeeds(records, { codec })).topics[0]!;
  assert.equal(t.outOfRange.count, 2);
  assert.deepEqual(t.outOfRange.byField, { eventTime: 1, modelYear: 1 });
  assert.equal(t.outOfRange.examples[0]!.problem.path, 'eventTime');
  assert.equal(t.skew.measured, 1, 'records the detector dead-letters are not skew figures');
  assert.equal(t.placementChecked, 1);
  assert.equal(t.skew.aheadBeyondThreshold, 0);
  assert.match(
    t.problems.join('\n'),
    /2 of 3 sampled records hold values out of range \(eventTime 1, modelYear 1;.*dead-letters them to vehicle\.registrations\.v1\.dlq as OutOfRange/,
  );
});

test('invalid VINs, undecodable bytes and another contract on the topic are reported with their classes', async () => {
  const codec = await createCodec();
  const bad = 'LGXC74C4OS0000001'; // O is not a VIN character
  const records = [
    sample(REG, rawRegistration(registration({ vin: bad })), bad, 0, Date.now()),
    sample(REG, Buffer.from('{"vin":"json, not avro"}'), 'k', 0, Date.now()),
    sample(REG, Buffer.concat([codec.encode(REG, registration()), Buffer.from([0])]), 'k', 0, Date.now()),
    sample(REG, codec.encode(DEC, declaration()), declaration().vin, 0, Date.now()),
    sample(REG, null, 'k', 0, Date.now()),
  ];
  const t = (await checkFeeds(records, { codec })).topics[0]!;
  assert.equal(t.invalidVins.count, 1);
  assert.match(t.invalidVins.examples[0]!.reason, /I, O and Q/);
  assert.equal(t.placementChecked, 0, 'placement is only checked for valid VINs');
  assert.deepEqual(t.undecodable.byClass, {
    WrongMagicByte: 1,
    MalformedPayload: 1,
    SchemaMismatch: 1,
    TruncatedPayload: 1,
  });
  assert.deepEqual(
    t.schemaIds.map((s) => [s.id, s.count, s.source, s.contract]),
    [
      [5, 2, 'known', REG],
      [6, 1, 'known', DEC],
    ],
  );
  const text = t.problems.join('\n');
  assert.match(text, /4 of 5 sampled records do not decode \(/);
  assert.match(text, /1 of 5 sampled records carry an invalid VIN .*dead-letters them .* as InvalidVin/);
});

test('event times far ahead of arrival are counted beyond the threshold; late arrivals give p50/p99/max', async () => {
  const codec = await createCodec();
  const v = vinFor(9);
  const p = kafkajsPartition(v);
  const arrival = Date.UTC(2026, 0, 10);
  const at = (eventTime: number) =>
    sample(DEC, codec.encode(DEC, declaration({ vin: v, eventTime, recordedAt: eventTime })), v, p, arrival);
  const lates = Array.from({ length: 100 }, (_, i) => at(arrival - (i + 1) * 1000));
  const records = [...lates, at(arrival + HOUR_MS), at(arrival + 30 * DAY_MS)];
  const t = (await checkFeeds(records, { codec })).topics[0]!;
  assert.deepEqual(t.skew.late, { p50: 50_000, p99: 99_000, max: 100_000 });
  assert.deepEqual(t.skew.ahead, { p50: HOUR_MS, p99: 30 * DAY_MS, max: 30 * DAY_MS });
  assert.equal(t.skew.aheadBeyondThreshold, 1);
  assert.equal(t.problems.length, 1);
  assert.match(
    t.problems[0]!,
    /1 of 102 sampled records have an event time more than 7\.0 days after they arrived \(up to 30\.0 days\)/,
  );
});

test('schema ids: fetched from a registry, unknown to it, or unavailable', async () => {
  const v1 = JSON.stringify(getContract(REG).schema); // stands in for a newer compatible writer
  const fake: typeof fetch = async (input, init) => {
    const url = String(input);
    if (init?.method === 'POST') return Response.json({ id: url.includes('registrations') ? 5 : 6 });
    if (url.endsWith('/schemas/ids/105')) return Response.json({ schema: v1 });
    if (url.endsWith('/schemas/ids/106')) return new Response('down', { status: 503 });
    return Response.json({ error_code: 40403 }, { status: 404 });
  };
  const codec = await createCodec({
    catalog: createRegistryCatalog({ url: 'http://registry.invalid', fetch: fake }),
  });
  const v = vinFor(11);
  const p = kafkajsPartition(v);
  const body = getContract(REG).type.toBuffer(registration({ vin: v }));
  const records = [105, 105, 777, 106, 5].map((id) => sample(REG, frame(id, body), v, p, Date.now()));
  const t = (await checkFeeds(records, { codec })).topics[0]!;
  assert.deepEqual(
    t.schemaIds.map((s) => [s.id, s.count, s.source]),
    [
      [5, 1, 'known'],
      [105, 2, 'fetched'],
      [106, 1, 'unavailable'],
      [777, 1, 'unknown'],
    ],
  );
  const text = t.problems.join('\n');
  assert.match(text, /schema id 777 \(1 record\) unknown to the catalog and the schema registry/);
  assert.match(text, /schema id 106 could not be fetched/);
  assert.doesNotMatch(text, /do not decode/, 'unknown and unavailable ids have their own lines');
});

test('topics are reported separately and an empty topic is clean', async () => {
  const codec = await createCodec();
  const v = vinFor(12);
  const report = await checkFeeds(
    [
      sample(REG, codec.encode(REG, registration({ vin: v })), v, kafkajsPartition(v), Date.now()),
      sample(DEC, codec.encode(DEC, declaration({ vin: v })), null, 0, Date.now()),
    ],
    { codec },
  );
  assert.deepEqual(
    report.topics.map((t) => [t.topic, t.sampled, t.problems.length]),
    [
      [REG, 1, 0],
      [DEC, 1, 1],
    ],
  );
  assert.equal(report.ok, false);
  assert.match(report.problems[0]!, /^customs\.declarations\.v1: /);
  const empty = emptyTopicReport(REG, 6);
  assert.equal(empty.sampled, 0);
  assert.deepEqual(empty.problems, []);
});
