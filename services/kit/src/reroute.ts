import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { sendChunked } from './send-chunked.js';

/**
 * Headers a re-routed record carries besides its own: where it was and why it moved, packed in ONE
 * header (`<reason> <topic> <partition> <offset>`; topic names cannot hold a space) because kafkajs
 * pays per header on both ends (five separate headers made re-routing cost ~2.5x the CPU per record),
 * plus the producer's key as it was when it sent one.
 */
export const REROUTE_HEADERS = {
  provenance: 'zm-reroute',
  originalKey: 'zm-reroute-original-key',
} as const;

export interface RerouteProvenance {
  reason: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  /** The producer's key (absent when it sent none). */
  originalKey?: string;
}

/** Where a re-routed record came from, read from its headers; undefined for a record never re-routed. */
export function readReroute(headers: IHeaders | undefined): RerouteProvenance | undefined {
  const raw = headers?.[REROUTE_HEADERS.provenance];
  if (raw === undefined || Array.isArray(raw)) return undefined;
  const [reason, sourceTopic, partition, sourceOffset] = raw.toString().split(' ');
  if (!reason || !sourceTopic || partition === undefined || sourceOffset === undefined) return undefined;
  const key = headers?.[REROUTE_HEADERS.originalKey];
  return {
    reason,
    sourceTopic,
    sourcePartition: Number(partition),
    sourceOffset,
    ...(key !== undefined && !Array.isArray(key) ? { originalKey: key.toString() } : {}),
  };
}

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
          [REROUTE_HEADERS.provenance]: `${r.to.reason} ${r.topic} ${r.partition} ${r.message.offset}`,
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
