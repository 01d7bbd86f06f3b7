import type { Admin } from 'kafkajs';
import { sleep } from './backoff.js';

/**
 * Grows each topic to `count` partitions and returns once the broker's metadata says so.
 * CreatePartitions returns when the controller has committed the change; the brokers' metadata
 * caches catch up a moment later, so a caller that reads the partition count straight after (to lay
 * out state, or to assign) could still see the old one.
 */
export async function growPartitions(
  admin: Admin,
  topics: string[],
  count: number,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  if (topics.length === 0) return;
  await admin.createPartitions({ topicPartitions: topics.map((topic) => ({ topic, count })) });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const meta = await admin.fetchTopicMetadata({ topics });
    const behind = meta.topics.filter((t) => t.partitions.length < count);
    if (behind.length === 0) return;
    if (Date.now() >= deadline)
      throw new Error(
        `partitions added but the metadata still shows ${behind.map((t) => `${t.name} (${t.partitions.length})`).join(', ')} after ${opts.timeoutMs ?? 30_000} ms, not ${count}`,
      );
    await sleep(opts.pollMs ?? 200);
  }
}
