import type { Message, Producer } from 'kafkajs';

/**
 * Produce requests are kept well below the broker's default max message size (1 MB): a batch of
 * records the broker refuses as too large would be retried forever — a stall, not a fault of any
 * one record. Dead letters, re-routes and alerts carry headers and keys besides their values, so
 * one input batch can produce more bytes than it read.
 */
export const PRODUCE_CHUNK_BYTES = 512 * 1024;

/** Rough request size of one message: key, value, headers, plus record overhead. */
export function messageBytes(m: Message): number {
  let n = 64 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  if (m.headers)
    for (const [k, v] of Object.entries(m.headers)) {
      n += k.length + 8;
      if (v === undefined) continue;
      for (const part of Array.isArray(v) ? v : [v]) n += part.length;
    }
  return n;
}

/**
 * Sends messages to their topics in requests of at most `maxBytes` (a single larger message goes
 * alone), with acks=all, in order per topic. Resolves once every request is acknowledged.
 */
export async function sendChunked(
  producer: Producer,
  topicMessages: ReadonlyArray<{ topic: string; messages: readonly Message[] }>,
  maxBytes = PRODUCE_CHUNK_BYTES,
): Promise<void> {
  let batch: Array<{ topic: string; messages: Message[] }> = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.sendBatch({ acks: -1, topicMessages: batch });
    batch = [];
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const m of messages) {
      const size = messageBytes(m);
      if (bytes > 0 && bytes + size > maxBytes) await flush();
      const last = batch.at(-1);
      if (last?.topic === topic) last.messages.push(m);
      else batch.push({ topic, messages: [m] });
      bytes += size;
    }
  }
  await flush();
}
