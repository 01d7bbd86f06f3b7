import { DLQ_ERROR_CLASSES } from '@zmwatch/schemas';

/**
 * Error classes drive the consumer's one important decision: retry the batch (nothing is committed)
 * or dead-letter the record and move on. Only infrastructure faults are retriable: a RetriableError
 * (services wrap their Redis, Kafka and registry calls in one), an error that says so itself
 * (`retriable: true`, as codec and kafkajs errors do) or a connection-level failure. Anything else
 * that a record's handling throws is a content fault of some record in the batch: the consumer
 * bisects the batch to find it and dead-letters that one (see isolate.ts), so an unexpected throw
 * (a date out of range, a NaN) can never stall a partition the way "retry forever" did.
 */
export class NonRetriableError extends Error {
  override readonly name: string = 'NonRetriableError';
  constructor(
    message: string,
    /** Short machine-readable class, written to the DLQ headers: one of schemas' DLQ_ERROR_CLASSES. */
    readonly errorClass: string = 'non-retriable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The DLQ convention (schemas' errorClassOf) reads an error's class from `code`. */
  get code(): string {
    return this.errorClass;
  }
}

export class RetriableError extends Error {
  override readonly name: string = 'RetriableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function isNonRetriable(err: unknown): err is NonRetriableError {
  return err instanceof NonRetriableError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The error classes (of schemas' DLQ_ERROR_CLASSES) the kit itself writes to the DLQ headers. */
export const KIT_ERROR_CLASSES = {
  /** decode() threw something that is not a NonRetriableError or a retriable fault. */
  undecodable: DLQ_ERROR_CLASSES.undecodable,
  /** handle() threw an unclassified error for this record alone (found by bisecting its batch). */
  handlerFailed: DLQ_ERROR_CLASSES.handlerFailed,
} as const;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/**
 * True for infrastructure faults that a later attempt can get past. Deliberately narrow: an error
 * that is not recognised here is treated as caused by the records being handled.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof RetriableError) return true;
  if (err instanceof NonRetriableError || !(err instanceof Error)) return false;
  const e = err as Error & { retriable?: unknown; code?: unknown };
  if (e.retriable === true) return true;
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  // kafkajs's own failures (broker, network, rebalance) and ioredis's connection-level ones.
  if (e.name.startsWith('KafkaJS')) return true;
  if (e.name === 'MaxRetriesPerRequestError' || e.message === 'Connection is closed.') return true;
  return false;
}
