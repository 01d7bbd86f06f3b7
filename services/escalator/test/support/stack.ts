import { logLevel, type Kafka } from 'kafkajs';
import {
  stackAddresses,
  createIdempotentProducer,
  createKafka,
  createLogger,
  type Logger,
} from '@zmwatch/kit';
import { createCodec, TOPICS, type Alert, type Codec } from '@zmwatch/schemas';
import { quietTemporalRuntime, runId, testCaseConfig } from '@zmwatch/test-support/cases';
import type { CaseConfig } from '@zmwatch/workflows';
import { createCaseWorker, NativeConnection, WORKFLOWS_PATH } from '@zmwatch/workflows/worker';
import type { EscalatorConfig } from '../../src/index.js';

export const BROKERS = stackAddresses().brokers;
export const TEMPORAL_ADDRESS = stackAddresses().temporalAddress;
export const logger: Logger = createLogger('escalator-test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');

/** A unique alerts topic (+ its DLQ) for one test run. */
export async function createAlertTopics(kafka: Kafka, run: string, partitions = 3): Promise<string> {
  const topic = `zm.alerts.v1.test-${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions }, { topic: `${topic}.dlq` }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  return topic;
}

/** Deletes what createAlertTopics made: the alerts topic and its DLQ. */
export async function deleteAlertTopics(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
  await admin.disconnect();
}

export function testKafka(): Kafka {
  return createKafka({ clientId: 'escalator-test', brokers: BROKERS, logger, level: logLevel.NOTHING });
}

/** One test file's run: a unique id, the case settings named after it, and a Kafka client. */
export function testRun(): { run: string; caseConfig: CaseConfig; kafka: Kafka } {
  const run = runId();
  return { run, caseConfig: testCaseConfig(run), kafka: testKafka() };
}

/** Produces alerts the way the detector does: key = VIN, value = Confluent-framed Avro. */
export async function produceAlerts(
  kafka: Kafka,
  codec: Codec,
  topic: string,
  alerts: Alert[],
  raw: Array<{ key: string; value: Buffer }> = [],
) {
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: [...raw, ...alerts.map((a) => ({ key: a.vin, value: codec.encode(TOPICS.alerts, a) }))],
  });
  await producer.disconnect();
}

export function escalatorConfig(
  run: string,
  topic: string,
  overrides: Partial<EscalatorConfig> & { caseConfig: CaseConfig },
): EscalatorConfig {
  return {
    brokers: BROKERS,
    clientId: `escalator-test-${run}`,
    groupId: `escalator-test-${run}`,
    alertsTopic: topic,
    fromBeginning: true,
    maxRetryDelayMs: 1_000,
    temporalAddress: TEMPORAL_ADDRESS,
    temporalNamespace: 'default',
    taskQueue: `zm-cases-esc-${run}`,
    callTimeoutMs: 3_000,
    concurrency: 16,
    partitionsConcurrently: 3,
    lagIntervalMs: 500,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'silent',
    ...overrides,
  };
}

/**
 * A case worker for the escalator's task queue. Its activities are never reached in these tests (no
 * case is decided), so customs points at a closed port and outcomes at a topic that does not exist.
 */
export async function startCaseWorker(address: string, taskQueue: string, kafka: Kafka) {
  quietTemporalRuntime('ERROR');
  const connection = await NativeConnection.connect({ address });
  const producer = createIdempotentProducer(kafka);
  const worker = await createCaseWorker({
    connection,
    taskQueue,
    workflows: { workflowsPath: WORKFLOWS_PATH },
    logger,
    shutdownGraceTime: '1s',
    activityDeps: {
      producer,
      outcomesTopic: 'zm.case-outcomes.v1.unused',
      encodeOutcome: () => Buffer.alloc(0),
      customs: { url: 'http://127.0.0.1:9/holds' },
      notifier: async () => {},
      logger,
    },
  });
  const running = worker.run();
  return {
    running,
    async stop() {
      await worker.shutdown();
      await running.catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

export { createCodec };
