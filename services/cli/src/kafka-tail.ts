import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { NotFoundError } from './exit-codes.js';

export interface TailOptions {
  kafka: Kafka;
  topic: string;
  fromBeginning: boolean;
  /** Stop after this many messages (handled ones: the callback returns true when it printed). */
  max?: number;
  /** Stop when no message arrived for this long. */
  idleMs?: number;
  signal: AbortSignal;
  onMessage(m: { topic: string; partition: number; message: KafkaMessage }): Promise<boolean> | boolean;
}

/**
 * Reads a topic with a throwaway consumer group that never commits (a viewer, not a processor) and
 * deletes the group afterwards, so tails leave nothing behind in the lag view.
 */
export async function tailTopic(opts: TailOptions): Promise<number> {
  const admin = opts.kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(opts.topic)) throw new NotFoundError(`topic ${opts.topic} does not exist`);
    const groupId = `zmwatch-tail-${randomBytes(4).toString('hex')}`;
    const consumer = opts.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    let count = 0;
    let lastActivity = Date.now();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    opts.signal.addEventListener('abort', () => finish(), { once: true });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning });
      consumer.on(consumer.events.GROUP_JOIN, () => (lastActivity = Date.now()));
      await consumer.run({
        autoCommit: false,
        eachMessage: async (payload) => {
          if (opts.max !== undefined && count >= opts.max) return;
          lastActivity = Date.now();
          if (
            await opts.onMessage({
              topic: payload.topic,
              partition: payload.partition,
              message: payload.message,
            })
          )
            count++;
          if (opts.max !== undefined && count >= opts.max) finish();
        },
      });
      const idle = opts.idleMs
        ? setInterval(
            () => {
              if (Date.now() - lastActivity >= opts.idleMs!) finish();
            },
            Math.min(250, opts.idleMs),
          )
        : undefined;
      await done;
      if (idle) clearInterval(idle);
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return count;
  } finally {
    await admin.disconnect();
  }
}
