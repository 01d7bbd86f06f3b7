import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { logLevel, type Admin, type Kafka, type Producer } from 'kafkajs';
import { createIdempotentProducer, createKafka, createLogger, createRedis, type Logger } from '@zmwatch/kit';
import { createCodec, type Codec } from '@zmwatch/schemas';
import {
  createApp as createDetector,
  loadRuleset,
  type DetectorApp,
  type DetectorConfig,
} from '@zmwatch/detector';
import { createApp as createEscalator, type EscalatorApp } from '@zmwatch/escalator';
import { createCaseClient, createCaseViewWriter, type CaseClient, type CaseConfig } from '@zmwatch/workflows';
import {
  createCaseWorker,
  NativeConnection,
  WORKFLOW_BUNDLE_PATH,
  WORKFLOWS_PATH,
} from '@zmwatch/workflows/worker';
import { quietTemporalRuntime, testCaseConfig } from '@zmwatch/test-support/cases';
import {
  createApp as createConsole,
  DEFAULT_AUDIT,
  DEFAULT_SECURITY,
  parseUsers,
  DEFAULT_USERS_FILE,
  type ConsoleApp,
} from '@zmwatch/console';
import { readFileSync } from 'node:fs';
import { stack } from '@zmwatch/test-support/stack';

export const logger: Logger = createLogger('e2e', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');

export interface Topics {
  registrations: string;
  declarations: string;
  alerts: string;
  outcomes: string;
  /** The console's access audit. */
  audit: string;
}

/**
 * The whole pipeline in this process, on topics, groups, Redis keys and a Temporal task queue unique
 * to the run: detector → alerts → escalator → case workflows (worker) → outcomes, and the console.
 */
export interface Pipeline {
  run: string;
  topics: Topics;
  kafka: Kafka;
  codec: Codec;
  producer: Producer;
  cases: CaseClient;
  caseConfig: CaseConfig;
  console: ConsoleApp;
  detectorGroup: string;
  startDetector(): Promise<void>;
  stopDetector(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPipeline(run: string): Promise<Pipeline> {
  quietTemporalRuntime('ERROR');
  const topics: Topics = {
    registrations: `${run}.vehicle.registrations.v1`,
    declarations: `${run}.customs.declarations.v1`,
    alerts: `${run}.zm.alerts.v1`,
    outcomes: `${run}.zm.case-outcomes.v1`,
    audit: `${run}.zm.access-audit.v1`,
  };
  const kafka = createKafka({ clientId: run, brokers: stack.brokers, logger, level: logLevel.NOTHING });
  const admin: Admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.registrations, numPartitions: 3 },
      { topic: topics.declarations, numPartitions: 3 },
      { topic: topics.alerts, numPartitions: 3 },
      { topic: topics.outcomes, numPartitions: 1 },
      { topic: `${topics.registrations}.dlq`, numPartitions: 1 },
      { topic: `${topics.declarations}.dlq`, numPartitions: 1 },
      { topic: `${topics.alerts}.dlq`, numPartitions: 1 },
    ],
  });
  const codec = await createCodec();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();

  // Customs' hold endpoint: a confirmed case recommends a hold; accept it.
  const customs: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}'));
  });
  await new Promise<void>((r) => customs.listen(0, '127.0.0.1', () => r()));
  const customsUrl = `http://127.0.0.1:${(customs.address() as AddressInfo).port}/holds`;

  const taskQueue = `zm-cases-${run}`;
  const caseConfig = testCaseConfig(run);
  // The case projection, as the demo and production run it (ZM_CASE_VIEWS on): the worker writes each
  // case to Redis and the console's case page reads it there first. Keys are per VIN (fresh VINs).
  const caseViewRedis = createRedis({ url: stack.redisUrl }, { connectionName: `${run}-case-views` });
  await caseViewRedis.connect();
  const workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await createCaseWorker({
    connection: workerConnection,
    taskQueue,
    workflows: existsSync(WORKFLOW_BUNDLE_PATH)
      ? { bundlePath: WORKFLOW_BUNDLE_PATH }
      : { workflowsPath: WORKFLOWS_PATH },
    logger,
    shutdownGraceTime: '1s',
    caseViews: createCaseViewWriter(caseViewRedis, { ttlMs: 3_600_000 }),
    activityDeps: {
      producer,
      outcomesTopic: topics.outcomes,
      encodeOutcome: (o) => codec.encode('zm.case-outcomes.v1', o),
      customs: { url: customsUrl },
      notifier: async () => {},
      logger,
    },
  });
  const workerRun = worker.run();

  const escalator: EscalatorApp = createEscalator(
    {
      brokers: stack.brokers,
      clientId: `${run}-escalator`,
      groupId: `${run}-escalator`,
      alertsTopic: topics.alerts,
      fromBeginning: true,
      maxRetryDelayMs: 1000,
      temporalAddress: stack.temporalAddress,
      temporalNamespace: 'default',
      taskQueue,
      callTimeoutMs: 5000,
      concurrency: 8,
      partitionsConcurrently: 3,
      caseConfig,
      lagIntervalMs: 1000,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      logLevel: 'silent',
    },
    { logger },
  );
  await escalator.start();

  const detectorGroup = `${run}-detector`;
  const detectorConfig: DetectorConfig = {
    brokers: stack.brokers,
    clientId: `${run}-detector`,
    groupId: detectorGroup,
    topics: { registrations: topics.registrations, declarations: topics.declarations, alerts: topics.alerts },
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    maxRetryDelayMs: 1000,
    redis: { url: stack.redisUrl },
    keys: { prefix: run, bucketsPerPartition: 16, velocityBucketsPerPartition: 8 },
    cacheBuckets: 32_768,
    ruleset: loadRuleset(),
    sweep: { intervalMs: 500, bucketsPerTick: 16 },
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'silent',
  };
  let detector: DetectorApp | undefined;

  const consoleApp = createConsole(
    {
      host: '127.0.0.1',
      port: 0,
      users: parseUsers(readFileSync(DEFAULT_USERS_FILE, 'utf8'), DEFAULT_USERS_FILE),
      secureCookie: false,
      sessionIdleMs: 3_600_000,
      sessionMaxMs: 3_600_000,
      security: { ...DEFAULT_SECURITY, metricsListener: { host: '127.0.0.1', port: 0 } },
      brokers: stack.brokers,
      temporalAddress: stack.temporalAddress,
      temporalNamespace: 'default',
      casesTaskQueue: taskQueue,
      caseViews: { url: stack.redisUrl },
      queues: [
        caseConfig.routing.priorityQueue,
        caseConfig.routing.standardQueue,
        caseConfig.routing.supervisorQueue,
      ],
      alertsTopic: topics.alerts,
      feedSize: 50,
      lag: {
        intervalMs: 500,
        windowSize: 4,
        historySize: 240,
        groupPattern: `^${run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-`,
        topicPattern: `^${run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`,
      },
      feedCheck: { topics: [topics.registrations, topics.declarations], sample: 500, cacheMs: 5000 },
      audit: { ...DEFAULT_AUDIT, topic: topics.audit, flushIntervalMs: 100 },
      logLevel: 'silent',
    },
    { logger },
  );
  await consoleApp.start();

  const clientConnection = await Connection.connect({ address: stack.temporalAddress });
  const cases = createCaseClient(new Client({ connection: clientConnection }), { taskQueue });

  return {
    run,
    topics,
    kafka,
    codec,
    producer,
    cases,
    caseConfig,
    console: consoleApp,
    detectorGroup,
    async startDetector() {
      detector = createDetector(detectorConfig, { logger });
      await detector.start();
    },
    async stopDetector() {
      await detector?.stop();
      detector = undefined;
    },
    async stop() {
      await detector?.stop().catch(() => undefined);
      await consoleApp.stop().catch(() => undefined);
      await escalator.stop().catch(() => undefined);
      await worker.shutdown().catch(() => undefined);
      await workerRun.catch(() => undefined);
      await workerConnection.close().catch(() => undefined);
      caseViewRedis.disconnect();
      await clientConnection.close().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await new Promise<void>((r) => customs.close(() => r()));
      await admin
        .deleteTopics({
          topics: [
            ...Object.values(topics),
            ...[topics.registrations, topics.declarations, topics.alerts].map((t) => `${t}.dlq`),
          ],
        })
        .catch(() => undefined);
      await admin.deleteGroups([`${run}-escalator`, detectorGroup]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
