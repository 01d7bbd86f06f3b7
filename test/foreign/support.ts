/** Kafka helpers shared by the foreign-producer tests: reading topics back and waiting for conditions. */
import { crc32 } from 'node:zlib';
import type { IHeaders, Kafka } from 'kafkajs';
import { uniqueName } from '../support/env.js';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
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
