/** Library side of `zmwatch replay FILE` and `zmwatch tail TOPIC`. */
import type { Message, Producer } from 'kafkajs';
import type { Codec, Decoded } from './codec.js';
import { CodecError } from './errors.js';
import { toJsonForm } from './json-form.js';
import { readNdjson } from './ndjson.js';
import type { Readable } from 'node:stream';
import type { Topic } from './topics.js';

export interface ReplayProgress {
  readonly lineNo: number;
  readonly produced: number;
  readonly rejected: number;
}

export interface ReplayOptions {
  /** NDJSON file path or stream. */
  readonly file: string | Readable;
  /** A connected kafkajs producer (idempotent recommended); not disconnected here. */
  readonly producer: Pick<Producer, 'send'>;
  readonly codec: Codec;
  /** Called after every produced batch. */
  readonly onProgress?: (p: ReplayProgress) => void;
  /** Kafka topic to produce a contract topic's records to (default: the contract topic itself). */
  readonly topicFor?: (topic: Topic) => string;
  /** Records per produce request (default 500). */
  readonly batchSize?: number;
}

export interface ReplayResult {
  readonly produced: number;
  readonly rejected: { lineNo: number; reason: string }[];
}

/**
 * Produces every valid line of an NDJSON file (encoded with the codec, key = VIN, headers kept,
 * acks = all, file order preserved) and reports every invalid line with its number and reason.
 * Rejects only when Kafka fails; what was acknowledged before that stays produced.
 */
export async function replayNdjson(options: ReplayOptions): Promise<ReplayResult> {
  const batchSize = options.batchSize ?? 500;
  const rejected: { lineNo: number; reason: string }[] = [];
  let produced = 0;
  let lastLine = 0;
  let batch: { topic: string; message: Message }[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    // Consecutive messages to the same topic go in one request; order within a topic is the file order.
    let i = 0;
    while (i < batch.length) {
      const topic = batch[i]!.topic;
      const messages: Message[] = [];
      while (i < batch.length && batch[i]!.topic === topic) messages.push(batch[i++]!.message);
      await options.producer.send({ topic, messages, acks: -1 });
      produced += messages.length;
    }
    batch = [];
    options.onProgress?.({ lineNo: lastLine, produced, rejected: rejected.length });
  };

  for await (const r of readNdjson(options.file)) {
    lastLine = r.lineNo;
    if (!r.ok) {
      rejected.push({ lineNo: r.lineNo, reason: r.reason });
      continue;
    }
    let value: Buffer;
    try {
      value = options.codec.encode(r.topic, r.record);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      rejected.push({ lineNo: r.lineNo, reason: err.message });
      continue;
    }
    const message: Message = { key: r.key, value };
    if (Object.keys(r.headers).length > 0) message.headers = r.headers;
    batch.push({ topic: options.topicFor ? options.topicFor(r.topic) : r.topic, message });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  if (rejected.length > 0) options.onProgress?.({ lineNo: lastLine, produced, rejected: rejected.length });
  return { produced, rejected };
}

export interface TailMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** kafkajs message timestamp: epoch ms as a string. */
  readonly timestamp: string;
  readonly key: Buffer | string | null;
  readonly headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;
}

/**
 * One printable line for `zmwatch tail`. `json` (default) is an NDJSON line that `replayNdjson`
 * accepts (plus partition, offset, timestamp, schemaId); `text` is a compact human form.
 * Pass `decoded` for a decoded message or `error` when decoding failed.
 */
export function formatTailRecord(
  msg: TailMessage,
  result: { decoded: Decoded } | { error: unknown },
  format: 'json' | 'text' = 'json',
): string {
  const key = msg.key === null ? null : Buffer.isBuffer(msg.key) ? msg.key.toString('utf8') : msg.key;
  const ts = Number(msg.timestamp);
  const timestamp = Number.isFinite(ts) ? new Date(ts).toISOString() : msg.timestamp;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(msg.headers ?? {})) {
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    if (one !== undefined) headers[k] = Buffer.isBuffer(one) ? one.toString('utf8') : one;
  }
  if ('error' in result) {
    const err = result.error;
    const errorClass = err instanceof CodecError ? err.code : err instanceof Error ? err.name : 'Unknown';
    const message = err instanceof Error ? err.message : String(err);
    if (format === 'text') {
      return `${msg.topic}[${msg.partition}]@${msg.offset} ${timestamp} key=${key ?? '-'} UNDECODABLE ${errorClass}: ${message}`;
    }
    return JSON.stringify({
      topic: msg.topic,
      partition: msg.partition,
      offset: msg.offset,
      timestamp,
      key,
      error: { class: errorClass, message },
    });
  }
  const d = result.decoded;
  const value = toJsonForm(d.topic, d.record as never);
  if (format === 'text') {
    return `${msg.topic}[${msg.partition}]@${msg.offset} ${timestamp} key=${key ?? '-'} schema=${d.schemaId} ${JSON.stringify(value)}`;
  }
  const line: Record<string, unknown> = {
    topic: d.topic,
    partition: msg.partition,
    offset: msg.offset,
    timestamp,
    schemaId: d.schemaId,
    key,
    value,
  };
  if (Object.keys(headers).length > 0) line.headers = headers;
  return JSON.stringify(line);
}
