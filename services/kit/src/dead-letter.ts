import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { errorMessage, type NonRetriableError } from './errors.js';

/** Header names of the `<topic>.dlq` convention (documented in schemas/README.md). */
export const DLQ_HEADERS = {
  sourceTopic: 'zm-dlq-source-topic',
  sourcePartition: 'zm-dlq-source-partition',
  sourceOffset: 'zm-dlq-source-offset',
  errorClass: 'zm-dlq-error-class',
  errorMessage: 'zm-dlq-error-message',
  failedAt: 'zm-dlq-failed-at',
  service: 'zm-dlq-service',
} as const;

export const dlqTopicFor = (topic: string): string => `${topic}.dlq`;

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
      const byTopic = new Map<
        string,
        Array<{ key: Buffer | null; value: Buffer | null; headers: IHeaders }>
      >();
      for (const l of letters) {
        const headers: IHeaders = {
          ...(l.message.headers ?? {}),
          [DLQ_HEADERS.sourceTopic]: l.topic,
          [DLQ_HEADERS.sourcePartition]: String(l.partition),
          [DLQ_HEADERS.sourceOffset]: l.message.offset,
          [DLQ_HEADERS.errorClass]: l.error.errorClass,
          [DLQ_HEADERS.errorMessage]: errorMessage(l.error).slice(0, 2000),
          [DLQ_HEADERS.failedAt]: new Date().toISOString(),
          [DLQ_HEADERS.service]: service,
        };
        const dlq = dlqTopicFor(l.topic);
        const list = byTopic.get(dlq) ?? [];
        list.push({ key: l.message.key, value: l.message.value, headers });
        byTopic.set(dlq, list);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    },
  };
}
