/**
 * `zmwatch feeds check` against the real Kafka, on topics unique to this run: a registrations feed
 * produced by a producer that is not ours (kafkajs with a CRC32 partitioner, as librdkafka's default
 * places keyed records; keys in lower case, with spaces, missing; one schema-valid record with an
 * eventTime of 8.7e15 ms encoded with avsc directly), a declarations feed produced by the contract,
 * and a clean feed that exits 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Kafka, Partitioners, logLevel, type Admin, type ICustomPartitioner } from 'kafkajs';
import {
  contractPartition,
  createCodec,
  repartitionTopicFor,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { encodeUnchecked } from '@zmwatch/test-support/unchecked-records';
import type { FeedHealth } from '@zmwatch/ops';
import { EXIT } from '../src/exit-codes.js';
import { firstRegistration } from './support/registration-records.js';
import { cliWith } from './support/run-cli.js';
import { stackAddresses, createTopicsReady } from '@zmwatch/kit';
import { vinFor } from '@zmwatch/test-support/vins';

const brokers = stackAddresses().brokers;
const run = `cli-feeds-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const regTopic = `${run}.vehicle.registrations.v1`;
const decTopic = `${run}.customs.declarations.v1`;
const cleanTopic = `${run}.clean.registrations`;
const PARTITIONS = 3;
const ALL_TOPICS = [regTopic, decTopic, cleanTopic, repartitionTopicFor(regTopic)];
const env = { ...process.env, ZM_KAFKA_BROKERS: brokers.join(','), ZM_LOG_LEVEL: 'silent' };
const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
let admin: Admin;
let codec: Codec;

const vin = (i: number): string => vinFor(200000 + i);

const T = Date.now() - 3_600_000;

function registration(v: string, eventTime = T): RegistrationEvent {
  return firstRegistration({ eventId: `${run}-reg-${v}`, vin: v, eventTime, recordedAt: T });
}

function declaration(v: string): CustomsDeclarationEvent {
  return {
    eventId: `${run}-dec-${v}`,
    eventType: 'DECLARED',
    declarationId: `D-${v}`,
    vin: v,
    vinCheckDigitValid: true,
    exporterId: 'EXP-1',
    exporterType: 'TRADING_COMPANY',
    declaredCondition: 'USED',
    declaredOdometerKm: 12,
    destinationCountry: 'RU',
    portOfExit: 'CNSZX',
    hsCode: '8703600010',
    declaredValue: 21500,
    currency: 'USD',
    afterSalesConfirmationRef: null,
    exportLicenceRef: null,
    eventTime: T,
    recordedAt: T,
  };
}

/** librdkafka's consistent_random for keyed records: CRC32 of the key bytes modulo the partition count. */
const crc32Partitioner: ICustomPartitioner =
  () =>
  ({ partitionMetadata, message }) => {
    const key = message.key === null || message.key === undefined ? null : Buffer.from(message.key);
    return key ? crc32(key) % partitionMetadata.length : 0;
  };

const cli = cliWith(env);

const VINS = Array.from({ length: 30 }, (_, i) => vin(i));
/** Of the correctly keyed in-range registrations, those CRC32 puts elsewhere than murmur2. */
const misplaced = VINS.filter((v) => crc32(Buffer.from(v)) % PARTITIONS !== contractPartition(v, PARTITIONS));

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  await createTopicsReady(
    admin,
    ALL_TOPICS.map((topic) => ({ topic, numPartitions: PARTITIONS })),
  );
  codec = await createCodec();
  const foreign = kafka.producer({ createPartitioner: crc32Partitioner });
  const ours = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await foreign.connect();
  await ours.connect();
  try {
    const reg = (v: string) => codec.encode('vehicle.registrations.v1', registration(v));
    await foreign.send({
      topic: regTopic,
      acks: -1,
      messages: [
        ...VINS.map((v) => ({ key: v, value: reg(v) })),
        { key: vin(100).toLowerCase(), value: reg(vin(100)) },
        { key: ` ${vin(101)} `, value: reg(vin(101)) },
        { key: null, value: reg(vin(102)) },
        // Schema-valid, out of range: a Date cannot hold it (the poison record of issue 11).
        { key: vin(103), value: encodeUnchecked('vehicle.registrations.v1', registration(vin(103), 8.7e15)) },
      ],
    });
    await ours.send({
      topic: decTopic,
      acks: -1,
      messages: VINS.map((v) => ({
        key: v,
        value: codec.encode('customs.declarations.v1', declaration(v)),
      })),
    });
    await ours.send({
      topic: cleanTopic,
      acks: -1,
      messages: VINS.map((v) => ({ key: v, value: reg(v) })),
    });
    // What a detector would have re-routed so far.
    await ours.send({
      topic: repartitionTopicFor(regTopic),
      acks: -1,
      messages: misplaced.slice(0, 4).map((v) => ({ key: v, value: reg(v) })),
    });
  } finally {
    await foreign.disconnect();
    await ours.disconnect();
  }
});

