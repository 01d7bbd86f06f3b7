// Detector benchmark, one run, same data for every figure:
//   node --import tsx bench/detector-bench.ts [registrations=200000] [declarations=20000] [phases=raw,batched,latency,naive,format]
// Uses the shared Kafka (unique topics, deleted afterwards) and a PRIVATE redis-server on a free port
// (so INFO memory is not polluted by other users of the shared Redis). Prints a table and one JSON line.
//   1. raw kafkajs consume of all input messages (eachBatch, count, resolve) — the ceiling — then the
//      same with Avro decoding, and the "floor" of any detector: its decode, grouping by VIN and one
//      packed state per VIN, no Redis (what a detector costs before it keeps any state);
//   2. the detector (batched pipeline) over the same messages: events/s, Redis bytes per tracked VIN;
//   3. detection latency at a steady produce rate (p50/p99 of detectedAt - declaration produce time);
//   4. the naive variant (bench/lib/bench-detector.ts: the same pipeline fed one event at a time, no
//      bucket cache: 2-3 Redis round trips per event), same messages;
//   5. the state format: packed string buckets (production) vs a small Redis hash per bucket
//      (bench/lib/hash-state-store.ts), both batched through bench/lib/bench-detector.ts, same messages.
// Re-executes itself with the detector's node flags (DETECTOR_NODE_FLAGS) when started without them.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { stackAddresses, createLogger } from '@zmwatch/kit';
import { DAY_MS, createCodec, TOPICS, type Alert } from '@zmwatch/schemas';
import {
  createApp,
  createDecoder,
  packState,
  parseBucket,
  VELOCITY_KEY_CHARS,
  type DetectorConfig,
  type DetectorEvent,
} from '@zmwatch/detector';
import { createBenchData, vinOf } from './lib/bench-data.js';
import {
  benchDetectorConfig,
  counter,
  ensureDetectorNodeFlags,
  startProfile,
  timeApp,
} from './lib/detector-harness.js';
import { createBenchDetector } from './lib/bench-detector.js';
import { createHashStateStore } from './lib/hash-state-store.js';
import {
  memoryField,
  redisCpuSeconds as redisCpu,
  startPrivateRedis,
  usedMemory,
} from './lib/private-redis.js';

