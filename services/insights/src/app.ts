import type { Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  createBatchConsumer,
  createDeadLetterWriter,
  createHealthServer,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRegistry,
  errorMessage,
  type BatchConsumer,
  type HealthServer,
  type Logger,
} from '@zmwatch/kit';
import { createCodecFor, DAY_MS, type Codec } from '@zmwatch/schemas';
import type { InsightsConfig } from './config.js';
import { createDecoder } from './decode.js';
import { createMetrics, type InsightsMetrics } from './metrics.js';
import type { InsightsRecord } from './records.js';
import { createReportRoutes } from './report-api.js';
import { openStore, type InsightsStore } from './store.js';

export interface InsightsDeps {
  codec?: Codec;
  logger?: Logger;
  registry?: Registry;
}

export interface InsightsApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly metrics: InsightsMetrics;
  /** http://host:port of /metrics /healthz /readyz and the report API, once started. */
  readonly url: string;
  /** The open store (tests and the benchmark read figures through it). */
  readonly store: InsightsStore;
}

/**
 * Registrations, declarations, alerts and case outcomes → DuckDB, and the figures over them on its
 * HTTP port. Nothing connects or opens before start().
 */
export function createApp(config: InsightsConfig, deps: InsightsDeps = {}): InsightsApp {
  const logger = deps.logger ?? createLogger('insights', config.logLevel);
  const registry = deps.registry ?? createRegistry('insights');
  const metrics = createMetrics(registry);
  let store: InsightsStore | undefined;
  let producer: Producer | undefined;
  let consumer: BatchConsumer | undefined;
  let health: HealthServer | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let running = false;

  async function sweep(): Promise<void> {
    try {
      const deleted = await store!.sweep(Date.now() - config.retentionDays * DAY_MS);
      for (const [table, n] of Object.entries(deleted)) if (n > 0) metrics.swept.inc({ table }, n);
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'retention sweep failed; next one in an interval');
    }
  }

  return {
    metrics,
    get url() {
      return health?.url ?? '';
    },
    get store() {
      if (!store) throw new Error('insights not started');
      return store;
    },

    async start() {
      const codec = deps.codec ?? (await createCodecFor(config.schemaRegistryUrl));
      store = await openStore(config.dbPath);
      await sweep();
      sweepTimer = setInterval(() => void sweep(), config.retentionIntervalMs);
      sweepTimer.unref();
      const kafka = createKafka({ clientId: config.clientId, brokers: config.brokers, logger });
      producer = createIdempotentProducer(kafka);
      await producer.connect();
      const opened = store;
      consumer = createBatchConsumer<InsightsRecord>({
        kafka,
        groupId: config.groupId,
        topics: Object.values(config.topics),
        fromBeginning: config.fromBeginning,
        logger,
        deadLetters: createDeadLetterWriter(producer, 'insights'),
        decode: createDecoder(codec, config.topics),
        // Offsets are resolved by the kit only after this resolves: the DuckDB commit is durable.
        handle: async (records) => {
          const end = metrics.batchSeconds.startTimer();
          await opened.write(records.map((r) => r.value));
          end();
          for (const r of records) metrics.stored.inc({ kind: r.value.kind });
        },
        maxRetryDelayMs: config.maxRetryDelayMs,
        consumerConfig: { minBytes: config.fetchMinBytes, maxWaitTimeInMs: config.fetchWaitMs },
        partitionsConsumedConcurrently: config.partitionsConcurrently,
        onBatch: ({ deadLettered }) => metrics.deadLettered.inc(deadLettered),
      });
      health = createHealthServer({
        port: config.port,
        host: config.host,
        registry,
        ready: () => running,
        routes: createReportRoutes(() => opened.reader(), logger),
      });
      await health.start();
      await consumer.start();
      running = true;
      logger.info(
        { topics: config.topics, groupId: config.groupId, db: config.dbPath, url: health.url },
        'insights started',
      );
    },

    // Stop consuming first (an in-flight batch is abandoned uncommitted), then flush dead letters,
    // then close DuckDB (after any write in progress) and the HTTP port.
    async stop() {
      running = false;
      clearInterval(sweepTimer);
      await consumer?.stop();
      await producer?.disconnect();
      await health?.stop();
      const opened = store;
      store = undefined; // a second stop() is a no-op
      await opened?.close();
      logger.info('insights stopped');
    },
  };
}
