// The case worker process: polls the `zm-cases` task queue with the prebuilt workflow bundle and the
// activities (Kafka producer for outcomes, customs HTTP endpoint, supervisor notifier).
import { createCodec, TOPICS } from '@zmwatch/schemas';
import { createIdempotentProducer, createKafka, createLogger, installShutdown, runMain } from '@zmwatch/kit';
import { loadWorkerConfig } from './config.js';
import { createLogNotifier, createWebhookNotifier } from './notifier.js';
import { createCaseWorker, NativeConnection } from './worker.js';

const config = loadWorkerConfig();
const logger = createLogger('case-worker', config.logLevel);

runMain(async () => {
  const codec = await createCodec();
  const kafka = createKafka({ clientId: 'zm-case-worker', brokers: config.brokers, logger });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const cases = await createCaseWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflows: config.workflows,
    logger,
    activityDeps: {
      producer,
      outcomesTopic: config.outcomesTopic,
      encodeOutcome: (outcome) => codec.encode(TOPICS.caseOutcomes, outcome),
      customs: { url: config.customsUrl, ...(config.customsToken ? { token: config.customsToken } : {}) },
      notifier: config.notifyUrl ? createWebhookNotifier(config.notifyUrl) : createLogNotifier(logger),
      logger,
    },
  });
  // Shutdown order: stop polling and drain in-flight tasks, then flush the producer, then the connection.
  installShutdown(
    async () => {
      await cases.shutdown();
      await producer.disconnect();
      await connection.close();
    },
    logger,
    30_000,
  );
  logger.info(
    { taskQueue: config.taskQueue, address: config.temporalAddress, workflows: config.workflows },
    'case worker running',
  );
  await cases.run();
  await producer.disconnect();
  await connection.close();
}, logger);
