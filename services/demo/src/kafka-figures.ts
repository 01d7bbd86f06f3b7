import type { Admin } from 'kafkajs';
import { ALL_TOPICS, dlqTopicFor } from '@zmwatch/schemas';

/** High watermark summed per dead-letter topic. */
export async function dlqOffsets(admin: Admin): Promise<Record<string, number>> {
  const existing = new Set(await admin.listTopics());
  const out: Record<string, number> = {};
  for (const topic of ALL_TOPICS.map(dlqTopicFor).filter((t) => existing.has(t))) {
    out[topic] = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  }
  return out;
}
