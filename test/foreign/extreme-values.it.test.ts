// Issue 11 point 1, the fuzz test: schema-valid records with an extreme value in one field — every
// field of both input contracts, nested party included, every value class of its Avro type (see
// extreme-values.ts) — mixed into ordinary zero-mileage traffic on both topics, all written by the
// independent Python producer (librdkafka + fastavro). Through the real detector:
//   - every ordinary case alerts exactly once, within a bound after production (nothing stalls);
//   - consumer lag drains on the inputs and the repartition topics;
//   - every extreme record is accounted for: dead-lettered once, byte for byte, with the class the
//     feed contract gives its value (OutOfRange, InvalidVin, InvalidRecord), or — when the value is
//     in range — processed (never dead-lettered) without disturbing anything;
//   - no alert for a VIN whose extreme record was dead-lettered, none for a VIN nobody sent.
// Every extreme record has its own VIN and a partner on the other topic (an ordinary declaration
// ten days after an extreme registration, an ordinary registration ten days before an extreme
// declaration), so a processed extreme record meets a would-be zero-mileage case.
// Registrations are placed by murmur2 (the contract), declarations by librdkafka's default CRC32
// partitioner, so both the direct path and the re-route through the repartition topics are fuzzed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { readReroute, consumerGroupLag, createLogger } from '@zmwatch/kit';
import { createApp as createDetector, loadRuleset } from '@zmwatch/detector';
import {
  DAY_MS,
  DLQ_HEADERS,
  TOPICS,
  alertIdFor,
  contractPartition,
  createCodec,
  rangeProblems,
  validateVin,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { testConfig } from '@zmwatch/test-support/detector-pipeline';
import { uniqueName } from '@zmwatch/test-support/stack';
import { currentSchema, encodeAvro, fieldCases, withField, type FieldCase } from './extreme-values.js';
import { produceForeign, type ForeignRecord } from './foreign-producer.js';
import {
  createRunTopics,
  deleteRun,
  runTopics,
  stackKafka,
  TopicReader,
  waitFor,
  type ReadMessage,
} from './support/foreign-kafka.js';
import { vinFor } from '@zmwatch/test-support/vins';

const PARTITIONS = 6;
const ORDINARY_CASES = 150;
/** Every ordinary alert must be in this long after the last record was acknowledged. */
const ALERT_BOUND_MS = 30_000;
/** Lag must reach 0 on inputs and repartition topics within this. */
const DRAIN_BOUND_MS = 60_000;
const logger = createLogger('extreme-values-test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** mulberry32: a seeded PRNG, so the traffic is the same in every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const rand = prng(0x11f0ce);

// Recent event times (state TTLs count from event time): registrations 20-50 days ago.
const NOW = Date.now();
function registration(vin: string, id: string, time: number): RegistrationEvent {
  return {
    eventId: `reg-${id}`,
    eventType: 'FIRST_REGISTRATION',
    vin,
    vinCheckDigitValid: true,
    jurisdiction: 'CN-GD',
    party: { id: `9144030${Math.floor(rand() * 10)}MA5DEALER`, type: 'DEALER' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song PLUS DM-i',
    modelYear: 2025,
    fuelType: 'PHEV',
    odometerKm: 3,
    priceCny: 159_800,
    plateNumber: '粤B12345',
    sourceSystem: 'cn-gd-vms',
    eventTime: time,
    recordedAt: time + 60_000,
  };
}
function declaration(vin: string, id: string, time: number): CustomsDeclarationEvent {
  return {
    eventId: `decl-${id}`,
    eventType: 'DECLARED',
    declarationId: `CUS-${id}`,
    vin,
    vinCheckDigitValid: true,
    exporterId: '91310000EXPORTER1',
    exporterType: 'TRADING_COMPANY',
    declaredCondition: 'USED',
    declaredOdometerKm: 12,
    destinationCountry: ['RU', 'KZ', 'AE', 'KG'][Math.floor(rand() * 4)]!,
    portOfExit: 'CNSZX',
    hsCode: '8703800010',
    declaredValue: 21_000,
    currency: 'USD',
    afterSalesConfirmationRef: null,
    exportLicenceRef: `EL-${id}`,
    eventTime: time,
    recordedAt: time + 120_000,
  };
}
const caseTime = () => NOW - 50 * DAY_MS + Math.floor(rand() * 30 * DAY_MS);

/** One extreme record and what the feed contract says must become of it. */
interface ExtremeRecord {
  topic: 'registrations' | 'declarations';
  fieldCase: FieldCase;
  /** The VIN the case is built on (its partner's VIN; also the record's unless `vin` is fuzzed). */
  vin: string;
  record: ForeignRecord;
  /** Where the producer put it (filled after production): input topic:partition:offset. */
  at?: string;
  expected: string;
}

/** The contract's verdict on a record, as the detector's decoder documents it (README, decode.ts). */
function expectedFate(topic: ExtremeRecord['topic'], value: Record<string, unknown>): string {
  // As decoded: int64 values are numbers to JavaScript (a bigint here only to reach produce.py exactly).
  const plain = Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]),
  );
  if (rangeProblems(plain).length > 0) return 'OutOfRange';
  if (!validateVin(value.vin as string).ok) return 'InvalidVin';
  if (topic === 'declarations' && (value.declarationId as string).trim() === '') return 'InvalidRecord';
  return 'processed';
}

