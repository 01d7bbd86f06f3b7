// `quality-bench.ts --pipeline N`: the same seeded scenario (N vehicles) through the real detector
// (Kafka + Redis), streamed live in a seeded random interleaving of the two feeds, compared per
// variant (simulator label) with the in-memory model of quality-model.ts on the same vehicles.
// Both sides are scored on their converged verdicts: the pipeline on the latest revision of every
// alert id (ACTIVE = flagged), the model on the last evaluation of every declaration (the replay
// re-evaluates an entity's members when a threshold is crossed, as the pipeline's reach-back does).
// Unique topics, consumer group and Redis key prefix per run; everything is deleted afterwards. The
// detector's processing clock is the wall clock, so declarations that never meet a registration
// (genuine used exports, new-car exports) wait out the grace period: once the input is consumed the
// bench moves the detector's clock past the grace period and runs sweeper ticks.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createApp, internalTopicsOf, type DetectorConfig, type Ruleset } from '@zmwatch/detector';
import { stackAddresses, createLogger } from '@zmwatch/kit';
import { createCodec, TOPICS, type Alert } from '@zmwatch/schemas';
import {
  generateScenario,
  produceToKafka,
  scoreDetections,
  type SimEvent,
  type VehicleTruth,
} from '@zmwatch/simulator';
import { createInMemoryDetector } from '../quality-model.js';

export interface VariantRecall {
  label: string;
  vehicles: number;
  /** Flagged share (recall for zm-* labels, false-positive rate for the others). */
  pipeline: number;
  model: number;
}

export interface PipelineComparison {
  vehicles: number;
  events: number;
  /** Events per second the two feeds were streamed at (live, the detector consuming meanwhile). */
  rate: number;
  pipelineAlertRecords: number;
  pipelineFlaggedVins: number;
  modelFlaggedVins: number;
  pipelineOnly: string[];
  modelOnly: string[];
  pipelinePrecision: number;
  pipelineRecall: number;
  modelPrecision: number;
  modelRecall: number;
  byVariant: VariantRecall[];
  /** Alert ids whose latest revision is > 0, and the reasons of their revisions. */
  revisedAlertIds: number;
  alertIds: number;
  revisionReasons: Record<string, number>;
  /** Redis memory (MEMORY USAGE) of the run's keys at the end, per VIN the model tracks. */
  memory: { trackedVins: number; entityKeys: number; entityBytesPerVin: number; stateBytesPerVin: number };
  seconds: number;
}

/** The two feeds, each in its own order, interleaved at random (seeded): a live arrival order. */
export function interleave(events: readonly SimEvent[], seed: number): SimEvent[] {
  const reg = events.filter((e) => e.topic === TOPICS.registrations);
  const decl = events.filter((e) => e.topic !== TOPICS.registrations);
  let s = seed >>> 0 || 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: SimEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < reg.length || j < decl.length) {
    // Runs of up to 50 records from one feed, then the other: the feeds' producers are independent.
    const fromReg = j >= decl.length || (i < reg.length && rand() < reg.length / events.length);
    const run = 1 + Math.floor(rand() * 50);
    for (let k = 0; k < run; k++) {
      if (fromReg && i < reg.length) out.push(reg[i++]!);
      else if (!fromReg && j < decl.length) out.push(decl[j++]!);
    }
  }
  return out;
}

