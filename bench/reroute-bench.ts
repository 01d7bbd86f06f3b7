// Re-route cost: detector throughput on input its producers placed by the feed contract (0% misplaced)
// vs input a foreign producer placed otherwise (100% misplaced, every record re-routed through the
// `<input>.repartition` topics and handled from there), same data, same run.
//   node --import tsx bench/reroute-bench.ts [registrations=200000] [declarations=20000] [cases=contract,crc32,lowercase]
// The seeded data set of detector-bench.ts (bench/lib/bench-data.ts), restricted to VINs whose CRC32
// partition differs from their murmur2 one, is produced once per case into fresh topics (6 partitions,
// plus their .repartition and .dlq twins):
//   contract   kafkajs's default partitioner (murmur2), key = VIN: where the contract puts it (0%);
//   crc32      librdkafka's default placement of a keyed record (`consistent_random`: CRC32(key) % n),
//              key = VIN: 100% on the wrong partition, since no VIN of the set has CRC32 = murmur2;
//   lowercase  kafkajs's default partitioner, key = the VIN in lower case: 100% key-not-vin.
// Each placement is counted as the producer makes it (the partitioner is wrapped) and checked with the
// contract's own `placementProblem`. A detector (createApp, fresh group, fresh Redis prefix on a
// PRIVATE redis-server, Redis flushed between cases) then runs over each case until it has handled
// every input record and every re-routed one (zm_detector_events_in_total per topic); events/s are
// input records over the time from its first event to that point. A warm-up detector goes over the
// first case first (not counted), so JIT warm-up does not penalise whichever case runs first.
// Correctness: the distinct alert ids of every case must be the same set; the group's lag must be 0 on
// all four topics after the detector stopped. Prints a table and one JSON line.
// ZM_BENCH_CPU_PROFILE=<prefix>: a V8 CPU profile of each counted case, <prefix>-<case>.cpuprofile.
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type Admin, type ICustomPartitioner } from 'kafkajs';
import { stackAddresses, consumerGroupLag, createLogger } from '@zmwatch/kit';
import {
  contractPartition,
  createCodec,
  dlqTopicFor,
  placementProblem,
  repartitionTopicFor,
  TOPICS,
} from '@zmwatch/schemas';
import { createApp, type DetectorConfig } from '@zmwatch/detector';
import { createBenchData } from './lib/bench-data.js';
import {
  benchDetectorConfig,
  counter,
  counterBy,
  ensureDetectorNodeFlags,
  metricValues,
  readAlertIds,
  startProfile,
  timeAppUntil,
} from './lib/detector-harness.js';
import { commandCalls, redisCpuSeconds, startPrivateRedis } from './lib/private-redis.js';

