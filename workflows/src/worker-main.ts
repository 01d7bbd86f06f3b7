// The case worker process: polls the `zm-cases` task queue with the prebuilt workflow bundle and the
// activities (Kafka producer for outcomes, customs HTTP endpoint, supervisor notifier).
import { createCodec, TOPICS } from '@zmwatch/schemas';
import {
  createHealthServer,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRedis,
  createRegistry,
  describeRedis,
  installShutdown,
  runMain,
  temporalTlsOptions,
} from '@zmwatch/kit';
import { createCaseViewWriter } from './case-view-store.js';
import { loadWorkerConfig } from './config.js';
import { createLogNotifier, createWebhookNotifier } from './notifier.js';
import { createCaseWorker, NativeConnection } from './worker.js';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const config = loadWorkerConfig();
const logger = createLogger('case-worker', config.logLevel);

// The SDK's own logs (worker state, workflow/activity logs) go through the same JSON logger.
const sdkLevel: LogLevel =
  config.logLevel === 'debug' || config.logLevel === 'trace'
    ? 'DEBUG'
    : config.logLevel === 'info'
      ? 'INFO'
      : 'WARN';
// shutdownSignals: [] — our installShutdown owns the order (worker, then producer, then connection).
Runtime.install({
  shutdownSignals: [],
  logger: new DefaultLogger(sdkLevel, ({ level, message, meta }) => {
    const method =
      level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : level === 'INFO' ? 'info' : 'debug';
    logger[method]({ temporal: meta }, message);
  }),
});

runMain(async () => {
  const codec = await createCodec();
  const kafka = createKafka({
    clientId: 'zm-case-worker',
    brokers: config.brokers,
    logger,
    security: config.kafkaSecurity,
  });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  // The case projection: a command that cannot be sent soon fails (logged) rather than queueing behind
  // a Redis outage; the case's next change writes it again.
  const redis = config.caseViews
    ? createRedis(config.caseViews.redis, { connectionName: 'zm-case-worker', maxRetriesPerRequest: 1 })
    : undefined;
  await redis?.connect();
  const connection = await NativeConnection.connect({
    address: config.temporalAddress,
    ...temporalTlsOptions(config.temporalTls),
  });
  const cases = await createCaseWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflows: config.workflows,
    logger,
    ...(redis && config.caseViews
      ? { caseViews: createCaseViewWriter(redis, { ttlMs: config.caseViews.ttlMs }) }
      : {}),
    maxCachedWorkflows: config.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
    activityDeps: {
      producer,
      outcomesTopic: config.outcomesTopic,
      encodeOutcome: (outcome) => codec.encode(TOPICS.caseOutcomes, outcome),
      customs: { url: config.customsUrl, ...(config.customsToken ? { token: config.customsToken } : {}) },
      notifier: config.notifyUrl ? createWebhookNotifier(config.notifyUrl) : createLogNotifier(logger),
      logger,
    },
  });
  // Liveness and readiness for a deployment's probes: ready while the SDK worker is polling.
  const health = createHealthServer({
    host: config.metricsHost,
    port: config.metricsPort,
    registry: createRegistry('case-worker'),
    ready: () => cases.worker.getState() === 'RUNNING',
  });
  await health.start();
  // Shutdown order: stop polling and drain in-flight tasks, then flush the producer, then the connection.
  installShutdown(
    async () => {
      await cases.shutdown();
      await health.stop();
      await producer.disconnect();
      await redis?.quit().catch(() => redis.disconnect());
      // The SDK runtime may already have released the native client with its last worker.
      await connection
        .close()
        .catch((err: unknown) => logger.debug({ err }, 'temporal connection already closed'));
    },
    logger,
    30_000,
  );
  logger.info(
    {
      taskQueue: config.taskQueue,
      address: config.temporalAddress,
      workflows: config.workflows,
      health: health.url,
      caseViews: config.caseViews ? describeRedis(config.caseViews.redis) : 'off',
      maxCachedWorkflows: config.maxCachedWorkflows,
    },
    'case worker running',
  );
  await cases.run();
  await producer.disconnect();
  await redis?.quit().catch(() => redis.disconnect());
  await connection.close();
}, logger);
