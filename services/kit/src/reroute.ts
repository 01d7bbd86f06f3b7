import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { sendChunked } from './send-chunked.js';

/** Headers a re-routed record carries besides its own: where it was and why it moved. */
export const REROUTE_HEADERS = {
  sourceTopic: 'zm-reroute-source-topic',
  sourcePartition: 'zm-reroute-source-partition',
  sourceOffset: 'zm-reroute-source-offset',
  reason: 'zm-reroute-reason',
  /** The producer's key as it was (absent when it sent none). */
  originalKey: 'zm-reroute-original-key',
} as const;

/** Where a record must go instead of being handled where it was read. */
export interface Reroute {
  topic: string;
  partition: number;
  key: string;
  /** Short machine-readable reason, e.g. `wrong-partition`, `key-not-vin`, `no-key`. */
  reason: string;
}

export interface RerouteRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
  to: Reroute;
}

export interface RerouteWriter {
  /** Resolves once the broker acknowledged every re-routed record (acks=all). */
  write(records: readonly RerouteRecord[]): Promise<void>;
}

/**
 * Re-produces records byte for byte (value and headers) with the contract's key on an explicit
 * partition, so the consumer of that partition sees them like any input. Offsets of the source
 * batch are committed only after this resolves: a crash in between re-routes them again, which the
 * receiving side absorbs as a duplicate (idempotent merges, deterministic alert ids).
 */
export function createRerouteWriter(producer: Producer): RerouteWriter {
  return {
    async write(records) {
      if (records.length === 0) return;
      const byTopic = new Map<
        string,
        Array<{ key: string; value: Buffer | null; partition: number; headers: IHeaders }>
      >();
      for (const r of records) {
        const headers: IHeaders = {
          ...r.message.headers,
          [REROUTE_HEADERS.sourceTopic]: r.topic,
          [REROUTE_HEADERS.sourcePartition]: String(r.partition),
          [REROUTE_HEADERS.sourceOffset]: r.message.offset,
          [REROUTE_HEADERS.reason]: r.to.reason,
        };
        if (r.message.key) headers[REROUTE_HEADERS.originalKey] = r.message.key;
        const list = byTopic.get(r.to.topic) ?? [];
        list.push({ key: r.to.key, value: r.message.value, partition: r.to.partition, headers });
        byTopic.set(r.to.topic, list);
      }
      await sendChunked(
        producer,
        [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      );
    },
  };
}
