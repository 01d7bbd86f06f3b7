// The same seeded scenario through the real detector (Kafka + Redis), compared with the in-memory
// model of quality-model.ts. Unique topics, consumer group and Redis key prefix per run; everything is
// deleted afterwards. The detector's processing clock is the wall clock, so declarations that never
// meet a registration (genuine used exports, new-car exports) wait out the grace period: once the
// input is consumed the bench moves the detector's clock past the grace period and runs sweeper ticks.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createApp, type DetectorConfig, type Ruleset } from '@zmwatch/detector';
import { stackAddresses, createLogger } from '@zmwatch/kit';
import { createCodec, SEVERITY_SYMBOLS, TOPICS, type Severity } from '@zmwatch/schemas';
import {
  generateScenario,
  produceToKafka,
  recordDetection,
  scoreDetections,
  type SimEvent,
  type VehicleTruth,
} from '@zmwatch/simulator';
import { createInMemoryDetector } from '../quality-model.js';

export interface PipelineComparison {
  vehicles: number;
  events: number;
  pipelineAlerts: number;
  pipelineFlaggedVins: number;
  modelFlaggedVins: number;
  agreeFlagged: number;
  /** VINs flagged by both with the same (highest) severity. */
  agreeSeverity: number;
  /**
   * Of the severity disagreements, those whose registration arrived (in simulated time) more than the
   * grace period after the declaration: the model evaluated them without it first, the pipeline,
   * where the whole stream arrives within seconds, with it.
   */
  severityDiffLateRegistration: number;
  /** Of the severity disagreements, those where the pipeline's alert is the more severe. */
  severityDiffPipelineHigher: number;
  pipelineOnly: number;
  modelOnly: number;
  pipelinePrecision: number;
  pipelineRecall: number;
  modelPrecision: number;
  modelRecall: number;
  seconds: number;
}

export async function runPipelineComparison(o: {
  seed: number;
  vehicles: number;
  noise: number | 'default' | 'none';
  ruleset: Ruleset;
  brokers?: string[];
  redisUrl?: string;
}): Promise<PipelineComparison> {
  const started = performance.now();
  const brokers = o.brokers ?? stackAddresses().brokers;
  const redisUrl = o.redisUrl ?? stackAddresses().redisUrl;
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

  const modelFlags = new Map<string, Severity>();
  const model = createInMemoryDetector({
    ruleset: o.ruleset,
    codec,
    startTime: scenario.options.startTime,
    onAlert: (a) => recordDetection(modelFlags, a.vin, a.severity),
  });
  for (const e of events) model.accept(e);
  model.finish();

  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const allTopics = [
    topics.registrations,
    topics.declarations,
    topics.alerts,
    `${topics.registrations}.dlq`,
    `${topics.declarations}.dlq`,
  ];
  await admin.createTopics({
    waitForLeaders: true,
    topics: allTopics.map((topic) => ({ topic, numPartitions: topic.endsWith('.dlq') ? 1 : 3 })),
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

  const pipelineFlags = new Map<string, Severity>();
  let pipelineAlerts = 0;
  let lastAlertAt = performance.now();
  try {
    await alertConsumer.connect();
    await alertConsumer.subscribe({ topic: topics.alerts, fromBeginning: true });
    await alertConsumer.run({
      eachMessage: async ({ message }) => {
        const a = codec.decodeSync(message.value, TOPICS.alerts).record;
        pipelineAlerts++;
        recordDetection(pipelineFlags, a.vin, a.severity);
        lastAlertAt = performance.now();
      },
    });
    await detector.start();
    await produceToKafka({ events, producer, codec, topics });

    // Wait until the detector has committed everything produced.
    const inputs = [topics.registrations, topics.declarations];
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('detector did not catch up within 180 s');
      let lag = 0;
      for (const topic of inputs) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: config.groupId, topics: [topic] });
        for (const p of ends) {
          const c = committed?.partitions.find((x) => x.partition === p.partition)?.offset ?? '-1';
          lag += Number(p.high) - Math.max(0, Number(c));
        }
      }
      if (lag === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Let the grace period run out for declarations that never met a registration.
    skewMs = (o.ruleset.timing.gracePeriodSeconds + 3600) * 1000;
    await detector.sweepOnce();
    await detector.sweepOnce();
    lastAlertAt = performance.now();
    while (performance.now() - lastAlertAt < 3_000) await new Promise((r) => setTimeout(r, 250));
  } finally {
    await detector.stop().catch(() => undefined);
    await alertConsumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: allTopics }).catch(() => undefined);
    await admin.deleteGroups([config.groupId, `${run}-alerts`]).catch(() => undefined);
    await admin.disconnect();
    await deleteKeys(redis, `${run}:*`);
    redis.disconnect();
  }

  const pipe = scoreDetections(truths, pipelineFlags);
  const mod = scoreDetections(truths, modelFlags);
  let agree = 0;
  let agreeSeverity = 0;
  let severityDiffLateRegistration = 0;
  let severityDiffPipelineHigher = 0;
  let pipelineOnly = 0;
  const truthByVin = new Map(truths.map((t) => [t.vin, t]));
  const graceMs = o.ruleset.timing.gracePeriodSeconds * 1000;
  for (const [vin, severity] of pipelineFlags) {
    const m = modelFlags.get(vin);
    if (m === undefined) pipelineOnly++;
    else {
      agree++;
      if (m === severity) agreeSeverity++;
      else if (SEVERITY_SYMBOLS.indexOf(severity) > SEVERITY_SYMBOLS.indexOf(m)) severityDiffPipelineHigher++;
      const lateRegistration =
        (truthByVin.get(vin)?.noise.registrationArrivedAfterDeclarationMs ?? 0) > graceMs;
      if (m !== severity && lateRegistration) severityDiffLateRegistration++;
    }
  }
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    vehicles: truths.length,
    events: events.length,
    pipelineAlerts,
    pipelineFlaggedVins: pipelineFlags.size,
    modelFlaggedVins: modelFlags.size,
    agreeFlagged: agree,
    agreeSeverity,
    severityDiffLateRegistration,
    severityDiffPipelineHigher,
    pipelineOnly,
    modelOnly: modelFlags.size - agree,
    pipelinePrecision: round(pipe.precision),
    pipelineRecall: round(pipe.recall),
    modelPrecision: round(mod.precision),
    modelRecall: round(mod.recall),
    seconds: round((performance.now() - started) / 1000),
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
