/**
 * Dead-letter convention for `<topic>.dlq`: the dead letter carries the ORIGINAL key and value bytes
 * untouched and the original headers, plus `zm-dlq-*` headers saying where it came from and why.
 * (services/kit's DLQ writer follows the same header names.)
 */
import { dlqTopicFor } from './topics.js';

export const DLQ_HEADERS = {
  sourceTopic: 'zm-dlq-source-topic',
  sourcePartition: 'zm-dlq-source-partition',
  sourceOffset: 'zm-dlq-source-offset',
  errorClass: 'zm-dlq-error-class',
  errorMessage: 'zm-dlq-error-message',
  failedAt: 'zm-dlq-failed-at',
  service: 'zm-dlq-service',
  /** Present when the value was too large to carry (its byte length): read it at the source offset. */
  valueOmitted: 'zm-dlq-value-omitted-bytes',
} as const;

const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));

/** Maximum length kept of the error message header. */
export const DLQ_MAX_ERROR_MESSAGE = 2000;

/** kafkajs-compatible header map (IHeaders). */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

export interface DeadLetterInput {
  /** Source topic the message was consumed from. */
  readonly topic: string;
  readonly partition: number;
  /** The consumed message (kafkajs KafkaMessage fits). */
  readonly message: {
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly offset: string;
    readonly headers?: KafkaHeaders | undefined;
  };
  /** Why it failed: a CodecError (its `code` is the class) or any Error (its name). */
  readonly error: unknown;
  /** Service that gave up on the message. */
  readonly service?: string | undefined;
  readonly failedAt?: Date | undefined;
}

export interface DeadLetterMessage {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
}

/** Error class name written to `zm-dlq-error-class`: CodecError#code, else Error#name. */
export function errorClassOf(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name) return name;
  }
  return 'Unknown';
}

/** Builds the message to produce to `<topic>.dlq` (acks=all) before committing the source offset. */
export function buildDeadLetter(input: DeadLetterInput): DeadLetterMessage {
  const message = input.error instanceof Error ? input.error.message : String(input.error);
  const headers: KafkaHeaders = { ...(input.message.headers ?? {}) };
  headers[DLQ_HEADERS.sourceTopic] = input.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(input.partition);
  headers[DLQ_HEADERS.sourceOffset] = input.message.offset;
  headers[DLQ_HEADERS.errorClass] = errorClassOf(input.error);
  headers[DLQ_HEADERS.errorMessage] = message.slice(0, DLQ_MAX_ERROR_MESSAGE);
  headers[DLQ_HEADERS.failedAt] = (input.failedAt ?? new Date()).toISOString();
  if (input.service) headers[DLQ_HEADERS.service] = input.service;
  return { topic: dlqTopicFor(input.topic), key: input.message.key, value: input.message.value, headers };
}

export interface DeadLetterInfo {
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly failedAt: Date;
  readonly service: string | undefined;
  /** The headers of the original message (zm-dlq-* removed). */
  readonly originalHeaders: KafkaHeaders;
}

function headerString(v: KafkaHeaders[string]): string | undefined {
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  if (one === undefined) return undefined;
  return Buffer.isBuffer(one) ? one.toString('utf8') : one;
}

/**
 * Reads the `zm-dlq-*` headers of a consumed dead letter (headers arrive as Buffers from kafkajs).
 * Returns `{ ok: false, reason }` when a required header is missing or malformed.
 */
export function parseDeadLetterHeaders(
  headers: KafkaHeaders | undefined,
): ({ ok: true } & DeadLetterInfo) | { ok: false; reason: string } {
  const h = headers ?? {};
  const get = (name: string) => headerString(h[name]);
  const sourceTopic = get(DLQ_HEADERS.sourceTopic);
  const partition = get(DLQ_HEADERS.sourcePartition);
  const sourceOffset = get(DLQ_HEADERS.sourceOffset);
  const errorClass = get(DLQ_HEADERS.errorClass);
  const errorMessage = get(DLQ_HEADERS.errorMessage) ?? '';
  const failedAtRaw = get(DLQ_HEADERS.failedAt);
  if (!sourceTopic) return { ok: false, reason: `missing header ${DLQ_HEADERS.sourceTopic}` };
  if (partition === undefined || !/^\d+$/.test(partition)) {
    return { ok: false, reason: `missing or non-numeric header ${DLQ_HEADERS.sourcePartition}` };
  }
  if (sourceOffset === undefined || !/^\d+$/.test(sourceOffset)) {
    return { ok: false, reason: `missing or non-numeric header ${DLQ_HEADERS.sourceOffset}` };
  }
  if (!errorClass) return { ok: false, reason: `missing header ${DLQ_HEADERS.errorClass}` };
  const failedAt = new Date(failedAtRaw ?? '');
  if (Number.isNaN(failedAt.getTime()))
    return { ok: false, reason: `missing or invalid header ${DLQ_HEADERS.failedAt}` };
  const originalHeaders: KafkaHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!DLQ_HEADER_NAMES.has(k)) originalHeaders[k] = v;
  return {
    ok: true,
    sourceTopic,
    sourcePartition: Number(partition),
    sourceOffset,
    errorClass,
    errorMessage,
    failedAt,
    service: get(DLQ_HEADERS.service),
    originalHeaders,
  };
}
