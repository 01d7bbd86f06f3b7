import type { KafkaMessage, Producer } from 'kafkajs';
import { buildDeadLetter, DLQ_HEADERS, dlqTopicFor } from '@zmwatch/schemas';
import type { NonRetriableError } from './errors.js';
import { messageBytes, sendChunked } from './send-chunked.js';

/** Above this a dead letter is written without its value (see write()). */
const MAX_DEAD_LETTER_BYTES = 900 * 1024;

// The header convention lives with the contracts (schemas/src/dead-letter.ts); re-exported for services.
export { DLQ_HEADERS, dlqTopicFor };

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  error: NonRetriableError;
}

export interface DeadLetterWriter {
  /** Resolves only when the broker has acknowledged every dead letter (acks=all). */
  write(letters: DeadLetter[]): Promise<void>;
}

/**
 * Dead letters keep the original key, value and headers byte for byte, so a replay after a fix
 * produces exactly what the source produced; the zm-dlq-* headers say where it came from and why.
 */
export function createDeadLetterWriter(producer: Producer, service: string): DeadLetterWriter {
  return {
    async write(letters) {
      if (letters.length === 0) return;
      const byTopic = new Map<string, ReturnType<typeof buildDeadLetter>[]>();
      for (const l of letters) {
        const dl = buildDeadLetter({
          topic: l.topic,
          partition: l.partition,
          message: l.message,
          error: l.error,
          service,
        });
        byTopic.set(dl.topic, [...(byTopic.get(dl.topic) ?? []), dl]);
      }
      await sendChunked(
        producer,
        [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, headers }) => {
            const m = { key, value, headers };
            if (messageBytes(m) <= MAX_DEAD_LETTER_BYTES) return m;
            // The source record plus our headers would pass the broker's 1 MB limit and be refused
            // forever: keep the provenance, point at the original (still in the source topic).
            return {
              key,
              value: null,
              headers: { ...headers, [DLQ_HEADERS.valueOmitted]: String(value?.length ?? 0) },
            };
          }),
        })),
      );
    },
  };
}