export async function runPipelineComparison(o: {
  seed: number;
  vehicles: number;
  noise: number | 'default' | 'none';
  ruleset: Ruleset;
  brokers?: string[];
  redisUrl?: string;
  /** Events per second produced (default 3,000). */
  rate?: number;
}): Promise<PipelineComparison> {
  const started = performance.now();
  const brokers = o.brokers ?? stackAddresses().brokers;
  const redisUrl = o.redisUrl ?? stackAddresses().redisUrl;
  const rate = o.rate ?? 3_000;
  const run = `qbench-${randomUUID().slice(0, 8)}`;
  const topics = {
    registrations: `${run}.registrations`,
    declarations: `${run}.declarations`,
    alerts: `${run}.alerts`,
  };
  const codec = await createCodec();
  const scenario = generateScenario({ seed: o.seed, vehicles: o.vehicles, noise: o.noise });
  const events: SimEvent[] = [];
  const truths: VehicleTruth[] = [];
  for (const item of scenario.items()) {
    if (item.kind === 'event') events.push(item.event);
    else if (item.kind === 'vehicle') truths.push(item.truth);
  }

  // The model: the last evaluation of each declaration decides.
  const lastVerdict = new Map<string, { vin: string; alert: boolean }>();
  const model = createInMemoryDetector({
    ruleset: o.ruleset,
    codec,
    startTime: scenario.options.startTime,
    onAlert: () => undefined,
    onEvaluation: (e) => lastVerdict.set(`${e.vin}/${e.declarationId}`, { vin: e.vin, alert: e.alert }),
  });
  for (const e of events) model.accept(e);
  model.finish();
  const modelFlags = new Set([...lastVerdict.values()].filter((v) => v.alert).map((v) => v.vin));

  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const created = [
    topics.registrations,
    topics.declarations,
    topics.alerts,
    `${topics.registrations}.dlq`,
    `${topics.declarations}.dlq`,
  ];
  const internal = internalTopicsOf(topics);
  await admin.createTopics({
    waitForLeaders: true,
    topics: created.map((topic) => ({ topic, numPartitions: topic.endsWith('.dlq') ? 1 : 3 })),
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const alertConsumer = kafka.consumer({ groupId: `${run}-alerts` });
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();

  let skewMs = 0;
  const config: DetectorConfig = {
    brokers,
    clientId: `${run}-detector`,
    groupId: `${run}-detector`,
    topics,
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    maxRetryDelayMs: 2_000,
    redis: { url: redisUrl },
    keys: { prefix: run, bucketsPerPartition: 64, velocityBucketsPerPartition: 64 },
    cacheBuckets: 32_768,
    ruleset: o.ruleset,
    revisionMinIntervalSeconds: 0,
    // The bench drives the sweeper itself (sweepOnce) after moving the clock.
    sweep: { intervalMs: 3_600_000, bucketsPerTick: 64 },
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'error',
  };
  const detector = createApp(config, {
    logger: createLogger('detector', 'error'),
    now: () => Date.now() + skewMs,
  });

  let memory: PipelineComparison['memory'] | undefined;
  const latest = new Map<string, Alert>();
  const reasonsOf = new Map<string, Set<string>>();
  let records = 0;
  let lastAlertAt = performance.now();
  const lagOf = async (names: string[]) => {
    let lag = 0;
    for (const topic of names) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: config.groupId, topics: [topic] });
      for (const p of ends) {
        const c = committed?.partitions.find((x) => x.partition === p.partition)?.offset ?? '-1';
        lag += Number(p.high) - Math.max(0, Number(c));
      }
    }
    return lag;
  };
  const quiet = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`detector did not catch up within ${timeoutMs} ms`);
      const lag = await lagOf([topics.registrations, topics.declarations, ...internal]);
      if (lag === 0 && performance.now() - lastAlertAt > 3_000) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  try {
    await alertConsumer.connect();
    await alertConsumer.subscribe({ topic: topics.alerts, fromBeginning: true });
    await alertConsumer.run({
      eachMessage: async ({ message }) => {
        const a = codec.decodeSync(message.value, TOPICS.alerts).record;
        records++;
        const prev = latest.get(a.alertId);
        if (!prev || a.revision >= prev.revision) latest.set(a.alertId, a);
        if (a.revision > 0) {
          const seen = reasonsOf.get(a.alertId) ?? new Set<string>();
          seen.add(a.revisionReason ?? 'null');
          reasonsOf.set(a.alertId, seen);
        }
        lastAlertAt = performance.now();
      },
    });
    await detector.start();
    await produceToKafka({
      events: interleave(events, o.seed),
      producer,
      codec,
      topics,
      rate,
      maxBatch: 200,
    });
    await quiet(300_000);
    // Let the grace period run out for declarations that never met a registration.
    skewMs = (o.ruleset.timing.gracePeriodSeconds + 3600) * 1000;
    await detector.sweepOnce();
    await detector.sweepOnce();
    lastAlertAt = performance.now();
    await quiet(120_000);
    memory = await memoryOf(redis, run, model.trackedVins());
  } finally {
    await detector.stop().catch(() => undefined);
    await alertConsumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [...created, ...internal] }).catch(() => undefined);
    await admin.deleteGroups([config.groupId, `${run}-alerts`]).catch(() => undefined);
    await admin.disconnect();
    await deleteKeys(redis, `${run}:*`);
    redis.disconnect();
  }

  const pipelineFlags = new Set([...latest.values()].filter((a) => a.status === 'ACTIVE').map((a) => a.vin));
  const pipe = scoreDetections(truths, pipelineFlags);
  const mod = scoreDetections(truths, modelFlags);
  const modelByLabel = new Map(mod.byLabel.map((x) => [x.label, x]));
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  const reasons: Record<string, number> = {};
  for (const set of reasonsOf.values()) for (const r of set) reasons[r] = (reasons[r] ?? 0) + 1;
  return {
    vehicles: truths.length,
    events: events.length,
    rate,
    pipelineAlertRecords: records,
    pipelineFlaggedVins: pipelineFlags.size,
    modelFlaggedVins: modelFlags.size,
    pipelineOnly: [...pipelineFlags].filter((v) => !modelFlags.has(v)).slice(0, 20),
    modelOnly: [...modelFlags].filter((v) => !pipelineFlags.has(v)).slice(0, 20),
    pipelinePrecision: round(pipe.precision),
    pipelineRecall: round(pipe.recall),
    modelPrecision: round(mod.precision),
    modelRecall: round(mod.recall),
    byVariant: pipe.byLabel
      .filter((x) => x.vehicles > 0)
      .map((x) => ({
        label: x.label,
        vehicles: x.vehicles,
        pipeline: round(x.flaggedRate),
        model: round(modelByLabel.get(x.label)?.flaggedRate ?? 0),
      })),
    revisedAlertIds: [...latest.values()].filter((a) => a.revision > 0).length,
    alertIds: latest.size,
    revisionReasons: Object.fromEntries(Object.entries(reasons).sort()),
    memory: memory!,
    seconds: round((performance.now() - started) / 1000),
  };
}

