import type { Admin, IHeaders, Producer } from 'kafkajs';
import {
  dlqTopicFor,
  parseDeadLetterHeaders,
  toJsonForm,
  type Codec,
  type KafkaHeaders,
} from '@zmwatch/schemas';
import type { KafkaPeeker, PeekedMessage } from './kafka-peek.js';

export interface DeadLetterTopic {
  topic: string;
  /** The topic its letters came from (`<source>.dlq`). */
  sourceTopic: string;
  /** Dead letters retained (Σ high − low). */
  count: number;
  partitions: number;
}

export interface DeadLetterView {
  dlqTopic: string;
  partition: number;
  offset: string;
  /** When the dead letter was written, ISO. */
  timestamp: string;
  key: string | null;
  source: { topic: string; partition: number; offset: string } | null;
  errorClass: string;
  errorMessage: string;
  failedAt: string | null;
  service: string | null;
  /** The record decoded with the schemas codec, or why that failed (often the reason it is here). */
  decoded: { topic: string; schemaId: number; value: unknown } | { error: string };
  valueBytes: number;
  /** First bytes of the value, hex, for records that do not decode. */
  valuePreview: string;
}

export interface ReplayRef {
  partition: number;
  offset: string;
}

export interface ReplayOutcome extends ReplayRef {
  ok: boolean;
  sourceTopic?: string;
  error?: string;
}

export async function listDeadLetterTopics(
  admin: Admin,
  filter: (topic: string) => boolean = () => true,
): Promise<DeadLetterTopic[]> {
  const names = (await admin.listTopics()).filter((t) => t.endsWith('.dlq') && filter(t)).sort();
  const out: DeadLetterTopic[] = [];
  for (const topic of names) {
    const offsets = await admin.fetchTopicOffsets(topic);
    out.push({
      topic,
      sourceTopic: topic.slice(0, -'.dlq'.length),
      count: offsets.reduce((s, o) => s + (Number(o.high) - Number(o.low)), 0),
      partitions: offsets.length,
    });
  }
  return out;
}

const headerText = (v: IHeaders[string]): string | null => {
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  if (one === undefined) return null;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
};

export function describeDeadLetter(m: PeekedMessage, codec: Codec): DeadLetterView {
  const info = parseDeadLetterHeaders(m.headers as KafkaHeaders);
  let decoded: DeadLetterView['decoded'];
  try {
    const d = codec.decodeSync(m.value);
    decoded = { topic: d.topic, schemaId: d.schemaId, value: toJsonForm(d.topic, d.record as never) };
  } catch (err) {
    decoded = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  return {
    dlqTopic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: new Date(Number(m.timestamp)).toISOString(),
    key: m.key ? m.key.toString('utf8') : null,
    source: info.ok
      ? { topic: info.sourceTopic, partition: info.sourcePartition, offset: info.sourceOffset }
      : null,
    errorClass: info.ok ? info.errorClass : 'unreadable-dlq-headers',
    errorMessage: info.ok ? info.errorMessage : info.reason,
    failedAt: info.ok ? info.failedAt.toISOString() : headerText(m.headers['zm-dlq-failed-at']),
    service: info.ok ? (info.service ?? null) : null,
    decoded,
    valueBytes: m.value?.length ?? 0,
    valuePreview: m.value ? m.value.subarray(0, 48).toString('hex') : '',
  };
}

/** The newest `limit` dead letters of a DLQ topic, newest first (bounded: at most `limit` per partition read). */
export async function newestDeadLetters(
  admin: Admin,
  peeker: KafkaPeeker,
  codec: Codec,
  dlqTopic: string,
  limit: number,
): Promise<DeadLetterView[]> {
  const offsets = await admin.fetchTopicOffsets(dlqTopic);
  const all: PeekedMessage[] = [];
  for (const o of offsets) {
    const high = BigInt(o.high);
    const low = BigInt(o.low);
    if (high <= low) continue;
    const from = high - BigInt(limit) > low ? high - BigInt(limit) : low;
    all.push(...(await peeker.read(dlqTopic, o.partition, from, limit)));
  }
  all.sort(
    (a, b) => Number(b.timestamp) - Number(a.timestamp) || Number(BigInt(b.offset) - BigInt(a.offset)),
  );
  return all.slice(0, limit).map((m) => describeDeadLetter(m, codec));
}

/**
 * Produces chosen dead letters back to the topic they came from, after a fix: the original key, value
 * and headers (zm-dlq-* removed), acks=all. Each letter's source must be the DLQ's own source topic, so
 * a replay can never be aimed at an arbitrary topic.
 */
export async function replayDeadLetters(
  peeker: KafkaPeeker,
  producer: Pick<Producer, 'send'>,
  dlqTopic: string,
  refs: ReplayRef[],
): Promise<ReplayOutcome[]> {
  const out: ReplayOutcome[] = [];
  for (const ref of refs) {
    const [m] = await peeker.read(dlqTopic, ref.partition, BigInt(ref.offset), 1);
    if (!m || m.offset !== ref.offset) {
      out.push({ ...ref, ok: false, error: `no dead letter at ${dlqTopic}[${ref.partition}]@${ref.offset}` });
      continue;
    }
    const info = parseDeadLetterHeaders(m.headers as KafkaHeaders);
    if (!info.ok) {
      out.push({ ...ref, ok: false, error: info.reason });
      continue;
    }
    if (dlqTopicFor(info.sourceTopic) !== dlqTopic) {
      out.push({
        ...ref,
        ok: false,
        error: `source topic ${info.sourceTopic} does not belong to ${dlqTopic}`,
      });
      continue;
    }
    await producer.send({
      topic: info.sourceTopic,
      acks: -1,
      messages: [{ key: m.key, value: m.value, headers: info.originalHeaders as IHeaders }],
    });
    out.push({ ...ref, ok: true, sourceTopic: info.sourceTopic });
  }
  return out;
}
