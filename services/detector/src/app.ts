import { Redis } from 'ioredis';
import { PartitionAssigners, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  createBatchConsumer,
  createDeadLetterWriter,
  createRerouteWriter,
  createHealthServer,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRegistry,
  ConfigError,
  coPartitionedAssigner,
  errorMessage,
  growPartitions,
  KIT_ERROR_CLASSES,
  RetriableError,
  sendChunked,
  type BatchConsumer,
  type HealthServer,
  type Logger,
} from '@zmwatch/kit';
import { createCodecFor, TOPICS, type Alert } from '@zmwatch/schemas';
import type { DetectorEvent } from './apply-events.js';
import { DEFAULT_PARTITIONS_CONCURRENTLY, type DetectorConfig } from './config.js';
import { createDecoder, repartitionTopicsOf, topicRoles, type InputTopics } from './decode.js';
import { createRouter } from './placement.js';
import { createDetectorMetrics, type DetectorMetrics } from './metrics.js';
import { createPartitionLocks } from './mutex.js';
import { createProcessor } from './processor.js';
import { createStateStore, type StateStore } from './redis-store.js';
import { createSweeper } from './sweeper.js';

/**
 * State buckets belong to partitions: the state's partition count comes from its layout in Redis
 * (first use: the inputs' common count), see layout.ts. Input topics with more partitions than the
 * state (partitions were added) are fine: records on the others are re-routed to where their VIN's
 * state is. The repartition topics are internal, like Kafka Streams' own: created (or grown) here to
 * at least the state's partition count (infra/topics.yaml declares them for the local stack too).
 */
async function prepareTopics(
  kafka: ReturnType<typeof createKafka>,
  topics: InputTopics,
  store: StateStore,
  logger: Logger,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const inputs = [topics.registrations, topics.declarations];
    const existing = new Set(await admin.listTopics());
    const missing = inputs.filter((t) => !existing.has(t));
    if (missing.length > 0)
      throw new ConfigError(
        `input topic(s) ${missing.join(', ')} do not exist (infra/bin/stack up creates them from infra/topics.yaml)`,
      );
    const counts = async (names: string[]) => {
      const meta = new Map(
        (await admin.fetchTopicMetadata({ topics: names })).topics.map((t) => [t.name, t.partitions.length]),
      );
      return names.map((name) => ({ name, partitions: meta.get(name) ?? 0 }));
    };
    const inputCounts = await counts(inputs);
    const n = await store.checkLayout(inputCounts);
    const repartition = repartitionTopicsOf(topics);
    const create = repartition.filter((t) => !existing.has(t));
    if (create.length > 0)
      await admin.createTopics({
        waitForLeaders: true,
        topics: create.map((topic) => ({ topic, numPartitions: n })),
      });
    const grow = (await counts(repartition)).filter((t) => t.partitions < n);
    await growPartitions(
      admin,
      grow.map((t) => t.name),
      n,
    );
    if (inputCounts.some((t) => t.partitions !== n))
      logger.warn(
        { inputs: inputCounts, statePartitions: n },
        `the input topics have more partitions than the detector state is laid out for (${n}): records on the others are re-routed to where their VIN's state is; run \`zmwatch state migrate --partitions N\` with the detectors stopped to use them all`,
      );
    return n;
  } finally {
    await admin.disconnect();
  }
}

/** How often the detector says, in one log line, how many records it re-routed and why. */
const REROUTE_LOG_INTERVAL_MS = 60_000;

export interface DetectorApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly metrics: DetectorMetrics;
  readonly registry: Registry;
  /** Base URL of /metrics, /healthz, /readyz once started. */
  readonly metricsUrl: string;
  /** Runs one sweeper tick now (tests). */
  sweepOnce(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** Processing clock, epoch ms (tests). */
  now?: () => number;
}

