/**
 * A detector pipeline on the shared stack for one test run: its topics (created, and deleted with
 * everything the detector derives from them), a detector config pointing at them, a producer of
 * Avro-framed input events and collectors that read a topic back.
 */
import type { Admin, Consumer, IHeaders, Kafka, Producer } from 'kafkajs';
import {
  createCodec,
  repartitionTopicFor,
  TOPICS,
  type Alert,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { entityRecheckTopicFor, loadRuleset, type DetectorConfig, type Ruleset } from '@zmwatch/detector';
import { stack, uniqueName } from './stack.js';

export interface TestTopics {
  registrations: string;
  declarations: string;
  alerts: string;
}

/** The topic names a test with this id uses (not created). */
export function testTopicNames(id: string): TestTopics {
  return { registrations: `${id}.registrations`, declarations: `${id}.declarations`, alerts: `${id}.alerts` };
}

export async function createTestTopics(admin: Admin, id: string, partitions = 6): Promise<TestTopics> {
  const t = testTopicNames(id);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: t.registrations, numPartitions: partitions },
      { topic: t.declarations, numPartitions: partitions },
      { topic: t.alerts, numPartitions: 3 },
      { topic: `${t.registrations}.dlq`, numPartitions: 1 },
      { topic: `${t.declarations}.dlq`, numPartitions: 1 },
    ],
  });
  return t;
}

export async function deleteTestTopics(admin: Admin, t: TestTopics): Promise<void> {
  await admin
    .deleteTopics({
      topics: [
        t.registrations,
        t.declarations,
        t.alerts,
        `${t.registrations}.dlq`,
        `${t.declarations}.dlq`,
        repartitionTopicFor(t.registrations),
        repartitionTopicFor(t.declarations),
        entityRecheckTopicFor(t.declarations),
      ],
    })
    .catch(() => undefined);
}

export function testConfig(
  id: string,
  topics: TestTopics,
  over: Partial<DetectorConfig> = {},
  ruleset: Ruleset = loadRuleset(),
): DetectorConfig {
  return {
    brokers: stack.brokers,
    clientId: id,
    groupId: `${id}-detector`,
    topics,
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    maxRetryDelayMs: 1000,
    redis: { url: stack.redisUrl },
    keys: { prefix: id, bucketsPerPartition: 64, velocityBucketsPerPartition: 16 },
    cacheBuckets: 32_768,
    ruleset,
    partitionsConcurrently: 3, // the production default: batches of several partitions overlap
    sweep: { intervalMs: 200, bucketsPerTick: 64 },
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'silent',
    ...over,
  };
}

/** Produces Avro-framed input events keyed by VIN (the default, murmur2 partitioner). */
export class EventProducer {
  private constructor(
    readonly producer: Producer,
    readonly codec: Codec,
    readonly topics: TestTopics,
  ) {}
  static async create(kafka: Kafka, topics: TestTopics): Promise<EventProducer> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    return new EventProducer(producer, await createCodec(), topics);
  }
  async send(events: Array<{ reg: RegistrationEvent } | { decl: CustomsDeclarationEvent }>): Promise<void> {
    const regs = events.flatMap((e) =>
      'reg' in e ? [{ key: e.reg.vin, value: this.codec.encode(TOPICS.registrations, e.reg) }] : [],
    );
    const decls = events.flatMap((e) =>
      'decl' in e ? [{ key: e.decl.vin, value: this.codec.encode(TOPICS.declarations, e.decl) }] : [],
    );
    const topicMessages = [];
    if (regs.length) topicMessages.push({ topic: this.topics.registrations, messages: regs });
    if (decls.length) topicMessages.push({ topic: this.topics.declarations, messages: decls });
    await this.producer.sendBatch({ acks: -1, topicMessages });
  }
  /** Sends events one call at a time, in order (so cross-topic order is the given order). */
  async sendInOrder(
    events: Array<{ reg: RegistrationEvent } | { decl: CustomsDeclarationEvent }>,
  ): Promise<void> {
    for (const e of events) await this.send([e]);
  }
  async sendRaw(topic: string, key: string | null, value: Buffer, headers?: IHeaders): Promise<void> {
    await this.producer.send({
      topic,
      acks: -1,
      messages: [{ key, value, ...(headers ? { headers } : {}) }],
    });
  }
  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export interface CollectedAlert {
  alert: Alert;
  partition: number;
  offset: string;
}

/** Reads a topic from the beginning into memory (alerts decoded, DLQ records raw). */
export class TopicCollector<T> {
  readonly items: T[] = [];
  private constructor(private readonly consumer: Consumer) {}
  static async start<T>(
    kafka: Kafka,
    topic: string,
    map: (m: {
      value: Buffer | null;
      key: Buffer | null;
      headers: IHeaders;
      partition: number;
      offset: string;
    }) => T,
  ): Promise<TopicCollector<T>> {
    const consumer = kafka.consumer({
      groupId: uniqueName('collector'),
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const c = new TopicCollector<T>(consumer);
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        c.items.push(
          map({
            value: message.value,
            key: message.key,
            headers: message.headers ?? {},
            partition,
            offset: message.offset,
          }),
        );
      },
    });
    return c;
  }
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

export async function collectAlerts(kafka: Kafka, topic: string): Promise<TopicCollector<CollectedAlert>> {
  const codec = await createCodec();
  return TopicCollector.start(kafka, topic, (m) => ({
    alert: codec.decodeSync(m.value, TOPICS.alerts).record,
    partition: m.partition,
    offset: m.offset,
  }));
}