/** Whether a processed extreme record's case must alert: all but the event types that match nothing. */
function alertExpected(x: ExtremeRecord): boolean {
  if (x.fieldCase.path !== 'eventType') return true;
  const symbol = x.fieldCase.extreme.value;
  return x.topic === 'registrations'
    ? symbol === 'FIRST_REGISTRATION'
    : ['DECLARED', 'AMENDED', 'CLEARED'].includes(symbol as string);
}

describe('extreme values in every field of both input contracts, mixed into ordinary traffic (issue 11)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let codec: Codec;
  const cleanup: Array<() => Promise<void>> = [];

  before(async () => {
    kafka = stackKafka(uniqueName('extreme'), logger);
    admin = kafka.admin();
    await admin.connect();
    codec = await createCodec();
  });

  after(async () => {
    for (const c of cleanup.reverse())
      await Promise.race([c(), new Promise<void>((r) => setTimeout(r, 20_000).unref())]);
    await admin?.disconnect();
  });

  test('every ordinary case alerts once within the bound, lag drains, every extreme record is dead-lettered with its class or processed', async (t) => {
    const run = uniqueName('extreme');
    const topics = runTopics(run);
    const { inputs, repartition, dlqs, all } = await createRunTopics(admin, topics, PARTITIONS, 3);
    const config = testConfig(run, topics, {
      keys: { prefix: run, bucketsPerPartition: 16, velocityBucketsPerPartition: 8 },
    });
    cleanup.push(() => deleteRun(admin, run, all, config.groupId));

    // ---- the traffic ----
    const ruleset = loadRuleset();
    const regs: ForeignRecord[] = [];
    const decls: ForeignRecord[] = [];
    const expectedAlerts = new Map<string, string>(); // alertId -> VIN
    const ordinaryVins = new Set<string>();
    for (let i = 0; i < ORDINARY_CASES; i++) {
      const vin = vinFor(`LSV-${i}`, { prefix: 'LSV' });
      const t0 = caseTime();
      const r = registration(vin, `ord-${i}`, t0);
      const d = declaration(vin, `ord-${i}`, t0 + (5 + Math.floor(rand() * 11)) * DAY_MS);
      regs.push({ topic: topics.registrations, key: vin, value: r });
      decls.push({ topic: topics.declarations, key: vin, value: d });
      expectedAlerts.set(alertIdFor(vin, d.declarationId, ruleset.version), vin);
      ordinaryVins.add(vin);
    }

    const extremes: ExtremeRecord[] = [];
    const contracts = {
      registrations: currentSchema(`${TOPICS.registrations}-value`),
      declarations: currentSchema(`${TOPICS.declarations}-value`),
    };
    for (const topic of ['registrations', 'declarations'] as const) {
      const { id: schemaId, schema } = contracts[topic];
      for (const fc of fieldCases(schema)) {
        const n = extremes.length;
        const vin = vinFor(`LFZ-${n}`, { prefix: 'LFZ' });
        const t0 = caseTime();
        const tag = `x${n}`;
        const fuzzed = fc.extreme.valueFor ? fc.extreme.valueFor(vin) : fc.extreme.value;
        const base =
          topic === 'registrations' ? registration(vin, tag, t0) : declaration(vin, tag, t0 + 10 * DAY_MS);
        const value = withField(base, fc.path, fuzzed) as unknown as Record<string, unknown>;
        const key = typeof value.vin === 'string' ? value.vin : vin; // as a producer keys it: by its VIN field
        const target = topic === 'registrations' ? topics.registrations : topics.declarations;
        const record: ForeignRecord = fc.extreme.needsBytes
          ? { topic: target, key, bytes: encodeAvro(schema, schemaId, value) }
          : { topic: target, key, value };
        extremes.push({ topic, fieldCase: fc, vin, record, expected: expectedFate(topic, value) });
        // The partner on the other topic: the would-be zero-mileage case the extreme record is part of.
        if (topic === 'registrations')
          decls.push({
            topic: topics.declarations,
            key: vin,
            value: declaration(vin, tag, t0 + 10 * DAY_MS),
          });
        else regs.push({ topic: topics.registrations, key: vin, value: registration(vin, tag, t0) });
      }
    }
    const extremeVins = new Set(extremes.map((e) => e.vin));
    assert.equal(extremeVins.size, extremes.length, 'each extreme record has its own VIN');
    assert.ok(![...extremeVins].some((v) => ordinaryVins.has(v)), 'extreme VINs are not ordinary VINs');

    // Interleave: the extreme records spread evenly through the ordinary ones, on both topics.
    const mix = (ordinary: ForeignRecord[], xs: ExtremeRecord[]) => {
      const out: Array<ForeignRecord | ExtremeRecord> = [...ordinary];
      xs.forEach((x, i) => out.splice(Math.floor(((i + 1) * out.length) / (xs.length + 1)), 0, x));
      return out;
    };
    const regStream = mix(
      regs,
      extremes.filter((x) => x.topic === 'registrations'),
    );
    const declStream = mix(
      decls,
      extremes.filter((x) => x.topic === 'declarations'),
    );
    const recordOf = (r: ForeignRecord | ExtremeRecord) => ('fieldCase' in r ? r.record : r);

    // ---- run ----
    const alertReader = await TopicReader.start(kafka, [topics.alerts]);
    const dlqReader = await TopicReader.start(kafka, dlqs);
    const detector = createDetector(config, { logger });
    const lagOf = async (ts: string[]) => {
      const { total, partitions } = await consumerGroupLag(admin, config.groupId, ts);
      return {
        total,
        detail: partitions
          .filter((p) => p.lag > 0)
          .map((p) => `${p.topic.slice(run.length + 1)}[${p.partition}] ${p.lag}`)
          .join(', '),
      };
    };
    const problems: string[] = [];
    const deviations: string[] = [];
    let alertsInMs = -1;
    let drainedMs = -1;
    let lag = { total: -1, detail: '' };
    const alertIds = new Map<string, number>();
    const alertVins = new Map<string, Set<string>>(); // VIN -> alert ids
    try {
      await detector.start();
      const [regSummary, declSummary] = await Promise.all([
        produceForeign(regStream.map(recordOf), { records: true, partitioner: 'murmur2_random' }),
        produceForeign(declStream.map(recordOf), { records: true }), // librdkafka's default: CRC32
      ]);
      const producedAt = Date.now();
      assert.equal(regSummary.failed + declSummary.failed, 0, 'the foreign producer delivered everything');
      for (const [stream, summary] of [
        [regStream, regSummary],
        [declStream, declSummary],
      ] as const) {
        stream.forEach((r, i) => {
          if (!('fieldCase' in r)) return;
          const [topic, partition, offset] = summary.records![i]!;
          r.at = `${topic}:${partition}:${offset}`;
        });
      }

      const readAlerts = () => {
        for (const m of alertReader.messages.splice(0)) {
          try {
            const a = codec.decodeSync(m.value, TOPICS.alerts).record;
            alertIds.set(a.alertId, (alertIds.get(a.alertId) ?? 0) + 1);
            alertVins.set(a.vin, (alertVins.get(a.vin) ?? new Set()).add(a.alertId));
          } catch (err) {
            problems.push(`an alert record does not decode: ${String(err)}`);
          }
        }
      };
      // Until every expected alert is in and the inputs are drained and quiet, or the drain bound.
      let lastAlerts = -1;
      let quietSince = Date.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 250));
        readAlerts();
        if (alertsInMs < 0 && [...expectedAlerts.keys()].every((id) => alertIds.has(id)))
          alertsInMs = Date.now() - producedAt;
        if (alertIds.size !== lastAlerts) {
          lastAlerts = alertIds.size;
          quietSince = Date.now();
        }
        lag = await lagOf([...inputs, ...repartition]);
        if (lag.total === 0 && drainedMs < 0) drainedMs = Date.now() - producedAt;
        if (lag.total !== 0) drainedMs = -1;
        if (drainedMs >= 0 && alertsInMs >= 0 && Date.now() - quietSince > 3000) break;
        if (Date.now() - producedAt > DRAIN_BOUND_MS) break;
      }
      readAlerts();
    } finally {
      await detector.stop().catch(() => undefined);
      await alertReader.stop();
      await dlqReader.stop();
    }

    // ---- the original bytes of the extreme records, read back from the inputs ----
    const inputReader = await TopicReader.start(kafka, inputs);
    const originals = new Map<string, ReadMessage>();
    try {
      const total = regStream.length + declStream.length;
      await waitFor(`${total} input records read back`, () => inputReader.messages.length >= total, 30_000);
      for (const m of inputReader.messages) originals.set(`${m.topic}:${m.partition}:${m.offset}`, m);
    } finally {
      await inputReader.stop();
    }

    // ---- accounting ----
    // Each dead letter names its input record: directly, or through the re-route headers it kept.
    const letters = new Map<string, Array<{ dlq: string; cls: string; value: Buffer | null }>>();
    for (const m of dlqReader.messages) {
      const h = (k: string) => m.headers[k]?.toString();
      let at = `${h(DLQ_HEADERS.sourceTopic)}:${h(DLQ_HEADERS.sourcePartition)}:${h(DLQ_HEADERS.sourceOffset)}`;
      const moved = h(DLQ_HEADERS.sourceTopic)?.endsWith('.repartition') ? readReroute(m.headers) : undefined;
      if (moved) at = `${moved.sourceTopic}:${moved.sourcePartition}:${moved.sourceOffset}`;
      const list = letters.get(at) ?? [];
      list.push({
        dlq: m.topic.slice(run.length + 1),
        cls: h(DLQ_HEADERS.errorClass) ?? '(none)',
        value: m.value,
      });
      letters.set(at, list);
    }
    const fates = new Map<ExtremeRecord, string>();
    for (const x of extremes) {
      const got = letters.get(x.at!) ?? [];
      letters.delete(x.at!);
      const label = `${x.topic} ${x.fieldCase.path}=${x.fieldCase.extreme.cls}`;
      if (got.length > 1) problems.push(`${label}: dead-lettered ${got.length} times`);
      const fate = got[0]?.cls ?? 'processed';
      fates.set(x, fate);
      if (got[0] && !got[0].value?.equals(originals.get(x.at!)?.value ?? Buffer.alloc(0)))
        problems.push(`${label}: the dead letter's value is not the original record's bytes`);
      const verdict = `${label}: ${fate === 'processed' ? 'processed' : `dead-lettered as ${fate} (${got[0]!.dlq})`}, expected ${x.expected}`;
      if (fate !== x.expected) {
        // Reported apart by the subtest below (which asserts there are none): the codec once classed
        // longs beyond ±2^53 as MalformedPayload.
        const v = x.fieldCase.extreme.value;
        const unsafeLong =
          typeof v === 'bigint' || (typeof v === 'number' && Math.abs(v) >= Number.MAX_SAFE_INTEGER);
        if (unsafeLong && x.expected === 'OutOfRange' && fate === 'MalformedPayload')
          deviations.push(verdict);
        else problems.push(verdict);
      }
      const alerted = alertVins.has(x.vin);
      if (fate !== 'processed' && alerted) problems.push(`${label}: dead-lettered, yet its VIN alerted`);
      // A processed record is not silently dropped: its would-be zero-mileage case alerts, unless the
      // fuzzed event type is one that opens no first registration / no live declaration.
      if (fate === 'processed' && alerted !== alertExpected(x))
        problems.push(
          `${label}: processed, ${alerted ? 'yet its case alerted' : 'but its case never alerted'}`,
        );
    }
    for (const [at, got] of letters)
      problems.push(
        `an ordinary or partner record was dead-lettered: ${at} as ${got.map((g) => g.cls).join(', ')}`,
      );

    const missing = [...expectedAlerts].filter(([id]) => !alertIds.has(id));
    if (missing.length > 0)
      problems.push(
        `${missing.length} of ${expectedAlerts.size} ordinary alerts missing: ${missing.map(([id, vin]) => `${id} (${vin})`).join(', ')}`,
      );
    const twice = [...alertIds].filter(([, n]) => n > 1);
    if (twice.length > 0)
      problems.push(`alerted more than once: ${twice.map(([id, n]) => `${id} ×${n}`).join(', ')}`);
    for (const [vin, ids] of alertVins) {
      if (ordinaryVins.has(vin) && [...ids].some((id) => !expectedAlerts.has(id)))
        problems.push(`unexpected alert on ordinary VIN ${vin}`);
      if (!ordinaryVins.has(vin) && !extremeVins.has(vin))
        problems.push(`alert for a VIN nobody sent: ${JSON.stringify(vin)}`);
    }
    if (alertsInMs < 0 || alertsInMs > ALERT_BOUND_MS)
      problems.push(
        `ordinary alerts not all in within ${ALERT_BOUND_MS} ms of production (${alertsInMs < 0 ? 'never' : `${alertsInMs} ms`})`,
      );
    if (drainedMs < 0)
      problems.push(`lag did not drain within ${DRAIN_BOUND_MS} ms: ${lag.total} (${lag.detail})`);

    // ---- the table the lead can quote ----
    const byField = new Map<string, Map<string, number>>();
    const byClass = new Map<string, number>();
    const valueClasses = new Map<string, Map<string, number>>();
    for (const x of extremes) {
      const fate = fates.get(x)!;
      const f = `${x.topic === 'registrations' ? 'reg' : 'decl'}.${x.fieldCase.path}`;
      const row = byField.get(f) ?? new Map<string, number>();
      row.set('generated', (row.get('generated') ?? 0) + 1);
      row.set(fate, (row.get(fate) ?? 0) + 1);
      if (fate === 'processed' && alertVins.has(x.vin))
        row.set('pair alerted', (row.get('pair alerted') ?? 0) + 1);
      byField.set(f, row);
      byClass.set(fate, (byClass.get(fate) ?? 0) + 1);
      const kind = x.fieldCase.extreme.cls.replace(/:.*$/, '').replace(/^.*\|/, '');
      const vc = valueClasses.get(kind) ?? new Map<string, number>();
      vc.set(fate, (vc.get(fate) ?? 0) + 1);
      valueClasses.set(kind, vc);
    }
    const cols = ['generated', 'OutOfRange', 'InvalidVin', 'InvalidRecord', 'processed', 'pair alerted'];
    const others = [...byClass.keys()].filter((c) => !cols.includes(c));
    const header = ['field', ...cols, ...others];
    const lines = [header.join(' | ')];
    for (const [f, row] of byField)
      lines.push([f, ...[...cols, ...others].map((c) => row.get(c) ?? 0)].join(' | '));
    const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
    const summary = [
      `extreme records ${extremes.length} (registrations ${extremes.filter((x) => x.topic === 'registrations').length}, declarations ${extremes.filter((x) => x.topic === 'declarations').length}); ordinary cases ${ORDINARY_CASES}; partners ${extremes.length}`,
      `fates: ${fmt(byClass)}`,
      `by value type: ${[...valueClasses].map(([k, m]) => `${k} (${fmt(m)})`).join('; ')}`,
      `ordinary alerts ${[...expectedAlerts.keys()].filter((id) => alertIds.has(id)).length}/${expectedAlerts.size}, all in ${alertsInMs} ms after production; lag 0 after ${drainedMs} ms; alerts on extreme VINs ${[...alertVins.keys()].filter((v) => extremeVins.has(v)).length}`,
    ];
    console.log(['', ...summary, '', ...lines, ''].join('\n'));
    for (const s of summary) t.diagnostic(s);

    assert.deepEqual(problems, [], `${problems.length} problems`);

    await t.test(
      'longs beyond ±(2^53-1) in time fields are dead-lettered as OutOfRange like other out-of-range times',
      () => assert.deepEqual(deviations, []),
    );
  });
  test('a partition whose whole batch is out of range (8000 registrations with event times in microseconds, more than one 1 MB fetch) is dead-lettered, and an ordinary case behind it still alerts', async () => {
    const run = uniqueName('extreme-full');
    const topics = runTopics(run);
    const { inputs, repartition, dlqs, all } = await createRunTopics(admin, topics, PARTITIONS);
    const config = testConfig(run, topics);
    cleanup.push(() => deleteRun(admin, run, all, config.groupId));
    // Two ordinary cases: one on partition 0 behind the poison, one on another partition.
    const ruleset = loadRuleset();
    const vins: string[] = [];
    for (let i = 0; vins.length < 2; i++) {
      const vin = vinFor(`LSF-${i}`, { prefix: 'LSF' });
      if ((contractPartition(vin, PARTITIONS) === 0) === (vins.length === 0)) vins.push(vin);
    }
    const poison: ForeignRecord[] = [];
    for (let i = 0; i < 8000; i++) {
      const vin = vinFor(`LFP-${i}`, { prefix: 'LFP' });
      const r = registration(vin, `full-${i}`, caseTime());
      poison.push({
        topic: topics.registrations,
        key: vin,
        partition: 0, // all on one partition, as one badly configured producer would put them
        value: { ...r, eventTime: r.eventTime * 1000, recordedAt: r.recordedAt * 1000 },
      });
    }
    const ordinary = vins.map((vin, i) => {
      const t0 = caseTime();
      return {
        vin,
        reg: registration(vin, `full-ord-${i}`, t0),
        decl: declaration(vin, `full-ord-${i}`, t0 + 10 * DAY_MS),
      };
    });
    const expected = new Map(
      ordinary.map((o) => [alertIdFor(o.vin, o.decl.declarationId, ruleset.version), o.vin]),
    );
    const alertReader = await TopicReader.start(kafka, [topics.alerts]);
    const dlqReader = await TopicReader.start(kafka, dlqs);
    const detector = createDetector(config, { logger });
    try {
      await detector.start();
      await produceForeign(
        [
          ...poison,
          ...ordinary.map((o) => ({ topic: topics.registrations, key: o.vin, value: o.reg })),
          ...ordinary.map((o) => ({ topic: topics.declarations, key: o.vin, value: o.decl })),
        ],
        { partitioner: 'murmur2_random' },
      );
      const alertedVins = () =>
        new Set(alertReader.messages.map((m) => codec.decodeSync(m.value, TOPICS.alerts).record.alertId));
      // The other partition goes on regardless.
      await waitFor(
        'the ordinary case on another partition to alert',
        () => alertedVins().has([...expected.keys()][1]!),
        ALERT_BOUND_MS,
      );
      await waitFor(
        `8000 dead letters and both ordinary alerts within ${ALERT_BOUND_MS} ms`,
        async () =>
          dlqReader.messages.length >= poison.length &&
          [...expected.keys()].every((id) => alertedVins().has(id)) &&
          (await consumerGroupLag(admin, config.groupId, [...inputs, ...repartition])).total === 0,
        ALERT_BOUND_MS,
        async () =>
          `dead letters ${dlqReader.messages.length}, alerts ${[...alertedVins()].map((id) => `${expected.get(id) ?? id}${expected.has(id) ? '' : ' (unexpected)'}`).join(', ') || 'none'} (expected ${[...expected.values()].join(', ')}), lag ${(await consumerGroupLag(admin, config.groupId, inputs)).total}, batch retries ${
            (await detector.registry.getSingleMetric('zm_detector_batch_retries_total')?.get())?.values
              .map((v) => v.value)
              .reduce((a, b) => a + b, 0) ?? 0
          }`,
      );
      assert.ok(
        dlqReader.messages.every((m) => m.headers[DLQ_HEADERS.errorClass]?.toString() === 'OutOfRange'),
        'every poison record dead-lettered as OutOfRange',
      );
    } finally {
      await detector.stop().catch(() => undefined);
      await alertReader.stop();
      await dlqReader.stop();
    }
  });
});
