import type { Admin } from 'kafkajs';
import { ALL_TOPICS, dlqTopicFor } from '@zmwatch/schemas';

/** Total offset lag of a consumer group over the given topics (-1 if the group has committed nothing). */
export async function consumerLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  let lag = 0;
  for (const t of committed) {
    const high = await admin.fetchTopicOffsets(t.topic);
    for (const p of high) {
      const c = t.partitions.find((x) => x.partition === p.partition);
      const offset = c && c.offset !== '-1' ? Number(c.offset) : Number(p.low);
      lag += Math.max(0, Number(p.high) - offset);
    }
  }
  return lag;
}

/** High watermark summed per dead-letter topic. */
export async function dlqOffsets(admin: Admin): Promise<Record<string, number>> {
  const existing = new Set(await admin.listTopics());
  const out: Record<string, number> = {};
  for (const topic of ALL_TOPICS.map(dlqTopicFor).filter((t) => existing.has(t))) {
    out[topic] = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  }
  return out;
}