/** The comparison as the bench prints it: one line per variant, pipeline beside model. */
export function formatPipelineComparison(p: PipelineComparison): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const lines = [
    '',
    `real pipeline (Kafka + Redis, ${fmt(p.vehicles)} vehicles, ${fmt(p.events)} events streamed live at ${fmt(p.rate)}/s in a random interleaving of the two feeds, ${p.seconds} s): ${fmt(p.pipelineAlertRecords)} alert records, ${fmt(p.alertIds)} alert ids (${fmt(p.revisedAlertIds)} revised; alert ids by revision reason ${JSON.stringify(p.revisionReasons)})`,
    `  flagged VINs (latest revision ACTIVE / last evaluation alerting): pipeline ${fmt(p.pipelineFlaggedVins)}, model ${fmt(p.modelFlaggedVins)}; pipeline only ${p.pipelineOnly.length}, model only ${p.modelOnly.length}`,
    `  precision pipeline ${p.pipelinePrecision} model ${p.modelPrecision} | recall pipeline ${p.pipelineRecall} model ${p.modelRecall}`,
    `  Redis at the end, per tracked VIN (${fmt(p.memory.trackedVins)}): entity windows ${p.memory.entityBytesPerVin} bytes (${fmt(p.memory.entityKeys)} keys), VIN state buckets ${p.memory.stateBytesPerVin} bytes (MEMORY USAGE)`,
    '  variant                      vehicles  pipeline     model',
  ];
  for (const v of p.byVariant)
    lines.push(
      `  ${v.label.padEnd(28)} ${String(v.vehicles).padStart(8)}  ${v.pipeline.toFixed(4).padStart(8)}  ${v.model.toFixed(4).padStart(8)}${v.pipeline === v.model ? '' : '  (differ)'}`,
    );
  return lines.join('\n');
}

/** Entity windows (`{e:` keys) and VIN state buckets (`{p` keys) of the run, per tracked VIN. */
async function memoryOf(
  redis: Redis,
  run: string,
  trackedVins: number,
): Promise<PipelineComparison['memory']> {
  const sum = async (pattern: string) => {
    let cursor = '0';
    let keys = 0;
    let bytes = 0;
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const k of batch) bytes += (await redis.memory('USAGE', k)) ?? 0;
      keys += batch.length;
      cursor = next;
    } while (cursor !== '0');
    return { keys, bytes };
  };
  const entity = await sum(`${run}:{e:*`);
  const state = await sum(`${run}:{p*}:s*`);
  const per = (b: number) => Math.round((10 * b) / Math.max(1, trackedVins)) / 10;
  return {
    trackedVins,
    entityKeys: entity.keys,
    entityBytesPerVin: per(entity.bytes),
    stateBytesPerVin: per(state.bytes),
  };
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