after(async () => {
  await admin.deleteTopics({ topics: ALL_TOPICS }).catch(() => undefined);
  await admin.disconnect();
});

test('a foreign-partitioned, badly keyed feed: counts per problem, re-routes, and exit 3', async () => {
  assert.ok(misplaced.length >= 5, 'the fixture VINs must exercise the partitioner difference');
  const { code, out } = await cli(['feeds', 'check', '--topics', `${regTopic},${decTopic}`, '--json']);
  assert.equal(code, EXIT.notFoundOrUnhealthy, out);
  const health = JSON.parse(out) as FeedHealth;
  const [reg, dec] = health.report.topics;
  assert.equal(reg!.topic, regTopic);
  assert.equal(reg!.partitions, PARTITIONS);
  assert.equal(reg!.sampled, 34);
  assert.equal(reg!.placementChecked, 33, 'the out-of-range record is dead-lettered, not placed');
  assert.equal(reg!.wrongPartition.count, misplaced.length);
  assert.equal(reg!.wrongPartition.likelyPartitioner, 'crc32');
  assert.equal(reg!.keyNotVin.count, 2);
  assert.deepEqual(
    reg!.keyNotVin.examples.map((e) => e.key).sort(),
    [` ${vin(101)} `, vin(100).toLowerCase()].sort(),
  );
  assert.equal(reg!.noKey.count, 1);
  assert.equal(reg!.outOfRange.count, 1);
  assert.deepEqual(reg!.outOfRange.byField, { eventTime: 1 });
  assert.equal(reg!.invalidVins.count, 0);
  assert.deepEqual(reg!.schemaIds, [
    {
      id: codec.schemaIdFor('vehicle.registrations.v1'),
      count: 34,
      source: 'known',
      contract: 'vehicle.registrations.v1',
    },
  ]);
  assert.equal(reg!.skew.measured, 33);
  assert.ok(reg!.skew.late && reg!.skew.late.p50 > 3_000_000, 'arrived about an hour after the event time');
  assert.equal(reg!.problems.length, 4, reg!.problems.join('\n'));

  assert.equal(dec!.topic, decTopic);
  assert.equal(dec!.sampled, 30);
  assert.deepEqual(dec!.problems, [], 'kafkajs default partitioner and VIN keys keep the contract');

  assert.deepEqual(health.reroutes, [
    { topic: regTopic, repartitionTopic: repartitionTopicFor(regTopic), records: 4 },
    { topic: decTopic, repartitionTopic: repartitionTopicFor(decTopic), records: null },
  ]);
});

test('the text report has a table per topic and the problem lines', async () => {
  const { code, out } = await cli(['feeds', 'check', '--topics', regTopic]);
  assert.equal(code, EXIT.notFoundOrUnhealthy);
  assert.match(out, new RegExp(`wrong partition\\s+${misplaced.length} \\(\\d+\\.\\d%\\), fits CRC32`));
  assert.match(out, /re-routed\s+4 records in .*\.repartition/);
  assert.match(out, /problems \(4\):/);
  assert.match(out, /have no key; the detector re-routes them/);
  assert.match(out, /out of range \(eventTime 1;.*as OutOfRange/);
});

test('a clean feed exits 0; --sample bounds the records read, spread over partitions', async () => {
  const all = await cli(['feeds', 'check', '--topics', cleanTopic]);
  assert.equal(all.code, EXIT.ok, all.out);
  assert.match(all.out, /no problems/);
  const some = await cli(['feeds', 'check', '--topics', cleanTopic, '--sample', '6', '--json']);
  assert.equal(some.code, EXIT.ok);
  const health = JSON.parse(some.out) as FeedHealth;
  assert.equal(health.report.topics[0]!.sampled, 6);
  assert.equal(health.samplePerTopic, 6);
});

test('a missing topic is named and exits 3; a bad --sample is a usage error', async () => {
  const missing = `${run}.nope`;
  const r = await cli(['feeds', 'check', '--topics', `${cleanTopic},${missing}`]);
  assert.equal(r.code, EXIT.notFoundOrUnhealthy);
  assert.match(r.err, new RegExp(`topic ${missing.replace(/\./g, '\\.')} does not exist`));
  assert.equal((await cli(['feeds', 'check', '--sample', '0'])).code, EXIT.usage);
});
