// Issue 11, end to end on the real stack: the detector fed as the outside world feeds it. Registrations
// come from a Java-style producer (kafkajs, murmur2: the contract's partitioner), declarations from an
// independent librdkafka producer (test/foreign/produce.py: CRC32 `consistent_random`, its default)
// with some keys not normalised (lower case, padded, none). Whatever the producers do, every alert the
// same data raises when fed by the contract must be raised, exactly once. A second feed mixes
// schema-valid extreme records from the foreign producer into the same traffic: they end in the
// dead-letter topics and nothing else changes.
//
// Expected alerts come from a control run: the same records through the same detector, every record
// keyed and partitioned by the contract (kafkajs for both topics). Registrations are fed first and
// consumed before declarations are produced, so every declaration meets the same registration state
// (velocity counts included) in every run, whatever the order across partitions.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { consumerGroupLag, createIdempotentProducer, createLogger } from '@zmwatch/kit';
import { createApp as createDetector, loadRuleset, type DetectorConfig } from '@zmwatch/detector';
import {
  DAY_MS,
  DLQ_HEADERS,
  TOPICS,
  contractPartition,
  createCodec,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import {
  generateScenario,
  type SimDeclarationEvent,
  type SimRegistrationEvent,
  type VehicleTruth,
} from '@zmwatch/simulator';
import { REPO_ROOT } from '@zmwatch/infra';
import { stack, uniqueName } from '@zmwatch/test-support/stack';
import { produceForeign, type ForeignRecord } from './foreign-producer.js';
import {
  createRunTopics,
  deleteRun,
  runTopics,
  stackKafka,
  TopicReader,
  waitFor,
  type RunTopics,
} from './support/foreign-kafka.js';
import { vinFor } from '@zmwatch/test-support/vins';

const PARTITIONS = 6;
const logger = createLogger('foreign-feed-test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

// A seeded data set rich in zero-mileage stories, dated in the recent past (state TTLs count from
// event time). No feed noise: each exported vehicle has one declaration, so per-VIN order is moot.
const scenario = generateScenario({
  seed: 'foreign-feed-11',
  vehicles: 500,
  noise: 'none',
  startTime: Math.floor((Date.now() - 60 * DAY_MS) / DAY_MS) * DAY_MS,
  mix: {
    'zm-plain': 0.2,
    'zm-faked-odometer': 0.06,
    'zm-straw-buyer': 0.06,
    'legit-domestic': 0.4,
    'legit-used-export': 0.1,
    'legit-new-export': 0.08,
    'dealer-demo': 0.05,
    'legit-early-resale': 0.05,
  },
});
const registrations: RegistrationEvent[] = [];
const declarations: CustomsDeclarationEvent[] = [];
const truths: VehicleTruth[] = [];
for (const item of scenario.items()) {
  if (item.kind === 'vehicle') truths.push(item.truth);
  else if (item.kind === 'event' && item.event.value !== null) {
    const e = item.event as SimRegistrationEvent | SimDeclarationEvent;
    if (e.topic === TOPICS.registrations) registrations.push(e.value);
    else declarations.push(e.value);
  }
}

/** How the foreign producer keys a VIN's declarations: mostly as the contract says, some not. */
function foreignKey(vin: string): string | null {
  const h = createHash('sha256').update(vin).digest()[0]! % 10;
  if (h < 2) return vin.toLowerCase();
  if (h === 2) return ` ${vin} `;
  if (h === 3) return null;
  return vin;
}

/** Event ids of the extreme records start with this. */
const POISON = 'poison-';

interface FeedResult {
  run: string;
  topics: RunTopics;
  /** alertId → how many alert records carry it. */
  alertCounts: Map<string, number>;
  alertVin: Map<string, string>;
  /** Dead letters: source event id (from the original bytes) → DLQ topic, error class. */
  deadLetters: Array<{ topic: string; value: Buffer | null; errorClass: string | undefined }>;
  /** The extreme records as they sit in the input topics (event id → original value bytes). */
  poisonOriginals: Map<string, Buffer>;
  lag: { total: number; detail: string };
  registrationsDrained: boolean;
  placement: { declarations: number; offContract: number };
}

describe('the detector fed by a foreign producer (issue 11)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let codec: Codec;
  let producer: Producer;
  let control: FeedResult;
  const cleanup: Array<() => Promise<void>> = [];

  async function sendKafkajs(
    topic: string,
    contract: typeof TOPICS.registrations | typeof TOPICS.declarations,
    values: Array<RegistrationEvent | CustomsDeclarationEvent>,
  ): Promise<void> {
    for (let i = 0; i < values.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: values.slice(i, i + 500).map((v) => ({
          key: v.vin,
          value: codec.encode(contract, v as never),
        })),
      });
    }
  }

  /**
   * One feed through a fresh detector on unique topics (inputs with their .repartition and .dlq
   * twins, co-partitioned), group and Redis prefix. Registrations (kafkajs) first, wait until
   * consumed, then declarations by `declarationsVia`, then wait until the inputs are drained and the
   * alerts have been quiet for a while (bounded, so a detector that stalls or loses records ends the
   * wait with what it has).
   */
  async function runFeed(
    name: string,
    declarationsVia: 'kafkajs' | 'foreign' | 'foreign-by-contract',
    poison: { registrations: ForeignRecord[]; declarations: ForeignRecord[] } = {
      registrations: [],
      declarations: [],
    },
    expected?: ReadonlySet<string>,
  ): Promise<FeedResult> {
    const run = uniqueName(`foreign-feed-${name}`);
    const topics = runTopics(run);
    const { inputs, repartition, dlqs, all } = await createRunTopics(admin, topics, PARTITIONS, 3);
    const config: DetectorConfig = {
      brokers: stack.brokers,
      clientId: `${run}-detector`,
      groupId: `${run}-detector`,
      topics,
      fromBeginning: true,
      sessionTimeoutMs: 10_000,
      maxRetryDelayMs: 1000,
      redis: { url: stack.redisUrl },
      keys: { prefix: run, bucketsPerPartition: 16, velocityBucketsPerPartition: 8 },
      cacheBuckets: 32_768,
      ruleset: loadRuleset(),
      partitionsConcurrently: 3,
      sweep: { intervalMs: 500, bucketsPerTick: 16 },
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      logLevel: 'silent',
    };
    cleanup.push(() => deleteRun(admin, run, all, config.groupId));

    const alerts = await TopicReader.start(kafka, [topics.alerts]);
    const dead = await TopicReader.start(kafka, dlqs);
    const detector = createDetector(config, { logger });
    const lagOf = async (ts: string[]) => {
      const { total, partitions } = await consumerGroupLag(admin, config.groupId, ts);
      const detail = partitions
        .filter((p) => p.lag > 0)
        .map((p) => `${p.topic.slice(run.length + 1)}[${p.partition}] ${p.lag}`)
        .join(', ');
      return { total, detail };
    };
    const placement = { declarations: 0, offContract: 0 };
    let registrationsDrained = true;
    try {
      await detector.start();

      await sendKafkajs(topics.registrations, TOPICS.registrations, registrations);
      if (poison.registrations.length > 0)
        await produceForeign(poison.registrations.map((r) => ({ ...r, topic: topics.registrations })));
      registrationsDrained = await waitFor(
        'registrations consumed',
        async () => (await lagOf([topics.registrations])).total === 0,
        60_000,
      ).catch(() => false);

      if (declarationsVia === 'kafkajs') {
        await sendKafkajs(topics.declarations, TOPICS.declarations, declarations);
      } else {
        const records: ForeignRecord[] = declarations.map((d) => ({
          topic: topics.declarations,
          key: declarationsVia === 'foreign' ? foreignKey(d.vin) : d.vin,
          value: d,
        }));
        // The poison declarations go in among the ordinary ones.
        poison.declarations.forEach((p, i) =>
          records.splice(Math.floor(((i + 1) * records.length) / (poison.declarations.length + 1)), 0, {
            ...p,
            topic: topics.declarations,
          }),
        );
        const summary = await produceForeign(records, {
          records: true,
          ...(declarationsVia === 'foreign-by-contract' ? { partitioner: 'murmur2_random' as const } : {}),
        });
        assert.equal(summary.failed, 0);
        records.forEach((r, i) => {
          const d = r.value as CustomsDeclarationEvent | undefined;
          if (!d || d.eventId.startsWith(POISON)) return;
          const vin = d.vin;
          placement.declarations++;
          const [, partition] = summary.records![i]!;
          if (r.key !== vin || partition !== contractPartition(vin, PARTITIONS)) placement.offContract++;
        });
      }

      // Drained and quiet: inputs and repartition topics committed to the end, no new alert for 4 s.
      // With `expected`, stop waiting early only once every expected alert is in.
      const deadline = Date.now() + 90_000;
      let lastCount = -1;
      let quietSince = Date.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        if (alerts.messages.length !== lastCount) {
          lastCount = alerts.messages.length;
          quietSince = Date.now();
        }
        const lag = await lagOf([...inputs, ...repartition]);

        const ids = new Set(
          alerts.messages.map((m) => codec.decodeSync(m.value, TOPICS.alerts).record.alertId),
        );
        const complete = !expected || [...expected].every((id) => ids.has(id));
        if (lag.total === 0 && complete && Date.now() - quietSince > 4_000) break;
        if (lag.total === 0 && !complete && Date.now() - quietSince > 10_000) break; // nothing more is coming
        if (Date.now() > deadline) break;
      }
      const lag = await lagOf([...inputs, ...repartition]);

      // The extreme records' original bytes, to compare their dead letters with.
      const poisonOriginals = new Map<string, Buffer>();
      const poisonIds = [...poison.registrations, ...poison.declarations].map(
        (p) => (p.value as { eventId: string }).eventId,
      );
      if (poisonIds.length > 0) {
        const input = await TopicReader.start(kafka, inputs);
        const total = registrations.length + declarations.length + poisonIds.length;
        try {
          await waitFor(`${total} input records read back`, () => input.messages.length >= total);
        } finally {
          await input.stop();
        }
        for (const id of poisonIds) {
          const m = input.messages.find((x) => x.value?.includes(Buffer.from(id)));
          if (m?.value) poisonOriginals.set(id, m.value);
        }
      }

      const alertCounts = new Map<string, number>();
      const alertVin = new Map<string, string>();
      for (const m of alerts.messages) {
        const a = codec.decodeSync(m.value, TOPICS.alerts).record;
        alertCounts.set(a.alertId, (alertCounts.get(a.alertId) ?? 0) + 1);
        alertVin.set(a.alertId, a.vin);
      }
      return {
        run,
        topics,
        alertCounts,
        alertVin,
        deadLetters: dead.messages.map((m) => ({
          topic: m.topic.slice(run.length + 1),
          value: m.value,
          errorClass: m.headers[DLQ_HEADERS.errorClass]?.toString(),
        })),
        lag,
        registrationsDrained,
        placement,
        poisonOriginals,
      };
    } finally {
      await detector.stop().catch(() => undefined);
      await alerts.stop();
      await dead.stop();
    }
  }

  /** What a feed did differently from the control run, as readable lines (empty: nothing). */
  function differences(got: FeedResult, expected: FeedResult): string[] {
    const problems: string[] = [];
    const missing = [...expected.alertCounts.keys()].filter((id) => !got.alertCounts.has(id));
    if (missing.length > 0 && got !== expected) {
      // The whole list, which an assertion message may cut: .zmwatch/foreign-feed-<run>.missing.json
      const file = join(REPO_ROOT, '.zmwatch', `${got.run}.missing.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        JSON.stringify(
          missing.map((id) => ({
            alertId: id,
            vin: expected.alertVin.get(id),
            key: foreignKey(expected.alertVin.get(id)!),
          })),
        ),
      );
      problems.push(`full list of missing alerts: ${file}`);
    }
    if (missing.length > 0) {
      const byLabel = new Map<string, number>();
      const truthOf = new Map(truths.map((t) => [t.vin, t]));
      for (const id of missing) {
        const label = truthOf.get(expected.alertVin.get(id)!)?.label ?? '?';
        byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
      }
      problems.push(
        `${missing.length} of ${expected.alertCounts.size} expected alerts missing (${[...byLabel].map(([l, n]) => `${l} ${n}`).join(', ')}): ` +
          missing
            .map((id) => {
              const vin = expected.alertVin.get(id)!;
              return `${id} (VIN ${vin}, declaration key ${JSON.stringify(foreignKey(vin))})`;
            })
            .join(', '),
      );
    }
    const twice = [...got.alertCounts].filter(([, n]) => n > 1);
    if (twice.length > 0)
      problems.push(`alerted more than once: ${twice.map(([id, n]) => `${id} ×${n}`).join(', ')}`);
    const unexpected = [...got.alertCounts.keys()].filter((id) => !expected.alertCounts.has(id));
    if (unexpected.length > 0)
      problems.push(
        `alerts the control run did not raise: ${unexpected.map((id) => `${id} (VIN ${got.alertVin.get(id)})`).join(', ')}`,
      );
    if (!got.registrationsDrained) problems.push('registrations were not consumed within 60 s');
    if (got.lag.total > 0) problems.push(`consumer lag did not drain: ${got.lag.total} (${got.lag.detail})`);
    return problems;
  }

  before(async () => {
    kafka = stackKafka(uniqueName('foreign-feed'), logger);
    admin = kafka.admin();
    await admin.connect();
    codec = await createCodec();
    producer = createIdempotentProducer(kafka);
    await producer.connect();

    control = await runFeed('control', 'kafkajs');
    // The control run is the yardstick: it must itself be sound.
    const controlProblems = differences(control, control);
    assert.deepEqual(controlProblems, [], 'control run (contract-conforming producers)');
    const detectable = truths.filter(
      (t) => t.isZeroMileage && t.firstRegistrationTime !== null && t.declarationIds.length > 0,
    );
    const flagged = new Set(control.alertVin.values());
    const caught = detectable.filter((t) => flagged.has(t.vin)).length;
    assert.ok(
      detectable.length >= 50,
      `data set too small: ${detectable.length} detectable zero-mileage cases`,
    );
    assert.ok(
      caught >= detectable.length * 0.9,
      `control run caught only ${caught} of ${detectable.length} zero-mileage cases`,
    );
  });

  after(async () => {
    // Bounded: a broker that lost the topics (a restarted stack) must not hold the suite up.
    for (const c of cleanup.reverse())
      await Promise.race([c(), new Promise<void>((r) => setTimeout(r, 20_000).unref())]);
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect();
  });

  test("declarations from librdkafka following the contract (murmur2_random, VIN keys) raise exactly the control run's alerts", async () => {
    // The harness itself loses nothing: the Python path with contract placement matches the control.
    const got = await runFeed(
      'murmur2',
      'foreign-by-contract',
      undefined,
      new Set(control.alertCounts.keys()),
    );
    assert.equal(
      got.placement.offContract,
      0,
      'murmur2_random places every declaration on its contract partition',
    );
    assert.deepEqual(differences(got, control), [], `expected ${control.alertCounts.size} alerts, each once`);
  });

  test('declarations from librdkafka (CRC32 partitioner, keys lower-case, padded or absent) raise every expected alert exactly once', async () => {
    const got = await runFeed('crc32', 'foreign', undefined, new Set(control.alertCounts.keys()));
    // The premise: most declarations are not where the contract puts them, or not keyed by their VIN.
    assert.ok(
      got.placement.offContract > got.placement.declarations * 0.7,
      `only ${got.placement.offContract} of ${got.placement.declarations} declarations off contract`,
    );
    assert.deepEqual(differences(got, control), [], `expected ${control.alertCounts.size} alerts, each once`);
  });

  test('schema-valid extreme records from the foreign producer, mixed into the same feed, are dead-lettered; every expected alert still once; lag drains', async () => {
    const reg0 = registrations[0]!;
    const decl0 = declarations[0]!;
    // Two poison records ride on VINs of zero-mileage stories that must still alert.
    const zmVins = truths
      .filter((t) => t.isZeroMileage && t.declarationIds.length > 0 && t.firstRegistrationTime !== null)
      .map((t) => t.vin);
    const zmReg = registrations.find((r) => r.vin === zmVins[0])!;
    const zmDecl = declarations.find((d) => d.vin === zmVins[1])!;
    // A fresh VIN (check digit computed) unless the record rides on `base`'s own VIN.
    const vinOf = (id: string, base: { vin: string }, over: { vin?: string }) =>
      over.vin === base.vin ? {} : { vin: vinFor(id, { prefix: 'LFV' }), vinCheckDigitValid: true };
    const reg = (
      id: string,
      over: Partial<RegistrationEvent>,
      base: RegistrationEvent = reg0,
    ): ForeignRecord => {
      const value = { ...base, ...vinOf(id, base, over), eventId: `${POISON}reg-${id}`, ...over };
      return { topic: '', key: value.vin, value };
    };
    const decl = (
      id: string,
      over: Partial<CustomsDeclarationEvent>,
      base: CustomsDeclarationEvent = decl0,
    ): ForeignRecord => {
      const value = {
        ...base,
        ...vinOf(id, base, over),
        eventId: `${POISON}decl-${id}`,
        declarationId: `DEC-POISON-${id}`,
        ...over,
      };
      return { topic: '', key: value.vin, value };
    };
    const poison = {
      registrations: [
        reg('event-time', { eventTime: 8.7e15 }),
        reg('recorded-at', { recordedAt: -8.7e15 }),
        reg('model-year', { modelYear: 20240 }),
        reg('make', { vin: zmReg.vin, make: 'M'.repeat(10_000) }, zmReg),
        reg('plate', { plateNumber: '粤B\n12345' }),
        reg('price', { priceCny: Infinity }),
      ],
      declarations: [
        decl('value', { declaredValue: NaN }),
        decl('exporter-id', { vin: zmDecl.vin, exporterId: 'E'.repeat(200) }, zmDecl),
        decl('event-time', { eventTime: 8.7e15 }),
        decl('port', { portOfExit: 'P'.repeat(10_000) }),
        decl('hs-code', { hsCode: '8703\n800010' }),
      ],
    };
    const got = await runFeed('poison', 'foreign', poison, new Set(control.alertCounts.keys()));
    const problems = differences(got, control);

    // Each poison record once in a dead-letter topic, byte for byte, classed OutOfRange.
    const poisonIds = [...poison.registrations, ...poison.declarations].map(
      (p) => (p.value as { eventId: string }).eventId,
    );
    assert.equal(new Set(poisonIds).size, poisonIds.length, 'poison event ids are unique');
    for (const id of poisonIds) {
      const letters = got.deadLetters.filter((d) => d.value !== null && d.value.includes(Buffer.from(id)));
      if (letters.length !== 1) problems.push(`${id}: ${letters.length} dead letters (expected 1)`);
      else if (!letters[0]!.value!.equals(got.poisonOriginals.get(id) ?? Buffer.alloc(0)))
        problems.push(`${id}: the dead letter's value is not the original record's bytes`);
      else if (letters[0]!.errorClass !== 'OutOfRange')
        problems.push(
          `${id}: dead-lettered to ${letters[0]!.topic} as ${letters[0]!.errorClass} (expected OutOfRange)`,
        );
    }
    const ordinary = got.deadLetters.filter(
      (d) => !poisonIds.some((id) => d.value?.includes(Buffer.from(id))),
    );
    if (ordinary.length > 0)
      problems.push(
        `${ordinary.length} ordinary records dead-lettered (${ordinary.map((d) => `${d.topic}: ${d.errorClass}`).join(', ')})`,
      );
    assert.deepEqual(
      problems,
      [],
      `expected ${control.alertCounts.size} alerts, each once, and ${poisonIds.length} dead letters`,
    );
  });
});
