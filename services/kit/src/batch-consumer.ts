import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from './logger.js';
import { backoffDelay, sleep } from './backoff.js';
import { errorMessage, isNonRetriable, NonRetriableError } from './errors.js';
import type { DeadLetter, DeadLetterWriter } from './dead-letter.js';

export interface Decoded<T> {
  topic: string;
  partition: number;
  message: KafkaMessage;
  value: T;
}

export interface BatchHooks {
  /** Called once per processed batch (after its offsets are resolved). */
  onBatch?(info: {
    topic: string;
    partition: number;
    processed: number;
    deadLettered: number;
    ms: number;
  }): void;
  /** Called on each retriable failure, before backing off. */
  onRetry?(info: { topic: string; partition: number; attempt: number; error: unknown }): void;
}

export interface BatchConsumerOptions<T> extends BatchHooks {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  logger: Logger;
  deadLetters: DeadLetterWriter;
  /** Turn raw bytes into a value; throw NonRetriableError for input that can never succeed. */
  decode(message: KafkaMessage, topic: string, partition: number): T;
  /**
   * Apply the effects of a batch of decoded records, in offset order. Resolve only once they are
   * durable. Records it cannot process for good are returned as dead letters; any thrown error is
   * treated as retriable (the whole batch is retried and nothing is committed).
   */
  handle(
    records: Decoded<T>[],
  ): Promise<{ rejected?: Array<{ record: Decoded<T>; error: NonRetriableError }> } | void>;
  consumerConfig?: Partial<Parameters<Kafka['consumer']>[0]>;
  maxRetryDelayMs?: number;
  /**
   * Batches of different partitions handled at once (kafkajs `partitionsConsumedConcurrently`,
   * default 1). Order within a partition — hence per key — is kept either way.
   */
  partitionsConsumedConcurrently?: number;
}

export interface BatchConsumer {
  consumer: Consumer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The project's one Kafka consumption loop: eachBatch with manual offset resolution. A batch's offsets
 * are resolved only after its effects (or its dead letters) are acknowledged; retriable failures back
 * off and retry the same batch while heartbeating, and leave it uncommitted if the consumer stops or the
 * batch goes stale (a rebalance moved the partition), so the next owner sees it again.
 */
export function createBatchConsumer<T>(opts: BatchConsumerOptions<T>): BatchConsumer {
  const consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 1_048_576,
    ...opts.consumerConfig,
  });
  const stopping = new AbortController();

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    if (batch.messages.length === 0) return;
    const started = performance.now();
    const good: Decoded<T>[] = [];
    const dead: DeadLetter[] = [];
    for (const message of batch.messages) {
      try {
        good.push({
          topic: batch.topic,
          partition: batch.partition,
          message,
          value: opts.decode(message, batch.topic, batch.partition),
        });
      } catch (err) {
        const error = isNonRetriable(err)
          ? err
          : new NonRetriableError(errorMessage(err), 'undecodable', { cause: err });
        dead.push({ topic: batch.topic, partition: batch.partition, message, error });
      }
    }

    for (let attempt = 0; ; attempt++) {
      if (!isRunning() || isStale()) return; // leave uncommitted; the partition's next owner redoes it
      try {
        const result = good.length > 0 ? await opts.handle(good) : undefined;
        const rejected = result?.rejected ?? [];
        const letters = dead.concat(
          rejected.map(({ record, error }) => ({
            topic: record.topic,
            partition: record.partition,
            message: record.message,
            error,
          })),
        );
        await opts.deadLetters.write(letters);
        for (const l of letters) {
          opts.logger.warn(
            {
              topic: l.topic,
              partition: l.partition,
              offset: l.message.offset,
              errorClass: l.error.errorClass,
              err: l.error.message,
            },
            'dead-lettered record',
          );
        }
        const last = batch.messages[batch.messages.length - 1]!;
        resolveOffset(last.offset);
        await heartbeat();
        await commitOffsetsIfNecessary();
        opts.onBatch?.({
          topic: batch.topic,
          partition: batch.partition,
          processed: batch.messages.length,
          deadLettered: letters.length,
          ms: performance.now() - started,
        });
        return;
      } catch (err) {
        opts.onRetry?.({ topic: batch.topic, partition: batch.partition, attempt, error: err });
        const delay = backoffDelay(attempt, 200, opts.maxRetryDelayMs ?? 10_000);
        opts.logger.warn(
          {
            topic: batch.topic,
            partition: batch.partition,
            firstOffset: batch.firstOffset(),
            attempt,
            delay,
            err: errorMessage(err),
          },
          'batch failed with a retriable error; backing off without committing',
        );
        await sleep(delay, stopping.signal);
        try {
          await heartbeat();
        } catch {
          return; // rebalance in progress: give the batch up uncommitted
        }
      }
    }
  }

  return {
    consumer,
    async start() {
      await consumer.connect();
      for (const topic of opts.topics)
        await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
      await consumer.run({
        eachBatchAutoResolve: false,
        autoCommit: true,
        autoCommitInterval: 1000,
        partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
        eachBatch,
      });
    },
    async stop() {
      stopping.abort();
      await consumer.disconnect();
    },
  };
}
