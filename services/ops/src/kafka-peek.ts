import type { IHeaders, Kafka } from 'kafkajs';

/** A record read at a given offset (what the ops view needs of it). */
export interface PeekedMessage {
  topic: string;
  partition: number;
  offset: string;
  /** Epoch ms as a string, as kafkajs reports it. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface KafkaPeeker {
  /** Up to `max` records of a partition starting at `offset` (fewer at the end of the log). */
  read(topic: string, partition: number, offset: bigint, max: number): Promise<PeekedMessage[]>;
  /** The timestamp (epoch ms) of the record at `offset`, or undefined when it is not readable. */
  timestampAt(topic: string, partition: number, offset: bigint): Promise<number | undefined>;
  close(): Promise<void>;
}

// --- the part of kafkajs' internal cluster/broker API this module uses (kafkajs 2.2.4) ---------
interface FetchedMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  isControlRecord?: boolean;
}
interface InternalBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
    topics: Array<{
      topic: string;
      partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }>;
    }>;
  }): Promise<{
    responses: Array<{
      topicName: string;
      partitions: Array<{ partition: number; messages: FetchedMessage[] }>;
    }>;
  }>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<InternalBroker>;
}
const READ_COMMITTED = 1;

/**
 * Reads single records by offset: the time lag of a consumer group is the age of the record at its
 * committed offset, and the DLQ view shows the newest dead letters.
 *
 * Why kafkajs internals: kafkajs only consumes through consumer groups (no assign/poll), so reading one
 * record through the public API costs a group join (~3 s) per read or a long-lived consumer juggling
 * seek/pause across every topic. A Fetch request to the partition leader is one round trip. The cluster
 * comes from the Kafka client's own factory (same brokers, logger, retry), and the few methods used are
 * typed above; kafkajs is pinned, and the peek tests fail loudly if an upgrade changes them.
 */
export async function createKafkaPeeker(kafka: Kafka): Promise<KafkaPeeker> {
  const factorySymbol = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!factorySymbol) throw new Error('kafkajs internals changed: no cluster factory on the Kafka client');
  const factory = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[factorySymbol]!;
  const cluster = factory({ metadataMaxAge: 60_000, allowAutoTopicCreation: false });
  await cluster.connect();
  const known = new Set<string>();
  const timestamps = new Map<string, number>(); // `${topic}/${partition}/${offset}` → ms; records are immutable

  async function fetchOnce(topic: string, partition: number, offset: bigint): Promise<FetchedMessage[]> {
    if (!known.has(topic)) {
      await cluster.addTargetTopic(topic);
      known.add(topic);
    }
    let leaders = cluster.findLeaderForPartitions(topic, [partition]);
    if (Object.keys(leaders).length === 0) {
      await cluster.refreshMetadata();
      leaders = cluster.findLeaderForPartitions(topic, [partition]);
    }
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) throw new Error(`no leader for ${topic}[${partition}]`);
    const broker = await cluster.findBroker({ nodeId });
    let responses: Awaited<ReturnType<InternalBroker['fetch']>>['responses'];
    try {
      ({ responses } = await broker.fetch({
        maxWaitTime: 50,
        minBytes: 1,
        maxBytes: 1_048_576,
        isolationLevel: READ_COMMITTED,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset.toString(), maxBytes: 262_144 }] }],
      }));
    } catch (err) {
      // Before the log start (deleted by retention) or past its end: there is no record there.
      if ((err as { type?: unknown }).type === 'OFFSET_OUT_OF_RANGE') return [];
      throw err;
    }
    const messages =
      responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === partition)
        ?.messages ?? [];
    // A fetch returns whole record batches, which may start before the requested offset.
    return messages.filter((m) => !m.isControlRecord && BigInt(m.offset) >= offset);
  }

  return {
    async read(topic, partition, offset, max) {
      const out: PeekedMessage[] = [];
      let next = offset;
      while (out.length < max) {
        const batch = await fetchOnce(topic, partition, next);
        if (batch.length === 0) break;
        for (const m of batch) {
          if (out.length >= max) break;
          out.push({
            topic,
            partition,
            offset: m.offset,
            timestamp: m.timestamp,
            key: m.key,
            value: m.value,
            headers: m.headers ?? {},
          });
        }
        next = BigInt(batch[batch.length - 1]!.offset) + 1n;
      }
      return out;
    },
    async timestampAt(topic, partition, offset) {
      const key = `${topic}/${partition}/${offset}`;
      const cached = timestamps.get(key);
      if (cached !== undefined) return cached;
      const [first] = await fetchOnce(topic, partition, offset);
      if (!first) return undefined;
      const ts = Number(first.timestamp);
      if (timestamps.size > 10_000) timestamps.clear();
      // The first record at or after the offset: after compaction or transaction markers that is the
      // oldest record still waiting, which is what time lag means.
      timestamps.set(key, ts);
      return ts;
    },
    async close() {
      await cluster.disconnect();
    },
  };
}
