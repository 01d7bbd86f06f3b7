import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from './logger.js';
import { backoffDelay } from './backoff.js';
import { createConsumer } from './consumer.js';
import {
  errorMessage,
  isNonRetriable,
  isRetriable,
  KIT_ERROR_CLASSES,
  NonRetriableError,
  RetriableError,
} from './errors.js';
import type { DeadLetter, DeadLetterWriter } from './dead-letter.js';
import { handleIsolated } from './isolate.js';
import type { Reroute, RerouteRecord, RerouteWriter } from './reroute.js';

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
    rerouted: number;
    /** Re-routed records by reason. */
    reroutes: ReadonlyMap<string, number>;
    ms: number;
  }): void;
  /** Called on each retriable failure, before backing off. */
  onRetry?(info: { topic: string; partition: number; attempt: number; error: unknown }): void;
  /** Called when a batch had to be bisected to isolate records whose handling threw. */
  onIsolated?(info: {
    topic: string;
    partition: number;
    records: number;
    poison: number;
    calls: number;
  }): void;
}

export interface BatchConsumerOptions<T> extends BatchHooks {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  logger: Logger;
  deadLetters: DeadLetterWriter;
  /**
   * Turn raw bytes into a value. Throw NonRetriableError for input that can never succeed (it is
   * dead-lettered), a retriable error (RetriableError, or `retriable: true`) when decoding needs
   * infrastructure that is away (a schema registry): the batch backs off and is retried. May return a
   * promise (e.g. to fetch an unseen writer schema); only then is it awaited.
   */
  decode(message: KafkaMessage, topic: string, partition: number): T | Promise<T>;
  /**
   * Where a decoded record must go instead of being handled here (a foreign producer put it on
   * another partition, or keyed it otherwise); undefined to handle it here. Needs `reroutes`.
   */
  route?(record: Decoded<T>): Reroute | undefined;
  reroutes?: RerouteWriter;
  /**
   * Apply the effects of a batch of decoded records, in offset order. Resolve only once they are
   * durable. A thrown retriable error (see errors.ts) retries the batch later, nothing committed; any
   * other thrown error is taken as caused by some record: the batch is bisected to find the records
   * whose handling throws, and those are dead-lettered (with the error's class when it is a
   * NonRetriableError, else `HandlerFailed`) while the rest are handled.
   */
  handle(records: Decoded<T>[]): Promise<void>;
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

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** A fault of the kit's own writes (DLQ, re-route): the broker, so always worth retrying. */
async function infra<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw isRetriable(err) ? err : new RetriableError(`${what} failed: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * The project's one Kafka consumption loop: eachBatch with manual offset resolution. A batch's offsets
 * are resolved only after its effects, its re-routed records and its dead letters are acknowledged.
 *
 * Failures are classified per record. Content faults never stall: a record that cannot be decoded
 * or that handle() rejects is dead-lettered, and an unexpected throw from handle() is bisected down
 * to the records that cause it (handleIsolated). Infrastructure faults (retriable) leave the batch
 * uncommitted and PAUSE only that topic-partition for a backoff delay: the other partitions keep being
 * fetched and handled meanwhile (sleeping inside eachBatch would hold the whole fetch loop), and
 * kafkajs fetches the batch again from the last resolved offset when the pause ends.
 */
export function createBatchConsumer<T>(opts: BatchConsumerOptions<T>): BatchConsumer {
  const consumer = createConsumer(opts.kafka, {
    groupId: opts.groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 1_048_576,
    ...opts.consumerConfig,
  });
  if (opts.route && !opts.reroutes) throw new Error('createBatchConsumer: route needs a reroutes writer');
  /** Consecutive failed attempts per topic-partition (reset by a success). */
  const attempts = new Map<string, number>();
  const resumeTimers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  async function decodeAll(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
  ): Promise<{ good: Decoded<T>[]; dead: DeadLetter[] }> {
    const good: Decoded<T>[] = [];
    const dead: DeadLetter[] = [];
    for (const message of messages) {
      try {
        const v = opts.decode(message, topic, partition);
        good.push({ topic, partition, message, value: isPromise(v) ? await v : v });
      } catch (err) {
        if (isRetriable(err)) throw err; // e.g. the registry is away: the whole batch waits
        const error = isNonRetriable(err)
          ? err
          : new NonRetriableError(errorMessage(err), KIT_ERROR_CLASSES.undecodable, { cause: err });
        dead.push({ topic, partition, message, error });
      }
    }
    return { good, dead };
  }

  async function processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const started = performance.now();
    const { good, dead } = await decodeAll(batch.topic, batch.partition, batch.messages);

    const here: Decoded<T>[] = [];
    const moved: RerouteRecord[] = [];
    const reasons = new Map<string, number>();
    for (const record of good) {
      let to: Reroute | undefined;
      try {
        to = opts.route?.(record);
      } catch (err) {
        const error = new NonRetriableError(
          `routing this record threw: ${errorMessage(err)}`,
          KIT_ERROR_CLASSES.handlerFailed,
          { cause: err },
        );
        dead.push({ topic: record.topic, partition: record.partition, message: record.message, error });
        continue;
      }
      if (!to) {
        here.push(record);
        continue;
      }
      moved.push({ topic: record.topic, partition: record.partition, message: record.message, to });
      reasons.set(to.reason, (reasons.get(to.reason) ?? 0) + 1);
    }

    const isolated = await handleIsolated(here, (records) => opts.handle(records));
    if (isolated.calls > 1)
      opts.onIsolated?.({
        topic: batch.topic,
        partition: batch.partition,
        records: here.length,
        poison: isolated.rejected.filter((r) => r.error.errorClass === KIT_ERROR_CLASSES.handlerFailed)
          .length,
        calls: isolated.calls,
      });
    const letters = dead.concat(
      isolated.rejected.map(({ record, error }) => ({
        topic: record.topic,
        partition: record.partition,
        message: record.message,
        error,
      })),
    );
    if (moved.length > 0) await infra('re-routing records', () => opts.reroutes!.write(moved));
    await infra('writing dead letters', () => opts.deadLetters.write(letters));
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
    payload.resolveOffset(last.offset);
    opts.onBatch?.({
      topic: batch.topic,
      partition: batch.partition,
      processed: batch.messages.length,
      deadLettered: letters.length,
      rerouted: moved.length,
      reroutes: reasons,
      ms: performance.now() - started,
    });
    try {
      await payload.heartbeat();
      await payload.commitOffsetsIfNecessary();
    } catch (err) {
      // The batch's effects are durable and its offset resolved: nothing to retry or pause. The
      // auto-commit sends the offset once the group coordinator answers again (it moves when its
      // broker dies); after a rebalance the partition's next owner redoes the batch, idempotently.
      opts.logger.warn(
        { topic: batch.topic, partition: batch.partition, offset: last.offset, err: errorMessage(err) },
        'batch done; its heartbeat or offset commit failed (group coordinator unavailable?), committed later or redone by the next owner',
      );
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (batch.messages.length === 0) return;
    if (!isRunning() || isStale()) return; // leave uncommitted; the partition's next owner redoes it
    const tp = `${batch.topic}:${batch.partition}`;
    try {
      await processBatch(payload);
      attempts.delete(tp);
    } catch (err) {
      // Content faults were dealt with per record above; what reaches here is infrastructure (or a
      // defect of the kit itself, logged as such): back off this partition alone.
      const attempt = attempts.get(tp) ?? 0;
      attempts.set(tp, attempt + 1);
      opts.onRetry?.({ topic: batch.topic, partition: batch.partition, attempt, error: err });
      const delay = backoffDelay(attempt, 200, opts.maxRetryDelayMs ?? 10_000);
      opts.logger[isRetriable(err) ? 'warn' : 'error'](
        {
          topic: batch.topic,
          partition: batch.partition,
          firstOffset: batch.firstOffset(),
          attempt,
          delay,
          err: errorMessage(err),
        },
        'batch failed with a retriable error; pausing this partition without committing (others go on)',
      );
      if (stopped || !isRunning()) return;
      const resume = payload.pause();
      clearTimeout(resumeTimers.get(tp));
      resumeTimers.set(
        tp,
        setTimeout(() => {
          resumeTimers.delete(tp);
          if (!stopped) resume();
        }, delay),
      );
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
      stopped = true;
      for (const t of resumeTimers.values()) clearTimeout(t);
      resumeTimers.clear();
      await consumer.disconnect();
    },
  };
}
