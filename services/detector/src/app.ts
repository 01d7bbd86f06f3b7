import type { Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  createHealthServer,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRegistry,
  type BatchConsumer,
  type HealthServer,
  type Logger,
  type RedisClient,
} from '@zmwatch/kit';
import { createCodecFor } from '@zmwatch/schemas';
import { createAlertPublisher } from './alert-publisher.js';
import type { DetectorConfig } from './config.js';
import { createDetectorConsumer } from './detector-consumer.js';
import { createDetectorStore } from './detector-store.js';
import { createRecheckProducer, entityRecheckTopicFor } from './entity-recheck.js';
import { createEntityStore } from './entity-store.js';
import { trackGroupMembership, type GroupMembership } from './group-membership.js';
import { createDetectorMetrics, type DetectorMetrics } from './metrics.js';
import { createPartitionLocks } from './mutex.js';
import { prepareTopics } from './prepare-topics.js';
import { DEFAULT_REVISION_MIN_INTERVAL_SECONDS } from './revision.js';
import { createProcessor } from './processor.js';
import { connectRedis } from './redis-connection.js';
import { createSweeper } from './sweeper.js';

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
  let redis: RedisClient | undefined;
  let producer: Producer | undefined;
  let consumer: BatchConsumer | undefined;
  let sweeper: ReturnType<typeof createSweeper> | undefined;
  let membership: GroupMembership | undefined;
  const health: HealthServer = createHealthServer({
    port: config.metricsPort,
    host: config.metricsHost,
    registry,
    ready: () => (membership?.joined ?? false) && redis?.status === 'ready',
  });

  /**
   * The composition, in order: codec, Redis and the state store, the topics the state needs, the
   * alerts producer and the batch pipeline, the consumer and its group membership, health, sweeper.
   */
  async function start(): Promise<void> {
    const codec = await createCodecFor(config.schemaRegistryUrl);
    redis = await connectRedis(config, logger);
    const store = createDetectorStore(redis, config, metrics, logger);
    const kafka = createKafka({
      clientId: config.clientId,
      brokers: config.brokers,
      logger,
      security: config.kafkaSecurity,
    });
    const partitionCount = await prepareTopics(kafka, config.topics, store, logger);
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    const entitySignals = config.ruleset.entitySignals;
    const processor = createProcessor({
      store,
      ...(entitySignals
        ? {
            entities: {
              store: createEntityStore(redis, config.keys.prefix, entitySignals),
              requestRechecks: createRecheckProducer(
                producer,
                entityRecheckTopicFor(config.topics.declarations),
                () => partitionCount,
              ),
            },
          }
        : {}),
      ruleset: config.ruleset,
      revisions: {
        minIntervalSeconds: config.revisionMinIntervalSeconds ?? DEFAULT_REVISION_MIN_INTERVAL_SECONDS,
      },
      publish: createAlertPublisher(producer, codec, config.topics.alerts),
      logger,
      metrics,
      ...(options.now ? { now: options.now } : {}),
    });
    consumer = createDetectorConsumer({
      kafka,
      config,
      codec,
      producer,
      partitionCount,
      processor,
      locks,
      logger,
      metrics,
    });
    const members = (membership = trackGroupMembership(consumer, config.topics, store, logger));
    await health.start();
    await consumer.start();
    sweeper = createSweeper({
      store,
      processor,
      ruleset: config.ruleset,
      intervalMs: config.sweep.intervalMs,
      bucketsPerTick: config.sweep.bucketsPerTick,
      partitions: () => members.owned,
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
