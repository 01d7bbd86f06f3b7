/**
 * Kafka helpers shared by the foreign-producer tests: a client and a run's topics on the shared stack,
 * reading topics back and waiting for conditions.
 */
import { crc32 } from 'node:zlib';
import { logLevel, type Admin, type IHeaders, type Kafka } from 'kafkajs';
import { createKafka, createTopicsReady, type Logger } from '@zmwatch/kit';
import { dlqTopicFor, repartitionTopicFor, TOPICS } from '@zmwatch/schemas';
import { deleteRedisKeys, stack, uniqueName } from '@zmwatch/test-support/stack';

/** A client of the shared stack's Kafka that logs through `logger` only. */
export function stackKafka(clientId: string, logger: Logger): Kafka {
  return createKafka({ clientId, brokers: stack.brokers, logger, level: logLevel.NOTHING });
}

/** A detector run's topics, named after the run. */
export interface RunTopics {
  registrations: string;
  declarations: string;
  alerts: string;
}

export function runTopics(run: string): RunTopics {
  return {
    registrations: `${run}.${TOPICS.registrations}`,
    declarations: `${run}.${TOPICS.declarations}`,
    alerts: `${run}.${TOPICS.alerts}`,
  };
}

/**
 * Creates a run's topics: the inputs with their .repartition twins, co-partitioned on `partitions`,
 * a one-partition .dlq for each of those, and the alerts topic. Returns them by role; `all` is for
 * clean-up.
 */
export async function createRunTopics(
  admin: Admin,
  topics: RunTopics,
  partitions: number,
  alertPartitions = partitions,
): Promise<{ inputs: string[]; repartition: string[]; dlqs: string[]; all: string[] }> {
  const inputs = [topics.registrations, topics.declarations];
  const repartition = inputs.map(repartitionTopicFor);
  const dlqs = [...inputs, ...repartition].map(dlqTopicFor);
  const all = [...inputs, ...repartition, ...dlqs, topics.alerts];
  await createTopicsReady(
    admin,
    all.map((topic) => ({
      topic,
      numPartitions: topic.endsWith('.dlq') ? 1 : topic === topics.alerts ? alertPartitions : partitions,
    })),
  );
  return { inputs, repartition, dlqs, all };
}

/** Deletes what a run left on the shared stack: its topics, its consumer group and its Redis keys. */
export async function deleteRun(admin: Admin, run: string, topics: string[], groupId: string): Promise<void> {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await deleteRedisKeys(run);
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** The record's Kafka timestamp (ms; the producer's create time). */
  timestamp: number;
}

/** librdkafka's `consistent_random` / `consistent` placement of a non-empty key: CRC32 modulo the count. */
export function crc32Partition(key: string | Buffer, partitionCount: number): number {
  return crc32(typeof key === 'string' ? Buffer.from(key, 'utf8') : key) % partitionCount;
}

/** A consumer (own group, from the beginning) that keeps every message of `topics` in memory. */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private constructor(private readonly stopConsumer: () => Promise<void>) {}

  static async start(kafka: Kafka, topics: readonly string[]): Promise<TopicReader> {
    const consumer = kafka.consumer({
      groupId: uniqueName('foreign-reader'),
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    const reader = new TopicReader(async () => {
      await consumer.disconnect();
    });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        reader.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          timestamp: Number(message.timestamp),
        });
      },
    });
    return reader;
  }

  of(topic: string): ReadMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async stop(): Promise<void> {
    await this.stopConsumer();
  }
}

/** Polls until `check` returns a truthy value; throws naming `what` (and the last `describe()`) on timeout. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
  describe?: () => string | Promise<string>,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) {
      const detail = describe ? `: ${await describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
