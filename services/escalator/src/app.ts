import { Client, Connection } from '@temporalio/client';
import type { Admin, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  createBatchConsumer,
  createDeadLetterWriter,
  createHealthServer,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRedis,
  createRegistry,
  type BatchConsumer,
  type RedisClient,
  type HealthServer,
  type Logger,
  temporalTlsOptions,
} from '@zmwatch/kit';
import { createCodecFor, type Alert, type Codec } from '@zmwatch/schemas';
import { CASE_VIEW_PREFIX, createCaseClient, createCaseQueueStore } from '@zmwatch/workflows';
import { DEFAULT_RING_THRESHOLDS, ESCALATOR_BATCHING, type EscalatorConfig } from './config.js';
import { createAlertDecoder } from './decode-alert.js';
import { createCaseSignaller } from './case-signaller.js';
import { createLagMonitor } from './lag-monitor.js';
import { createSignalledRevisions } from './revision-coalescing.js';
import { createMetrics, type EscalatorMetrics } from './metrics.js';

export interface EscalatorDeps {
  codec?: Codec;
  logger?: Logger;
  registry?: Registry;
  /** Test and benchmark hook: called after each successful signal-with-start. */
  onSignalled?(alert: Alert, result: { started: boolean; runId: string }): void;
}

export interface EscalatorApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly metrics: EscalatorMetrics;
  readonly registry: Registry;
  /** http://host:port of /metrics /healthz /readyz once started. */
  readonly healthUrl: string;
  /** Refreshes and returns the group's total lag (also exported as a gauge). */
  refreshLag(): Promise<number>;
}

/**
 * zm.alerts.v1 → case workflows (signal-with-start on `case-<VIN>`, and on `ring-<kind>-<id>` for an
 * entity that reaches its ring threshold). Nothing connects before start().
 */
export function createApp(config: EscalatorConfig, deps: EscalatorDeps = {}): EscalatorApp {
  const logger = deps.logger ?? createLogger('escalator', config.logLevel);
  const registry = deps.registry ?? createRegistry('escalator');
  const metrics = createMetrics(registry);
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let connection: Connection | undefined;
  let consumer: BatchConsumer | undefined;
  let redis: RedisClient | undefined;
  let health: HealthServer | undefined;
  let lag: ReturnType<typeof createLagMonitor> | undefined;
  let temporalOk = true;
  let running = false;

  return {
    metrics,
    registry,
    get healthUrl() {
      return health?.url ?? '';
    },
    refreshLag() {
      if (!lag) throw new Error('escalator not started');
      return lag.refresh();
    },

    async start() {
      const codec = deps.codec ?? (await createCodecFor(config.schemaRegistryUrl));
      const kafka = createKafka({
        clientId: config.clientId,
        brokers: config.brokers,
        logger,
        security: config.kafkaSecurity,
      });
      producer = createIdempotentProducer(kafka);
      await producer.connect();
      admin = kafka.admin();
      await admin.connect();
      // Lazy: the escalator starts (and holds its alerts uncommitted) even while Temporal is down.
      connection = Connection.lazy({
        address: config.temporalAddress,
        ...temporalTlsOptions(config.temporalTls),
      });
      // The projection's queues: a case opened here is listed at once (one retry per command: a
      // Redis that is down costs the head start, the worker's first task lists the case anyway).
      redis = config.caseViews
        ? createRedis(config.caseViews, { connectionName: 'zm-escalator', maxRetriesPerRequest: 1 })
        : undefined;
      const cases = createCaseClient(new Client({ connection, namespace: config.temporalNamespace }), {
        taskQueue: config.taskQueue,
        ...(redis ? { queueStore: createCaseQueueStore(redis, CASE_VIEW_PREFIX) } : {}),
      });
      const ringThresholds = config.ringThresholds ?? DEFAULT_RING_THRESHOLDS;
      const signalBatch = createCaseSignaller({
        cases,
        connection,
        caseConfig: config.caseConfig,
        callTimeoutMs: config.callTimeoutMs,
        concurrency: config.concurrency,
        metrics,
        logger,
        ringThresholds,
        signalled: createSignalledRevisions(
          config.signalledMemory ?? ESCALATOR_BATCHING.signalledMemory,
          ringThresholds,
        ),
        coalesce: config.coalesce ?? true,
        onSignalled: (alert, res) => {
          temporalOk = true;
          deps.onSignalled?.(alert, res);
        },
      });
      consumer = createBatchConsumer<Alert>({
        kafka,
        groupId: config.groupId,
        topics: [config.alertsTopic],
        fromBeginning: config.fromBeginning,
        logger,
        deadLetters: createDeadLetterWriter(producer, 'escalator'),
        decode: createAlertDecoder(codec),
        handle: (records) => signalBatch(records),
        maxRetryDelayMs: config.maxRetryDelayMs,
        // One slow partition (a Temporal call backing off) must not hold up the others.
        partitionsConsumedConcurrently: config.partitionsConcurrently,
        // A fetch waits for `fetchMinBytes` up to `fetchMaxWaitMs`: fewer, larger batches, whose
        // revisions of one alert coalesce (README "Batching").
        consumerConfig: {
          minBytes: config.fetchMinBytes ?? ESCALATOR_BATCHING.fetchMinBytes,
          maxWaitTimeInMs: config.fetchMaxWaitMs ?? ESCALATOR_BATCHING.fetchMaxWaitMs,
        },
        onBatch: ({ deadLettered }) => metrics.deadLettered.inc(deadLettered),
        onRetry: () => {
          temporalOk = false;
        },
      });
      lag = createLagMonitor({
        admin,
        groupId: config.groupId,
        topic: config.alertsTopic,
        gauge: metrics.lag,
        intervalMs: config.lagIntervalMs,
        logger,
      });
      health = createHealthServer({
        port: config.metricsPort,
        host: config.metricsHost,
        registry,
        ready: () => running && temporalOk,
      });
      await health.start();
      await consumer.start();
      lag.start();
      running = true;
      logger.info(
        {
          topic: config.alertsTopic,
          groupId: config.groupId,
          temporal: config.temporalAddress,
          taskQueue: config.taskQueue,
          health: health.url,
        },
        'escalator started',
      );
    },

    // Shutdown order: stop consuming (an in-flight batch is abandoned uncommitted), flush the
    // producer (dead letters), then close Temporal and the health endpoint.
    async stop() {
      running = false;
      lag?.stop();
      await consumer?.stop();
      await producer?.disconnect();
      await admin?.disconnect();
      await connection?.close();
      await redis?.quit().catch(() => undefined);
      await health?.stop();
      logger.info('escalator stopped');
    },
  };
}
