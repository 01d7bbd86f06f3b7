import { after, before } from 'node:test';
import { logLevel, type Consumer } from 'kafkajs';
import { Client, Connection } from '@temporalio/client';
import { stackAddresses, createIdempotentProducer, createKafka, createLogger } from '@zmwatch/kit';
import { createCodec, TOPICS, type CaseOutcome } from '@zmwatch/schemas';
import { quietTemporalRuntime, terminateTaskQueue } from '@zmwatch/test-support/cases';
import { createCaseClient, type CaseNotification } from '../../src/index.js';
import {
  createCaseWorker,
  NativeConnection,
  WORKFLOWS_PATH,
  type CaseWorker,
} from '../../src/worker-entry.js';
import { startCustomsServer, type CustomsServer } from './customs-server.js';

export const TEMPORAL_ADDRESS = stackAddresses().temporalAddress;
export const BROKERS = stackAddresses().brokers;

export interface CaseEnvOptions {
  run: string;
  customsUrl: string;
  temporalAddress?: string;
}

/**
 * A real case worker (workflows bundled from source) on a task queue of its own, a Kafka topic of its
 * own for outcomes, and a typed client — everything a test run needs, isolated from other runs.
 */
export async function startCaseEnv(opts: CaseEnvOptions) {
  quietTemporalRuntime();
  const logger = createLogger('case-test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');
  const taskQueue = `zm-cases-test-${opts.run}`;
  const outcomesTopic = `zm.case-outcomes.v1.test-${opts.run}`;
  const address = opts.temporalAddress ?? TEMPORAL_ADDRESS;
  const codec = await createCodec();
  const kafka = createKafka({ clientId: 'case-test', brokers: BROKERS, logger, level: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: outcomesTopic, numPartitions: 1 }], waitForLeaders: true });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();

  const notifications: CaseNotification[] = [];
  const nativeConnection = await NativeConnection.connect({ address });
  const makeWorker = () =>
    createCaseWorker({
      connection: nativeConnection,
      taskQueue,
      workflows: { workflowsPath: WORKFLOWS_PATH },
      logger,
      shutdownGraceTime: '2s',
      activityDeps: {
        producer,
        outcomesTopic,
        encodeOutcome: (o) => codec.encode(TOPICS.caseOutcomes, o),
        customs: { url: opts.customsUrl, timeoutMs: 3_000 },
        notifier: async (n) => {
          notifications.push(n);
        },
        logger,
      },
    });
  let worker: CaseWorker = await makeWorker();
  let running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const cases = createCaseClient(client, { taskQueue });

  const consumers: Consumer[] = [];
  /** Every outcome on this run's topic, read from the beginning; resolves once `count` are seen. */
  async function readOutcomes(
    count: number,
    timeoutMs = 15_000,
  ): Promise<Array<{ key: string; outcome: CaseOutcome }>> {
    const seen: Array<{ key: string; outcome: CaseOutcome }> = [];
    const consumer = kafka.consumer({ groupId: `case-test-read-${opts.run}-${consumers.length}` });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: outcomesTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`saw ${seen.length}/${count} outcomes`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({
            key: message.key!.toString(),
            outcome: codec.decodeSync(message.value, TOPICS.caseOutcomes).record,
          });
          if (seen.length >= count) {
            clearTimeout(t);
            resolve();
          }
        },
      });
    });
    // Give a duplicate the chance to show up before the caller asserts "exactly".
    await new Promise((r) => setTimeout(r, 500));
    await consumer.disconnect();
    return seen;
  }

  return {
    taskQueue,
    outcomesTopic,
    client,
    cases,
    notifications,
    readOutcomes,
    /** Stops and recreates the worker (its cache is lost; the workflows replay). */
    async restartWorker() {
      await worker.shutdown();
      await running;
      worker = await makeWorker();
      running = worker.run();
    },
    async stop() {
      await terminateTaskQueue(client, taskQueue).catch(() => undefined);
      await worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await nativeConnection.close();
      await producer.disconnect();
      for (const c of consumers) await c.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [outcomesTopic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export type CaseEnv = Awaited<ReturnType<typeof startCaseEnv>>;

export interface CaseEnvHandle {
  env: CaseEnv;
  customs: CustomsServer;
}

/**
 * A test file's case env and customs stand-in, started by a `before` hook and stopped by an `after`
 * hook of the file; the returned handle's fields are set once `before` ran.
 */
export function useCaseEnv(run: string): CaseEnvHandle {
  const handle = {} as CaseEnvHandle;
  before(async () => {
    handle.customs = await startCustomsServer();
    handle.env = await startCaseEnv({ run, customsUrl: handle.customs.url });
  });
  after(async () => {
    await handle.env?.stop();
    await handle.customs?.close();
  });
  return handle;
}
