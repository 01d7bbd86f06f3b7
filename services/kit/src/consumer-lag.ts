import type { Admin } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Log end offset. */
  high: number;
  /** Committed offset of the group, -1 when it has committed nothing on this partition. */
  committed: number;
  /** high - committed, or high - low watermark when nothing is committed yet; never negative. */
  lag: number;
}

/** A partition's watermarks, as numbers (kafkajs `fetchTopicOffsets` gives strings). */
export interface PartitionEnd {
  partition: number;
  high: number;
  low: number;
}

export interface TopicLagOptions {
  /**
   * Leave out partitions the group never committed (a group that never committed there, e.g. a live
   * feed reading from the end, has no lag); by default they count from the low watermark.
   */
  committedOnly?: boolean;
}

/**
 * The one lag computation (log end offset - committed offset) of a group on one topic, from its
 * committed offsets (kafkajs `fetchOffsets`: '-1' when nothing is committed) and the topic's
 * watermarks. Partitions the group never committed count from the low watermark, so records already
 * removed by retention are not counted as lag; a committed offset past the end (the topic was
 * truncated or recreated) is no lag; committed partitions the topic does not have are left out.
 */
export function topicLag(
  topic: string,
  committed: ReadonlyArray<{ partition: number; offset: string | number }>,
  ends: readonly PartitionEnd[],
  options: TopicLagOptions = {},
): PartitionLag[] {
  const byPartition = new Map(committed.map((p) => [p.partition, Number(p.offset)]));
  const out: PartitionLag[] = [];
  for (const { partition, high, low } of ends) {
    const c = byPartition.get(partition) ?? -1;
    if (c < 0 && options.committedOnly) continue;
    out.push({ topic, partition, high, committed: c, lag: Math.max(0, high - (c >= 0 ? c : low)) });
  }
  return out;
}

/** A topic's watermarks per partition, as numbers. */
export async function partitionEnds(admin: Admin, topic: string): Promise<PartitionEnd[]> {
  return (await admin.fetchTopicOffsets(topic)).map((r) => ({
    partition: r.partition,
    high: Number(r.high),
    low: Number(r.low),
  }));
}

/** A consumer group's lag as the broker sees it, per partition of the given topics (see topicLag). */
export async function consumerGroupLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<{ total: number; partitions: PartitionLag[] }> {
  const [committed, ...ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    ...topics.map((t) => partitionEnds(admin, t)),
  ]);
  const partitions = topics.flatMap((topic, i) =>
    topicLag(topic, committed.find((c) => c.topic === topic)?.partitions ?? [], ends[i]!),
  );
  return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}
