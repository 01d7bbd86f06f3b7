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
  /** Of `produced`: raw-bytes envelopes produced as their bytes. */
  readonly raw: number;
  /** Of `produced`: records with a structurally invalid VIN (only with `allowInvalidVin`). */
  readonly invalidVin: number;
  readonly rejected: number;
}

export interface ReplayOptions {
  /** NDJSON file path or stream. */
  readonly file: string | Readable;
  /** A connected kafkajs producer (idempotent recommended); not disconnected here. */
  readonly producer: Pick<Producer, 'sendBatch'>;
  readonly codec: Codec;
  /** Called after every produced batch. */
  readonly onProgress?: (p: ReplayProgress) => void;
  /** Kafka topic to produce a contract topic's records to (default: the contract topic itself). */
  readonly topicFor?: (topic: Topic) => string;
  /** Records per produce request (default 500). */
  readonly batchSize?: number;
  /**
   * Produce schema-valid records whose VIN is structurally invalid as they are (VIN and key as
   * written), so they reach the dead-letter path; default: such lines are rejected.
   */
  readonly allowInvalidVin?: boolean;
  /**
   * Called once per Kafka topic, before the first record is sent to it: check that it exists (or
   * create it). Rejecting stops the replay before anything is sent to that topic.
   */
  readonly ensureTopic?: (topic: string) => Promise<void>;
}

export interface ReplayResult {
  /** Non-blank lines read: `produced + rejected.length`. */
  readonly lines: number;
  readonly produced: number;
  /** Of `produced`: raw-bytes envelopes produced as their bytes (undecodable on purpose). */
  readonly raw: number;
  /** Of `produced`: records with a structurally invalid VIN (only with `allowInvalidVin`). */
  readonly invalidVin: number;
  readonly rejected: { lineNo: number; reason: string }[];
}

/** Kafka refused a produce; says to which topic(s) and how much was acknowledged before. */
export class ReplayProduceError extends Error {
  override readonly name = 'ReplayProduceError';
  constructor(
    /** The topics of the refused request (Kafka does not say which one failed). */
    readonly topics: readonly string[],
    /** Records acknowledged before the failure (they stay produced). */
    readonly produced: number,
    /** True when Kafka said the topic (or its partition) does not exist. */
    readonly missingTopic: boolean,
    cause: unknown,
  ) {
    const what = topics.length === 1 ? `topic ${topics[0]}` : `one of the topics ${topics.join(', ')}`;
    super(
      missingTopic
        ? `${what} does not exist (${produced} record(s) were produced before)`
        : `producing to ${topics.join(', ')} failed after ${produced} record(s) were produced: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** kafkajs wraps the broker's error (retries exceeded → originalError/cause); look down the chain. */
function isUnknownTopic(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { type?: unknown }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Produces every valid line of an NDJSON file (encoded with the codec, key = VIN, headers kept,
 * acks = all, file order preserved) and reports every invalid line with its number and reason.
 * Raw-bytes envelopes (what the simulator writes for undecodable noise) are produced as their
 * bytes, so they reach the consumers' dead-letter path as they would from a broken producer.
 * Rejects only when Kafka fails (ReplayProduceError) or `ensureTopic` does; what was acknowledged
 * before that stays produced.
 */
export async function replayNdjson(options: ReplayOptions): Promise<ReplayResult> {
  const batchSize = options.batchSize ?? 500;
  const rejected: { lineNo: number; reason: string }[] = [];
  let produced = 0;
  let raw = 0;
  let invalidVin = 0;
  let lines = 0;
  let lastLine = 0;
  let batch: { topic: string; message: Message; raw: boolean; invalidVin: boolean }[] = [];
  const ensured = new Set<string>();
  const progress = (): ReplayProgress => ({
    lineNo: lastLine,
    produced,
    raw,
    invalidVin,
    rejected: rejected.length,
  });

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    // One request for the whole batch, grouped per topic: order within a topic (and so within each
    // partition) is the file order; across topics Kafka keeps no order anyway. (One request per
    // run of same-topic lines was ~10x slower on the simulator's interleaved feeds.)
    const byTopic = new Map<string, Message[]>();
    for (const b of batch) {
      let list = byTopic.get(b.topic);
      if (!list) byTopic.set(b.topic, (list = []));
      list.push(b.message);
    }
    for (const topic of byTopic.keys()) {
      if (!ensured.has(topic)) {
        await options.ensureTopic?.(topic);
        ensured.add(topic);
      }
    }
    try {
      await options.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      throw new ReplayProduceError([...byTopic.keys()], produced, isUnknownTopic(err), err);
    }
    produced += batch.length;
    for (const b of batch) {
      if (b.raw) raw++;
      if (b.invalidVin) invalidVin++;
    }
    batch = [];
    options.onProgress?.(progress());
  };

  const readOptions = { rawBytes: true, allowInvalidVin: options.allowInvalidVin === true };
  for await (const r of readNdjson(options.file, readOptions)) {
    lastLine = r.lineNo;
    lines++;
    if (!r.ok) {
      rejected.push({ lineNo: r.lineNo, reason: r.reason });
      continue;
    }
    const topic = options.topicFor ? options.topicFor(r.topic) : r.topic;
    const headers = Object.keys(r.headers).length > 0 ? { headers: r.headers } : {};
    if ('raw' in r) {
      batch.push({
        topic,
        message: { key: r.key, value: r.bytes, ...headers },
        raw: true,
        invalidVin: false,
      });
    } else {
      let value: Buffer;
      try {
        value = options.codec.encode(r.topic, r.record);
      } catch (err) {
        if (!(err instanceof CodecError)) throw err;
        rejected.push({ lineNo: r.lineNo, reason: err.message });
        continue;
      }
      batch.push({
        topic,
        message: { key: r.key, value, ...headers },
        raw: false,
        invalidVin: r.invalidVin !== undefined,
      });
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  if (rejected.length > 0) options.onProgress?.(progress());
  return { lines, produced, raw, invalidVin, rejected };
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