// The detector runs in this process: give it the heap flags it runs with in production.
await ensureDetectorNodeFlags();

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const REGISTRATIONS = Number(process.argv[2] ?? 200_000);
const DECLARATIONS = Number(process.argv[3] ?? 20_000);
const PHASES = new Set((process.argv[4] ?? 'raw,batched,latency,naive,format').split(','));
const LATENCY_SECONDS = 15;
const LATENCY_PAIRS_PER_SECOND = 200;
const NAIVE_MAX_SECONDS = 30;
const FORMAT_ROUNDS = Number(process.env.ZM_BENCH_FORMAT_ROUNDS ?? 2);
const PARTITIONS = 6;
// ~4096 state buckets in all, ~49 VINs each over 200,000 registrations.
const BUCKETS_PER_PARTITION = Number(process.env.ZM_BENCH_BUCKETS_PER_PARTITION ?? 683);
const VELOCITY_BUCKETS_PER_PARTITION = Number(process.env.ZM_BENCH_VELOCITY_BUCKETS_PER_PARTITION ?? 1024);
// Same default as the detector's ZM_DETECTOR_PARTITIONS_CONCURRENTLY.
const PARTITIONS_CONCURRENTLY = Number(process.env.ZM_DETECTOR_PARTITIONS_CONCURRENTLY ?? 3);
const BROKERS = stackAddresses().brokers;
const id = `zmbench-det-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const logger = createLogger('detector-bench', 'warn');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- deterministic data (bench/lib/bench-data.ts, seed 7) ------------------------------------------
const data = createBenchData({ registrations: REGISTRATIONS });
const { vins, now } = data;
const registrationFor = data.registrationFor;
const declarationFor = data.declarationFor;

// ---- helpers --------------------------------------------------------------------------------------
function config(
  mode: 'batched' | 'naive',
  redisUrl: string,
  topics: DetectorConfig['topics'],
  prefix: string,
): DetectorConfig {
  return benchDetectorConfig({
    mode,
    brokers: BROKERS,
    redis: { url: redisUrl },
    topics,
    prefix,
    runId: id,
    bucketsPerPartition: BUCKETS_PER_PARTITION,
    velocityBucketsPerPartition: VELOCITY_BUCKETS_PER_PARTITION,
    partitionsConcurrently: PARTITIONS_CONCURRENTLY,
  });
}
interface StateFormatFigures {
  eventsPerSec: number;
  /** Alerts produced (the same for every format, or a variant is wrong). */
  alerts: number;
  trackedVins: number;
  bytesPerTrackedVin: number;
  stateBytesPerVin: number;
  velocityBytesPerVin: number;
  /** OBJECT ENCODING of a sample of the state buckets (hash: listpack until a value passes 64 bytes). */
  encodings: string[];
  redisCpuSeconds: number;
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

// ---- run ------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: id, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = {
    registrations: `${id}.registrations`,
    declarations: `${id}.declarations`,
    alerts: `${id}.alerts`,
  };
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.registrations, numPartitions: PARTITIONS },
      { topic: topics.declarations, numPartitions: PARTITIONS },
      { topic: topics.alerts, numPartitions: 6 },
      { topic: `${topics.registrations}.dlq`, numPartitions: 1 },
      { topic: `${topics.declarations}.dlq`, numPartitions: 1 },
    ],
  });
  const redis = await startPrivateRedis();
  const r = new Redis(redis.url);
  const codec = await createCodec();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // Preload: every registration, then declarations for the first DECLARATIONS VINs (half suspicious).
    const t0 = performance.now();
    for (let i = 0; i < REGISTRATIONS; i += 5000) {
      const messages = [];
      for (let k = i; k < Math.min(REGISTRATIONS, i + 5000); k++)
        messages.push({ key: vins[k]!, value: codec.encode(TOPICS.registrations, registrationFor(k)) });
      await producer.send({ topic: topics.registrations, acks: 1, messages });
    }
    for (let i = 0; i < DECLARATIONS; i += 5000) {
      const messages = [];
      for (let k = i; k < Math.min(DECLARATIONS, i + 5000); k++) {
        messages.push({
          key: vins[k]!,
          value: codec.encode(TOPICS.declarations, declarationFor(vins[k]!, k, now, k % 2 === 0)),
        });
      }
      await producer.send({ topic: topics.declarations, acks: 1, messages });
    }
    const total = REGISTRATIONS + DECLARATIONS;
    console.error(`preloaded ${total} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // 1. raw kafkajs consume (the ceiling), and the same with Avro decoding (the floor of any consumer).
    // 'floor' adds what any detector must do per event before touching state: the detector's own
    // decode (Avro + VIN check), grouping by VIN and packing one state string per VIN (no Redis).
    const floorDecode = createDecoder(codec, topics);
    async function rawConsume(work: 'none' | 'decode' | 'floor'): Promise<number> {
      const raw = kafka.consumer({ groupId: `${id}-raw-${work}`, maxBytesPerPartition: 1_048_576 });
      await raw.connect();
      await raw.subscribe({ topics: [topics.registrations, topics.declarations], fromBeginning: true });
      let count = 0;
      let first = 0;
      let last = 0;
      await raw.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          if (first === 0) first = performance.now();
          const topic = batch.topic === topics.registrations ? TOPICS.registrations : TOPICS.declarations;
          if (work === 'floor') {
            const byVin = new Map<string, DetectorEvent[]>();
            for (const m of batch.messages) {
              const e = floorDecode(m, batch.topic, batch.partition) as DetectorEvent; // embedded catalog: sync
              const list = byVin.get(e.event.vin);
              if (list) list.push(e);
              else byVin.set(e.event.vin, [e]);
            }
            for (const [vin, events] of byVin) {
              const e = events[0]!;
              if (e.kind !== 'registration') continue;
              const r = e.event;
              const state = {
                expireAt: Math.floor(e.arrival / 1000) + 86_400,
                registration: {
                  time: r.eventTime,
                  jurisdiction: r.jurisdiction,
                  partyId: r.party.id,
                  partyType: r.party.type,
                  condition: r.condition,
                },
                declarations: [],
              };
              floorStates.set(vin, packState(state, 0));
            }
          }
          for (const m of batch.messages) {
            if (work === 'decode') codec.decodeSync(m.value, topic);
            count++;
            resolveOffset(m.offset);
          }
          await heartbeat();
          last = performance.now();
        },
      });
      while (count < total) await sleep(10);
      await raw.disconnect();
      return total / ((last - first) / 1000);
    }
    const floorStates = new Map<string, string>();
    let rawRate = NaN;
    let rawDecodeRate = NaN;
    let floorRate = NaN;
    if (PHASES.has('raw')) {
      rawRate = await rawConsume('none');
      rawDecodeRate = await rawConsume('decode');
      floorRate = await rawConsume('floor');
      console.error(
        `raw consume: ${Math.round(rawRate)} events/s; with Avro decode ${Math.round(rawDecodeRate)}; floor (decode+group+pack) ${Math.round(floorRate)} (${floorStates.size} states)`,
      );
      floorStates.clear();
    }

    /** One state format through the bench composition: throughput, Redis memory and CPU. */
    async function measureFormat(format: 'string' | 'hash'): Promise<StateFormatFigures> {
      await r.flushall();
      const prefix = format === 'string' ? 'zmfs' : 'zmfh';
      const before = await usedMemory(r);
      const cpuBefore = await redisCpu(r);
      const app = createBenchDetector(config('batched', redis.url, topics, prefix), PARTITIONS, logger, {
        perEvent: false,
        ...(format === 'hash'
          ? { store: (c, cfg, partitions) => createHashStateStore(c, cfg.keys, partitions) }
          : {}),
      });
      const run = await timeApp(app, total);
      const alerts = await counter(app, 'zm_detector_alerts_total');
      await app.stop();
      const redisCpuSeconds = +((await redisCpu(r)) - cpuBefore).toFixed(2);
      await sleep(300);
      const delta = (await usedMemory(r)) - before;
      const [s, v] = format === 'string' ? ['s', 'v'] : ['hs', 'hv'];
      const keys = (kind: string, n: number) =>
        Array.from({ length: PARTITIONS * n }, (_, i) => `${prefix}:{p${Math.floor(i / n)}}:${kind}${i % n}`);
      const stateKeys = keys(s, BUCKETS_PER_PARTITION);
      const bytes = async (list: string[]) => {
        const p = r.pipeline();
        for (const k of list) p.memory('USAGE', k, 'SAMPLES', 0);
        return (await p.exec())!.reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
      };
      let vins = 0;
      if (format === 'string')
        for (const blob of (await r.mget(...stateKeys)) as Array<string | null>)
          vins += parseBucket(blob).entries.size;
      else {
        const p = r.pipeline();
        for (const k of stateKeys) p.hlen(k);
        for (const [, n] of (await p.exec())!) vins += Math.max(0, Number(n) - 1); // minus the version field
      }
      const encodings = new Set<string>();
      for (let b = 0; b < stateKeys.length; b += Math.max(1, Math.floor(stateKeys.length / 64)))
        encodings.add(String(await r.object('ENCODING', stateKeys[b]!)));
      return {
        eventsPerSec: Math.round(run.events / run.seconds),
        alerts,
        trackedVins: vins,
        bytesPerTrackedVin: +(delta / vins).toFixed(1),
        stateBytesPerVin: +((await bytes(stateKeys)) / vins).toFixed(1),
        velocityBytesPerVin: +((await bytes(keys(v, VELOCITY_BUCKETS_PER_PARTITION))) / vins).toFixed(1),
        encodings: [...encodings],
        redisCpuSeconds,
      };
    }

    // 2. detector, batched.
    await r.flushall();
    const memBefore = await usedMemory(r);
    const clientsBefore = await memoryField(r, 'mem_clients_normal');
    const app = createApp(config('batched', redis.url, topics, 'zm'), { logger });
    const cpuBefore = process.cpuUsage();
    const redisCpuBefore = await redisCpu(r);
    const stopProfile = await startProfile(process.env.ZM_BENCH_CPU_PROFILE);
    const batched = await timeApp(app, total);
    await stopProfile();
    const cpu = process.cpuUsage(cpuBefore);
    // Whole-phase CPU (includes start-up and the consumer group join), to see which process is the limit.
    const detectorCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const redisCpuSeconds = (await redisCpu(r)) - redisCpuBefore;
    const batchedRate = batched.events / batched.seconds;
    const roundTrips = await counter(app, 'zm_detector_redis_round_trips_total');
    const steps = (
      await (
        app.registry.getSingleMetric('zm_detector_step_seconds_total') as unknown as {
          get(): Promise<{ values: Array<{ value: number; labels: { step?: string } }> }>;
        }
      ).get()
    ).values;
    const stepSeconds = Object.fromEntries(steps.map((v) => [v.labels.step, +v.value.toFixed(2)]));
    console.error(
      `batched wall ${batched.seconds.toFixed(1)} s, cpu: detector ${detectorCpuSeconds.toFixed(1)} s, redis ${redisCpuSeconds.toFixed(1)} s, steps ${JSON.stringify(stepSeconds)}`,
    );
    await sleep(300);
    const memAfter = await usedMemory(r);
    let tracked = 0;
    let stateBytes = 0;
    const stateKeys: string[] = [];
    for (let p = 0; p < PARTITIONS; p++)
      for (let b = 0; b < BUCKETS_PER_PARTITION; b++) stateKeys.push(`zm:{p${p}}:s${b}`);
    const blobs = (await r.mget(...stateKeys)) as Array<string | null>;
    for (const blob of blobs) tracked += parseBucket(blob).entries.size;
    const mu = r.pipeline();
    for (const k of stateKeys) mu.memory('USAGE', k, 'SAMPLES', 0);
    for (const [, n] of (await mu.exec())!) stateBytes += Number(n ?? 0);
    let velocityBytes = 0;
    let velocityFields = 0;
    const velocityKeys: string[] = [];
    for (let p = 0; p < PARTITIONS; p++)
      for (let b = 0; b < VELOCITY_BUCKETS_PER_PARTITION; b++) velocityKeys.push(`zm:{p${p}}:v${b}`);
    for (const blob of (await r.mget(...velocityKeys)) as Array<string | null>)
      velocityFields += parseBucket(blob, VELOCITY_KEY_CHARS).entries.size;
    const vu = r.pipeline();
    for (const k of velocityKeys) vu.memory('USAGE', k, 'SAMPLES', 0);
    for (const [, n] of (await vu.exec())!) velocityBytes += Number(n ?? 0);
    const encodings = new Set<string>();
    for (let b = 0; b < BUCKETS_PER_PARTITION; b += Math.max(1, Math.floor(BUCKETS_PER_PARTITION / 16)))
      encodings.add(String(await r.object('ENCODING', `zm:{p0}:s${b}`)));
    // What used_memory holds besides the buckets: client buffers (the detector's connection keeps
    // the query buffer of its largest request), scripts, and every other key (entity windows).
    const clientsBytes = (await memoryField(r, 'mem_clients_normal')) - clientsBefore;
    const scriptsBytes = await memoryField(r, 'used_memory_scripts');
    let otherKeys = 0;
    let otherKeyBytes = 0;
    for await (const batch of r.scanStream({ count: 1000 }) as AsyncIterable<string[]>) {
      const others = batch.filter((k) => !/^zm:\{p\d+\}:[sv]\d+$/.test(k));
      if (others.length === 0) continue;
      const ou = r.pipeline();
      for (const k of others) ou.memory('USAGE', k, 'SAMPLES', 0);
      for (const [, n] of (await ou.exec())!) otherKeyBytes += Number(n ?? 0);
      otherKeys += others.length;
    }
    console.error(`detector batched: ${Math.round(batchedRate)} events/s, ${tracked} VINs tracked`);

    // 3. latency at a steady rate, detector still running: pairs of (registration, declaration).
    let detection: number[] = [];
    let endToEnd: number[] = [];
    let latCount = 0;
    if (PHASES.has('latency')) {
      const latCodec = codec;
      const alertsSeen: Array<{ alert: Alert; at: number }> = [];
      const alertConsumer = kafka.consumer({ groupId: `${id}-alerts`, maxWaitTimeInMs: 50 });
      await alertConsumer.connect();
      await alertConsumer.subscribe({ topic: topics.alerts, fromBeginning: false });
      await alertConsumer.run({
        eachMessage: async ({ message }) =>
          void alertsSeen.push({
            alert: latCodec.decodeSync(message.value, TOPICS.alerts).record,
            at: Date.now(),
          }),
      });
      await sleep(3000); // joined (fromBeginning false: only new alerts)
      const latencyVins = new Set<string>();
      const tickMs = 50;
      const perTick = (LATENCY_PAIRS_PER_SECOND * tickMs) / 1000;
      let j = 0;
      const latStart = Date.now();
      while (Date.now() - latStart < LATENCY_SECONDS * 1000) {
        const tickStart = Date.now();
        const regs = [];
        const decls = [];
        for (let k = 0; k < perTick; k++, j++) {
          const vin = vinOf('LGXLATNC', j);
          latencyVins.add(vin);
          const reg = {
            ...registrationFor(j),
            eventId: `lat-reg-${j}`,
            vin,
            eventTime: tickStart - 5 * DAY_MS,
          };
          regs.push({ key: vin, value: codec.encode(TOPICS.registrations, reg) });
          decls.push({
            key: vin,
            value: codec.encode(TOPICS.declarations, declarationFor(vin, 90_000_000 + j, Date.now(), true)),
          });
        }
        await producer.sendBatch({
          acks: 1,
          topicMessages: [
            { topic: topics.registrations, messages: regs },
            { topic: topics.declarations, messages: decls },
          ],
        });
        await sleep(Math.max(0, tickMs - (Date.now() - tickStart)));
      }
      const deadline = Date.now() + 20_000;
      while (
        alertsSeen.filter((a) => latencyVins.has(a.alert.vin)).length < latencyVins.size &&
        Date.now() < deadline
      )
        await sleep(50);
      const lat = alertsSeen.filter((a) => latencyVins.has(a.alert.vin));
      detection = lat.map((a) => a.alert.detectedAt - a.alert.declarationTime);
      endToEnd = lat.map((a) => a.at - a.alert.declarationTime);
      await alertConsumer.disconnect();
      latCount = lat.length;
      console.error(`latency: ${lat.length}/${latencyVins.size} alerts`);
    }
    await app.stop();

    // 4. naive variant over the same preloaded messages (time-capped).
    let naive = { events: 0, seconds: NaN };
    let naiveRoundTrips = NaN;
    if (PHASES.has('naive')) {
      await r.flushall();
      const naiveApp = createBenchDetector(config('naive', redis.url, topics, 'zmn'), PARTITIONS, logger, {
        perEvent: true,
      });
      naive = await timeApp(naiveApp, total, NAIVE_MAX_SECONDS);
      naiveRoundTrips = await counter(naiveApp, 'zm_detector_redis_round_trips_total');
      await naiveApp.stop();
    }
    const naiveRate = naive.events / naive.seconds;

    // 5. state format: packed string buckets (production) vs a small hash per bucket, both through the
    // same bench composition (lib/bench-detector.ts), batched, over the same messages.
    // Alternated (string, hash, string, hash, ...) so a load change on the shared box hits both.
    const formats: Record<string, StateFormatFigures[]> = { string: [], hash: [] };
    if (PHASES.has('format'))
      for (let round = 0; round < FORMAT_ROUNDS; round++)
        for (const format of ['string', 'hash'] as const) formats[format]!.push(await measureFormat(format));

    const figures = {
      bench: 'detector',
      registrations: REGISTRATIONS,
      declarations: DECLARATIONS,
      rawConsumeEventsPerSec: Math.round(rawRate),
      rawConsumeWithDecodeEventsPerSec: Math.round(rawDecodeRate),
      detectorEventsPerSec: Math.round(batchedRate),
      detectorToRawRatio: +(batchedRate / rawRate).toFixed(3),
      detectorToRawWithDecodeRatio: +(batchedRate / rawDecodeRate).toFixed(3),
      floorEventsPerSec: Math.round(floorRate),
      floorToRawRatio: +(floorRate / rawRate).toFixed(3),
      detectorToFloorRatio: +(batchedRate / floorRate).toFixed(3),
      batchedStepSeconds: stepSeconds,
      batchedDetectorCpuSeconds: +detectorCpuSeconds.toFixed(2),
      batchedRedisCpuSeconds: +redisCpuSeconds.toFixed(2),
      redisRoundTripsPerEventBatched: +(roundTrips / batched.events).toFixed(4),
      naiveEventsPerSec: Math.round(naiveRate),
      naiveEvents: naive.events,
      redisRoundTripsPerEventNaive: +(naiveRoundTrips / naive.events).toFixed(2),
      batchedToNaiveRatio: +(batchedRate / naiveRate).toFixed(2),
      latencyAlerts: latCount,
      latencyRatePairsPerSec: LATENCY_PAIRS_PER_SECOND,
      detectionLatencyP50Ms: pct(detection, 50),
      detectionLatencyP99Ms: pct(detection, 99),
      endToEndLatencyP50Ms: pct(endToEnd, 50),
      endToEndLatencyP99Ms: pct(endToEnd, 99),
      trackedVins: tracked,
      usedMemoryDeltaBytes: memAfter - memBefore,
      bytesPerTrackedVin: +((memAfter - memBefore) / tracked).toFixed(1),
      stateBytesPerVin: +(stateBytes / tracked).toFixed(1),
      velocityBytesPerVin: +(velocityBytes / tracked).toFixed(1),
      velocityFields,
      clientBuffersBytesPerVin: +(clientsBytes / tracked).toFixed(1),
      scriptsBytesPerVin: +(scriptsBytes / tracked).toFixed(1),
      otherKeys,
      otherKeysBytesPerVin: +(otherKeyBytes / tracked).toFixed(1),
      stateBucketEncodings: [...encodings],
      stateFormats: formats,
    };
    const row = (k: string, v: string | number) => console.log(`${k.padEnd(52)} ${v}`);
    console.log(
      `detector benchmark (${REGISTRATIONS} registrations + ${DECLARATIONS} declarations, 6 partitions, private redis-server 7.0)`,
    );
    row('raw kafkajs consume (events/s)', figures.rawConsumeEventsPerSec);
    row('detector, batched (events/s)', figures.detectorEventsPerSec);
    row('  ratio detector / raw (target >= 0.5)', figures.detectorToRawRatio);
    row('raw kafkajs consume + Avro decode (events/s)', figures.rawConsumeWithDecodeEventsPerSec);
    row('  ratio detector / raw+decode', figures.detectorToRawWithDecodeRatio);
    row('floor: consume + decode + group + pack, no Redis (events/s)', figures.floorEventsPerSec);
    row('  ratio floor / raw (no detector can beat this)', figures.floorToRawRatio);
    row('  ratio detector / floor', figures.detectorToFloorRatio);
    row('  Redis round trips per event', figures.redisRoundTripsPerEventBatched);
    row(`detector, naive per-event (events/s, first ${naive.events})`, figures.naiveEventsPerSec);
    row('  Redis round trips per event', figures.redisRoundTripsPerEventNaive);
    row('  batched / naive', figures.batchedToNaiveRatio);
    row(
      `detection latency p50 / p99 ms @ ${LATENCY_PAIRS_PER_SECOND} VIN pairs/s`,
      `${figures.detectionLatencyP50Ms} / ${figures.detectionLatencyP99Ms} (target p99 < 250)`,
    );
    row(
      '  end to end (alert consumed) p50 / p99 ms',
      `${figures.endToEndLatencyP50Ms} / ${figures.endToEndLatencyP99Ms}`,
    );
    row('tracked VINs', tracked);
    row('Redis used_memory delta / tracked VIN (target <= 100)', `${figures.bytesPerTrackedVin} bytes`);
    row(
      '  of which VIN state buckets (MEMORY USAGE)',
      `${figures.stateBytesPerVin} bytes (encoding ${figures.stateBucketEncodings.join(',')})`,
    );
    row(
      '  of which registrant velocity counters',
      `${figures.velocityBytesPerVin} bytes (${velocityFields} counters)`,
    );
    row('  of which client buffers (mem_clients_normal delta)', `${figures.clientBuffersBytesPerVin} bytes`);
    row('  of which scripts (used_memory_scripts)', `${figures.scriptsBytesPerVin} bytes`);
    row(
      '  of which other keys (MEMORY USAGE: entity windows, layout)',
      `${figures.otherKeysBytesPerVin} bytes (${otherKeys} keys)`,
    );
    for (const [format, runs] of Object.entries(formats))
      runs.forEach((f, i) =>
        row(
          `state format ${format}, round ${i + 1} (events/s; bytes / VIN)`,
          `${f.eventsPerSec}; ${f.alerts} alerts; used_memory ${f.bytesPerTrackedVin} (state ${f.stateBytesPerVin}, velocity ${f.velocityBytesPerVin}; ${f.encodings.join(',')}); redis cpu ${f.redisCpuSeconds} s`,
        ),
      );
    console.log(JSON.stringify(figures));
  } finally {
    await producer.disconnect();
    r.disconnect();
    await redis.stop();
    await admin
      .deleteTopics({
        topics: [
          topics.registrations,
          topics.declarations,
          topics.alerts,
          `${topics.registrations}.dlq`,
          `${topics.declarations}.dlq`,
        ],
      })
      .catch(() => undefined);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
