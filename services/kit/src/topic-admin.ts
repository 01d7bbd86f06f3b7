import type { Admin, ITopicConfig } from 'kafkajs';
import { sleep } from './backoff.js';

// CreateTopics and CreatePartitions return when the controller has committed the change; a broker's
// metadata cache catches up a moment later (longer on a loaded machine). kafkajs' own
// `waitForLeaders` retries only LEADER_NOT_AVAILABLE and throws UNKNOWN_TOPIC_OR_PARTITION when the
// broker has not heard of the topic yet, and reading the partition count straight after growing a
// topic can still return the old count. These helpers wait until the metadata says what was asked.

const DEFAULT_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
}

/** Polls the topics' metadata until `ready` holds for every one; metadata errors meanwhile are retried. */
async function waitForMetadata(
  admin: Admin,
  topics: string[],
  ready: (partitions: { partitionId: number; leader: number }[], topic: string) => boolean,
  what: string,
  opts: WaitOptions,
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      const behind = meta.topics.filter((t) => !ready(t.partitions, t.name));
      if (behind.length === 0) return;
      last = behind.map((t) => `${t.name} (${t.partitions.length} partitions)`).join(', ');
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: still not visible after ${timeoutMs} ms: ${last}`);
    await sleep(opts.pollMs ?? POLL_MS);
  }
}

/**
 * Creates the topics (those that exist already are left as they are) and returns once every
 * partition of each has a leader in the broker's metadata.
 */
export async function createTopicsReady(
  admin: Admin,
  topics: ITopicConfig[],
  opts: WaitOptions = {},
): Promise<void> {
  if (topics.length === 0) return;
  await admin.createTopics({ topics, waitForLeaders: false });
  const wanted = new Map(topics.map((t) => [t.topic, t.numPartitions ?? 1]));
  await waitForMetadata(
    admin,
    [...wanted.keys()],
    (partitions, topic) =>
      partitions.length >= (wanted.get(topic) ?? 1) && partitions.every((p) => p.leader >= 0),
    `created topic(s) ${[...wanted.keys()].join(', ')}`,
    opts,
  );
}

/** Grows each topic to `count` partitions and returns once the broker's metadata shows them led. */
export async function growPartitions(
  admin: Admin,
  topics: string[],
  count: number,
  opts: WaitOptions = {},
): Promise<void> {
  if (topics.length === 0) return;
  await admin.createPartitions({ topicPartitions: topics.map((topic) => ({ topic, count })) });
  await waitForMetadata(
    admin,
    topics,
    (partitions) => partitions.length >= count && partitions.every((p) => p.leader >= 0),
    `grew ${topics.join(', ')} to ${count} partitions`,
    opts,
  );
}

/**
 * The partition count of each of these (existing) topics. A broker that has not heard of a topic
 * created a moment ago answers UNKNOWN_TOPIC_OR_PARTITION (on a multi-broker cluster, and just
 * after a broker restart, that is whichever broker the admin asks): retried until `timeoutMs`.
 */
export async function partitionCounts(
  admin: Admin,
  topics: string[],
  opts: WaitOptions = {},
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (topics.length === 0) return counts;
  await waitForMetadata(
    admin,
    topics,
    (partitions, topic) => {
      counts.set(topic, partitions.length);
      return partitions.length > 0;
    },
    `topic(s) ${topics.join(', ')}`,
    opts,
  );
  return counts;
}