export function createApp(config: DetectorConfig, options: AppOptions = {}): DetectorApp {
  const logger = options.logger ?? createLogger('detector', config.logLevel);
  const registry = createRegistry('detector');
  const metrics = createDetectorMetrics(registry);
  const locks = createPartitionLocks();
  let redis: Redis | undefined;
  let producer: Producer | undefined;
  let consumer: BatchConsumer | undefined;
  let sweeper: ReturnType<typeof createSweeper> | undefined;
  let joined = false;
  let owned: number[] = [];
  const reroutedSinceLog = new Map<string, number>();
  /** When the re-route counts in reroutedSinceLog started (the first re-route is logged at once). */
  let rerouteLogFrom: number | undefined;
  let lastRerouteLog = 0;
  const health: HealthServer = createHealthServer({
    port: config.metricsPort,
    host: config.metricsHost,
    registry,
    ready: () => joined && redis?.status === 'ready',
  });

  async function start(): Promise<void> {
    const codec = await createCodecFor(config.schemaRegistryUrl);
    redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      // Fail commands fast while Redis is away: the batch backs off and retries without committing.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      connectionName: config.clientId,
    });
    redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
    await redis.connect();
    const store = createStateStore(redis, config.keys, {
      // The naive benchmark variant reads every bucket for every event.
      cacheBuckets: config.mode === 'naive' ? 0 : config.cacheBuckets,
      onError: () => metrics.redisErrors.inc(),
      onCorrupt: (key, err) => logger.error({ key, err: err.message }, 'unreadable state bucket replaced'),
      onLargeBucket: (key, bytes, vins) =>
        logger.warn(
          { key, bytes, vins },
          'state buckets are getting large (a compaction rewrites a whole bucket, and memory holds every cached one): raise ZM_DETECTOR_BUCKETS_PER_PARTITION with a new key prefix',
        ),
    });

    const kafka = createKafka({ clientId: config.clientId, brokers: config.brokers, logger });
    const partitionCount = await prepareTopics(kafka, config.topics, store, logger);
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    const alertsProducer = producer;
    const publish = async (alerts: Alert[]): Promise<void> => {
      // Encoding is the records' business (a content fault bisects); the send is the broker's.
      const messages = alerts.map((a) => ({
        key: a.vin,
        value: codec.encode(TOPICS.alerts, a),
        headers: { 'zm-alert-id': a.alertId },
      }));
      try {
        await sendChunked(alertsProducer, [{ topic: config.topics.alerts, messages }]);
      } catch (err) {
        // The broker, not the records: retry the batch (alert ids are deterministic).
        throw new RetriableError(`producing alerts failed: ${errorMessage(err)}`, { cause: err });
      }
    };
    const proc = createProcessor({
      store,
      ruleset: config.ruleset,
      publish,
      logger,
      metrics,
      ...(options.now ? { now: options.now } : {}),
    });

    consumer = createBatchConsumer<DetectorEvent>({
      kafka,
      groupId: config.groupId,
      topics: [...topicRoles(config.topics).keys()],
      fromBeginning: config.fromBeginning,
      logger,
      deadLetters: createDeadLetterWriter(producer, 'detector'),
      decode: createDecoder(codec, config.topics),
      route: createRouter(config.topics, () => partitionCount),
      reroutes: createRerouteWriter(producer),
      consumerConfig: {
        sessionTimeout: config.sessionTimeoutMs,
        heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
        ...(config.metadataMaxAgeMs ? { metadataMaxAge: config.metadataMaxAgeMs } : {}),
        // A VIN's state buckets belong to its partition number: one process must own that number on
        // both topics (round-robin is only the fallback during a rolling upgrade, see the kit).
        partitionAssigners: [coPartitionedAssigner, PartitionAssigners.roundRobin],
      },
      maxRetryDelayMs: config.maxRetryDelayMs,
      partitionsConsumedConcurrently: config.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
      handle: (records) => {
        const partition = records[0]!.partition;
        return locks.withPartition(partition, async () => {
          const events = records.map((r) => r.value);
          if (config.mode === 'naive') {
            for (const e of events) await proc.process(partition, [{ vin: e.event.vin, events: [e] }]);
          } else {
            await proc.process(partition, proc.group(events));
          }
        });
      },
      onBatch: ({ topic, processed, deadLettered, reroutes }) => {
        metrics.eventsIn.inc({ topic }, processed);
        if (deadLettered > 0) metrics.deadLetters.inc({ topic }, deadLettered);
        for (const [reason, n] of reroutes) {
          rerouteLogFrom ??= Date.now();
          metrics.rerouted.inc({ topic, reason }, n);
          const k = `${topic}\t${reason}`;
          reroutedSinceLog.set(k, (reroutedSinceLog.get(k) ?? 0) + n);
        }
        if (reroutedSinceLog.size > 0 && Date.now() - lastRerouteLog >= REROUTE_LOG_INTERVAL_MS) {
          logger.warn(
            {
              rerouted: [...reroutedSinceLog].map(([k, n]) => {
                const [t, reason] = k.split('\t');
                return { topic: t, reason, records: n };
              }),
              sinceMs: Date.now() - (rerouteLogFrom ?? Date.now()),
            },
            'input records were not where the feed contract puts them (partition = murmur2(normalised VIN) % partitions, key = normalised VIN): re-routed through the repartition topics; fix the producer (README: feed contract)',
          );
          reroutedSinceLog.clear();
          lastRerouteLog = Date.now();
          rerouteLogFrom = undefined;
        }
      },
      onIsolated: ({ topic, partition, records, poison, calls }) => {
        metrics.poisonRecords.inc({ topic }, poison);
        logger.error(
          { topic, partition, records, poison, calls },
          `a batch threw while being handled: bisected it and dead-lettered the ${poison} record(s) that cause it (${KIT_ERROR_CLASSES.handlerFailed})`,
        );
      },
      onRetry: ({ topic, error }) => {
        metrics.batchRetries.inc({ topic });
        logger.debug({ topic, err: errorMessage(error) }, 'batch retry');
      },
    });
    const c = consumer.consumer;
    c.on(c.events.GROUP_JOIN, (e) => {
      joined = true;
      // Buckets cached for partitions we may have lost (or lost and got back) are no longer ours to trust.
      store.invalidate();
      const assigned = e.payload.memberAssignment;
      const reg = (assigned[config.topics.registrations] ?? []).join(',');
      const decl = (assigned[config.topics.declarations] ?? []).join(',');
      if (reg !== decl)
        logger.warn(
          { groupProtocol: e.payload.groupProtocol, registrations: reg, declarations: decl },
          'the input topics are not co-assigned (another group member without the co-partitioned assignor?): processes will share partitions and retry conflicting writes',
        );
      owned = [
        ...new Set([
          ...(assigned[config.topics.registrations] ?? []),
          ...(assigned[config.topics.declarations] ?? []),
        ]),
      ].sort((a, b) => a - b);
      logger.info(
        { groupId: e.payload.groupId, memberId: e.payload.memberId, assignment: e.payload.memberAssignment },
        'joined consumer group',
      );
    });
    c.on(c.events.CRASH, (e) => {
      joined = false;
      logger.error({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'consumer crashed');
    });

    await health.start();
    await consumer.start();
    sweeper = createSweeper({
      store,
      processor: proc,
      ruleset: config.ruleset,
      intervalMs: config.sweep.intervalMs,
      bucketsPerTick: config.sweep.bucketsPerTick,
      partitions: () => owned,
      withPartition: locks.withPartition,
      logger,
      metrics,
      ...(options.now ? { now: options.now } : {}),
    });
    sweeper.start();
    logger.info(
      {
        topics: config.topics,
        groupId: config.groupId,
        rulesetVersion: config.ruleset.version,
        mode: config.mode,
        metrics: health.url,
      },
      'detector started',
    );
  }

  async function stop(): Promise<void> {
    // Order: no new work (sweeper, consumer: an in-flight batch finishes or is left uncommitted),
    // then flush the producer, then Redis, then the HTTP endpoint.
    await sweeper?.stop();
    await consumer?.stop();
    await producer?.disconnect();
    if (redis && redis.status !== 'end') await redis.quit().catch(() => redis?.disconnect());
    await health.stop();
    logger.info('detector stopped');
  }

  return {
    start,
    stop,
    metrics,
    registry,
    get metricsUrl() {
      return health.url;
    },
    async sweepOnce() {
      if (!sweeper) throw new Error('detector not started');
      await sweeper.tick();
    },
  };
}