await ensureDetectorNodeFlags();

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const REGISTRATIONS = Number(process.argv[2] ?? 200_000);
const DECLARATIONS = Number(process.argv[3] ?? 20_000);
const PARTITIONS = 6;
const BUCKETS_PER_PARTITION = Number(process.env.ZM_BENCH_BUCKETS_PER_PARTITION ?? 683);
const VELOCITY_BUCKETS_PER_PARTITION = Number(process.env.ZM_BENCH_VELOCITY_BUCKETS_PER_PARTITION ?? 1024);
const PARTITIONS_CONCURRENTLY = Number(process.env.ZM_DETECTOR_PARTITIONS_CONCURRENTLY ?? 3);
const BROKERS = stackAddresses().brokers;
const MAX_SECONDS_PER_CASE = 600;
const id = `zmbench-rr-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
// 'error': the detector's warnings (its periodic re-route notice among them) would interleave with the table.
const logger = createLogger('reroute-bench', 'error');

if (DECLARATIONS > REGISTRATIONS) throw new Error('declarations must not exceed registrations');

/** librdkafka's placement of a record with a non-empty key (`consistent_random`, `consistent`). */
const crc32Partition = (key: string, n: number) => crc32(Buffer.from(key, 'utf8')) % n;

interface CaseSpec {
  name: string;
  about: string;
  keyOf: (vin: string) => string;
  partitioner: ICustomPartitioner;
}
const CASES: CaseSpec[] = [
  {
    name: 'contract',
    about: 'murmur2 (kafkajs default), key = VIN',
    keyOf: (vin) => vin,
    partitioner: Partitioners.DefaultPartitioner,
  },
  {
    name: 'crc32',
    about: 'CRC32 (librdkafka default), key = VIN',
    keyOf: (vin) => vin,
    partitioner:
      () =>
      ({ message, partitionMetadata }) =>
        crc32Partition(String(message.key), partitionMetadata.length),
  },
  {
    name: 'lowercase',
    about: 'murmur2 (kafkajs default), key = lower-case VIN',
    keyOf: (vin) => vin.toLowerCase(),
    partitioner: Partitioners.DefaultPartitioner,
  },
];
const wanted = (process.argv[4] ?? CASES.map((c) => c.name).join(',')).split(',');
const cases = wanted.map((n) => {
  const c = CASES.find((k) => k.name === n);
  if (!c) throw new Error(`unknown case "${n}" (cases: ${CASES.map((k) => k.name).join(', ')})`);
  return c;
});

const topicsOf = (caseName: string) => {
  const base = `${id}-${caseName}`;
  return {
    registrations: `${base}.registrations`,
    declarations: `${base}.declarations`,
    alerts: `${base}.alerts`,
  };
};
const fourTopics = (t: DetectorConfig['topics']) => [
  t.registrations,
  t.declarations,
  repartitionTopicFor(t.registrations),
  repartitionTopicFor(t.declarations),
];
const allTopicsOf = (t: DetectorConfig['topics']) => [
  ...fourTopics(t),
  t.alerts,
  dlqTopicFor(t.registrations),
  dlqTopicFor(t.declarations),
];

/**
 * Creates topics and waits until each has a leader for every partition. A busy broker (other users of
 * the shared stack deleting and creating topics) sometimes answers "does not host this
 * topic-partition" while it settles: retried for up to 60 s.
 */
async function createTopics(admin: Admin, topics: Array<{ topic: string; numPartitions: number }>) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.topic));
      if (missing.length > 0) await admin.createTopics({ waitForLeaders: false, topics: missing });
      const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const ready = meta.topics.every(
        (t) =>
          t.partitions.length === topics.find((x) => x.topic === t.name)!.numPartitions &&
          t.partitions.every((p) => p.leader >= 0),
      );
      if (ready && meta.topics.length === topics.length) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics not ready after 60 s: ${topics.map((t) => t.topic).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Produced {
  records: number;
  /** Records off the contract by `placementProblem`, by reason, as the producer placed them. */
  misplaced: Map<string, number>;
  seconds: number;
}

/** Produces the whole data set to a case's input topics, counting where its partitioner put each record. */
async function produceCase(
  kafka: Kafka,
  spec: CaseSpec,
  topics: DetectorConfig['topics'],
  registrations: ReadonlyArray<{ vin: string; value: Buffer }>,
  declarations: ReadonlyArray<{ vin: string; value: Buffer }>,
): Promise<Produced> {
  const misplaced = new Map<string, number>();
  const vinOfValue = new Map<Buffer, string>();
  const partitioner: ICustomPartitioner = () => {
    const inner = spec.partitioner();
    return (args) => {
      const p = inner(args);
      const vin = vinOfValue.get(args.message.value as Buffer);
      if (vin === undefined) throw new Error('partitioner: a message the bench did not send');
      const problem = placementProblem(String(args.message.key), vin, p, args.partitionMetadata.length);
      if (problem) misplaced.set(problem, (misplaced.get(problem) ?? 0) + 1);
      return p;
    };
  };
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: partitioner });
  await producer.connect();
  const t0 = performance.now();
  try {
    for (const [topic, records] of [
      [topics.registrations, registrations],
      [topics.declarations, declarations],
    ] as const) {
      for (let i = 0; i < records.length; i += 5000) {
        const chunk = records.slice(i, i + 5000);
        for (const r of chunk) vinOfValue.set(r.value, r.vin);
        await producer.send({
          topic,
          acks: 1,
          messages: chunk.map((r) => ({ key: spec.keyOf(r.vin), value: r.value })),
        });
        vinOfValue.clear();
      }
    }
  } finally {
    await producer.disconnect();
  }
  return {
    records: registrations.length + declarations.length,
    misplaced,
    seconds: (performance.now() - t0) / 1000,
  };
}

interface CaseResult {
  case: string;
  about: string;
  inputRecords: number;
  misplacedAtProduce: number;
  misplacedShare: number;
  rerouted: number;
  reroutedByReason: Record<string, number>;
  repartitionTopicRecords: number;
  handledInput: number;
  handledRepartition: number;
  seconds: number;
  eventsPerSec: number;
  detectorCpuMicrosPerEvent: number;
  redisCpuMicrosPerEvent: number;
  stepSeconds: Record<string, number>;
  /**
   * State writes: calls of the all-or-nothing Lua write (EVALSHA, one per handled batch that changed
   * state), and input records per such call (smaller batches: more calls, more bucket bytes rewritten).
   */
  stateWrites: number;
  inputRecordsPerStateWrite: number;
  /** MGET calls (state buckets not cached, velocity of other partitions). */
  redisMgets: number;
  alerts: number;
  alertMessages: number;
  distinctAlertIds: number;
  /** Alert messages beyond one per alert id (at-least-once re-sends). */
  physicalDuplicates: number;
  lagAfter: number;
  alertIds: Set<string>;
}

async function runDetector(
  kafka: Kafka,
  admin: Admin,
  redis: Redis,
  redisUrl: string,
  spec: CaseSpec,
  topics: DetectorConfig['topics'],
  produced: Produced,
  prefix: string,
  profileFile: string | undefined,
): Promise<CaseResult> {
  await redis.flushall();
  const config = benchDetectorConfig({
    brokers: BROKERS,
    redis: { url: redisUrl },
    topics,
    prefix,
    runId: `${id}-${prefix}`,
    bucketsPerPartition: BUCKETS_PER_PARTITION,
    velocityBucketsPerPartition: VELOCITY_BUCKETS_PER_PARTITION,
    partitionsConcurrently: PARTITIONS_CONCURRENTLY,
  });
  const app = createApp(config, { logger });
  const inputs = new Set([topics.registrations, topics.declarations]);
  const handled = async () => {
    let input = 0;
    let repartition = 0;
    for (const [topic, n] of await counterBy(app, 'zm_detector_events_in_total', 'topic')) {
      if (inputs.has(topic)) input += n;
      else repartition += n;
    }
    return { input, repartition, rerouted: await counter(app, 'zm_detector_rerouted_total') };
  };
  const cpuBefore = process.cpuUsage();
  const redisCpuBefore = await redisCpuSeconds(redis);
  const callsBefore = await commandCalls(redis);
  const stopProfile = await startProfile(profileFile);
  const timed = await timeAppUntil(
    app,
    async () => {
      const h = await handled();
      return h.input >= produced.records && h.repartition >= h.rerouted;
    },
    MAX_SECONDS_PER_CASE,
  );
  await stopProfile();
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = (await redisCpuSeconds(redis)) - redisCpuBefore;
  const callsAfter = await commandCalls(redis);
  const calls = (cmd: string) => (callsAfter.get(cmd) ?? 0) - (callsBefore.get(cmd) ?? 0);
  const stateWrites = calls('evalsha') + calls('eval');
  if (timed.capped) throw new Error(`case ${spec.name}: not all input handled in ${MAX_SECONDS_PER_CASE} s`);
  const h = await handled();
  const reasons = await counterBy(app, 'zm_detector_rerouted_total', 'reason');
  const steps = await metricValues(app, 'zm_detector_step_seconds_total');
  const alerts = await counter(app, 'zm_detector_alerts_total');
  await app.stop();
  const lag = await consumerGroupLag(admin, config.groupId, fourTopics(topics));
  let repartitionTopicRecords = 0;
  for (const t of [repartitionTopicFor(topics.registrations), repartitionTopicFor(topics.declarations)])
    for (const p of await admin.fetchTopicOffsets(t))
      repartitionTopicRecords += Number(p.high) - Number(p.low);
  const read = await readAlertIds(kafka, topics.alerts, alerts);
  const misplacedAtProduce = [...produced.misplaced.values()].reduce((s, n) => s + n, 0);
  return {
    case: spec.name,
    about: spec.about,
    inputRecords: produced.records,
    misplacedAtProduce,
    misplacedShare: +(misplacedAtProduce / produced.records).toFixed(4),
    rerouted: h.rerouted,
    reroutedByReason: Object.fromEntries(reasons),
    repartitionTopicRecords,
    handledInput: h.input,
    handledRepartition: h.repartition,
    seconds: +timed.seconds.toFixed(2),
    eventsPerSec: Math.round(produced.records / timed.seconds),
    // Whole-case CPU (start-up and group join included).
    detectorCpuMicrosPerEvent: +((cpu.user + cpu.system) / produced.records).toFixed(2),
    redisCpuMicrosPerEvent: +((redisCpu * 1e6) / produced.records).toFixed(2),
    stateWrites,
    inputRecordsPerStateWrite: +(produced.records / stateWrites).toFixed(1),
    redisMgets: calls('mget'),
    stepSeconds: Object.fromEntries(steps.map((v) => [String(v.labels.step), +v.value.toFixed(2)])),
    alerts,
    alertMessages: read.messages,
    distinctAlertIds: read.ids.size,
    physicalDuplicates: read.messages - read.ids.size,
    lagAfter: lag.total,
    alertIds: read.ids,
  };
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: id, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  const redis = await startPrivateRedis();
  const r = new Redis(redis.url);
  try {
    // Same seeded data as detector-bench, only VINs that CRC32 and murmur2 put on different partitions.
    const data = createBenchData({
      registrations: REGISTRATIONS,
      acceptVin: (vin) => crc32Partition(vin, PARTITIONS) !== contractPartition(vin, PARTITIONS),
    });
    const codec = await createCodec();
    const registrations = data.vins.map((vin, k) => ({
      vin,
      value: codec.encode(TOPICS.registrations, data.registrationFor(k)),
    }));
    const declarations = data.vins.slice(0, DECLARATIONS).map((vin, k) => ({
      vin,
      value: codec.encode(TOPICS.declarations, data.declarationFor(vin, k, data.now, k % 2 === 0)),
    }));
    // The warm-up detector gets topics of its own (the contract placement): re-routed records of a
    // shared input would be read again by the counted run from its repartition topics.
    const warmSpec = { ...CASES[0]!, name: 'warm' };
    for (const spec of [warmSpec, ...cases]) {
      const t = topicsOf(spec.name);
      const names = allTopicsOf(t);
      created.push(...names);
      await createTopics(
        admin,
        names.map((topic) => ({ topic, numPartitions: topic.endsWith('.dlq') ? 1 : PARTITIONS })),
      );
    }
    const produced = new Map<string, Produced>();
    for (const spec of [warmSpec, ...cases]) {
      const p = await produceCase(kafka, spec, topicsOf(spec.name), registrations, declarations);
      produced.set(spec.name, p);
      console.error(
        `produced ${spec.name} (${spec.about}): ${p.records} records in ${p.seconds.toFixed(1)} s, misplaced ${JSON.stringify(Object.fromEntries(p.misplaced))}`,
      );
    }

    const warm = await runDetector(
      kafka,
      admin,
      r,
      redis.url,
      warmSpec,
      topicsOf(warmSpec.name),
      produced.get(warmSpec.name)!,
      'zmwarm',
      undefined,
    );
    console.error(`warm-up (contract placement, own topics): ${warm.eventsPerSec} events/s (not counted)`);

    const results: CaseResult[] = [];
    for (const spec of cases) {
      const profile = process.env.ZM_BENCH_CPU_PROFILE;
      const res = await runDetector(
        kafka,
        admin,
        r,
        redis.url,
        spec,
        topicsOf(spec.name),
        produced.get(spec.name)!,
        `zm${spec.name}`,
        profile ? `${profile}-${spec.name}.cpuprofile` : undefined,
      );
      results.push(res);
      console.error(
        `${spec.name}: ${res.eventsPerSec} events/s, re-routed ${res.rerouted}, ${res.distinctAlertIds} distinct alert ids, steps ${JSON.stringify(res.stepSeconds)}`,
      );
    }

    const base = results[0]!;
    const sameAs = (x: CaseResult) =>
      x.alertIds.size === base.alertIds.size && [...x.alertIds].every((a) => base.alertIds.has(a));
    const sameAlertIds = results.every(sameAs);
    const ratio = (x: CaseResult) => +(x.eventsPerSec / base.eventsPerSec).toFixed(3);
    const cpuRatio = (x: CaseResult) =>
      +(x.detectorCpuMicrosPerEvent / base.detectorCpuMicrosPerEvent).toFixed(3);

    console.log(
      `re-route cost benchmark (${REGISTRATIONS} registrations + ${DECLARATIONS} declarations = ${base.inputRecords} input records per case, ${PARTITIONS} partitions, ${PARTITIONS_CONCURRENTLY} concurrently, private redis-server)`,
    );
    const header = [
      'case',
      'placement',
      'misplaced',
      're-routed',
      'handled in+rep',
      'seconds',
      'events/s',
      `ratio /${base.case}`,
      'cpu µs/ev',
      `cpu /${base.case}`,
      'redis µs/ev',
      'state writes',
      'ev/write',
      'alert ids',
      'same ids',
      'lag',
    ];
    const rows = results.map((x) => [
      x.case,
      x.about,
      `${(x.misplacedShare * 100).toFixed(1)}%`,
      String(x.rerouted),
      `${x.handledInput}+${x.handledRepartition}`,
      x.seconds.toFixed(2),
      String(x.eventsPerSec),
      ratio(x).toFixed(3),
      x.detectorCpuMicrosPerEvent.toFixed(1),
      cpuRatio(x).toFixed(3),
      x.redisCpuMicrosPerEvent.toFixed(1),
      String(x.stateWrites),
      x.inputRecordsPerStateWrite.toFixed(1),
      String(x.distinctAlertIds),
      sameAs(x) ? 'yes' : 'NO',
      String(x.lagAfter),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    console.log(
      `alert ids: ${sameAlertIds ? 'the same set in every case' : 'DIFFERENT between cases'} (${results.map((x) => `${x.case} ${x.distinctAlertIds}`).join(', ')}; ${DECLARATIONS} declarations)`,
    );

    const byCase = Object.fromEntries(
      results.map(({ alertIds: _ids, case: name, ...rest }) => [
        name,
        { ...rest, ratioToBaseline: ratio(results.find((x) => x.case === name)!) },
      ]),
    );
    const crc = results.find((x) => x.case === 'crc32');
    const figures = {
      bench: 'reroute',
      registrations: REGISTRATIONS,
      declarations: DECLARATIONS,
      inputRecordsPerCase: base.inputRecords,
      partitions: PARTITIONS,
      partitionsConcurrently: PARTITIONS_CONCURRENTLY,
      baseline: base.case,
      warmupEventsPerSec: warm.eventsPerSec,
      ...(crc && base.case === 'contract' ? { ratioMisplacedToContract: ratio(crc) } : {}),
      sameAlertIds,
      cases: byCase,
    };
    console.log(JSON.stringify(figures));
    if (!sameAlertIds || results.some((x) => x.lagAfter !== 0)) process.exitCode = 1;
  } finally {
    r.disconnect();
    await redis.stop();
    // The detector creates the repartition topics itself when missing; every name is ours.
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
