import type { Admin } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Log end offset. */
  high: number;
  /** Committed offset of the group, -1 when it has committed nothing on this partition. */
  committed: number;
  /** high - committed, or high - low watermark when nothing is committed yet. */
  lag: number;
}

/**
 * A consumer group's lag as the broker sees it (log end offset - committed offset) per partition of
 * the given topics. Partitions the group never committed count from the low watermark, so records
 * already removed by retention are not counted as lag.
 */
export async function consumerGroupLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<{ total: number; partitions: PartitionLag[] }> {
  const [committed, ...ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    ...topics.map((t) => admin.fetchTopicOffsets(t)),
  ]);
  const partitions: PartitionLag[] = [];
  topics.forEach((topic, i) => {
    const byPartition = new Map(
      committed.find((c) => c.topic === topic)?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [],
    );
    for (const end of ends[i]!) {
      const high = Number(end.high);
      const c = byPartition.get(end.partition) ?? -1;
      partitions.push({
        topic,
        partition: end.partition,
        high,
        committed: c,
        lag: Math.max(0, high - (c >= 0 ? c : Number(end.low))),
      });
    }
  });
  return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}
