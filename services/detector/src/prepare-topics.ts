import {
  ConfigError,
  createTopicsReady,
  growPartitions,
  partitionCounts,
  type createKafka,
  type Logger,
} from '@zmwatch/kit';
import { internalTopicsOf, type InputTopics } from './decode.js';
import type { StateStore } from './redis-store.js';

/**
 * State buckets belong to partitions: the state's partition count comes from its layout in Redis
 * (first use: the inputs' common count), see layout.ts. Input topics with more partitions than the
 * state (partitions were added) are fine: records on the others are re-routed to where their VIN's
 * state is. The repartition topics and the entity-recheck topic are internal, like Kafka Streams'
 * own: created (or grown) here to at least the state's partition count (infra/topics.yaml declares them for the local stack too).
 */
export async function prepareTopics(
  kafka: ReturnType<typeof createKafka>,
  topics: InputTopics,
  store: StateStore,
  logger: Logger,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const inputs = [topics.registrations, topics.declarations];
    const existing = new Set(await admin.listTopics());
    const missing = inputs.filter((t) => !existing.has(t));
    if (missing.length > 0)
      throw new ConfigError(
        `input topic(s) ${missing.join(', ')} do not exist (infra/bin/stack up creates them from infra/topics.yaml)`,
      );
    // Metadata of topics created a moment ago (by the operator, or just below) may not have
    // reached the broker asked yet: partitionCounts waits for it.
    const counts = async (names: string[]) => {
      const meta = await partitionCounts(admin, names);
      return names.map((name) => ({ name, partitions: meta.get(name) ?? 0 }));
    };
    const inputCounts = await counts(inputs);
    const n = await store.checkLayout(inputCounts);
    const repartition = internalTopicsOf(topics);
    const create = repartition.filter((t) => !existing.has(t));
    if (create.length > 0)
      await createTopicsReady(
        admin,
        create.map((topic) => ({ topic, numPartitions: n })),
      );
    const grow = (await counts(repartition)).filter((t) => t.partitions < n);
    await growPartitions(
      admin,
      grow.map((t) => t.name),
      n,
    );
    if (inputCounts.some((t) => t.partitions !== n))
      logger.warn(
        { inputs: inputCounts, statePartitions: n },
        `the input topics have more partitions than the detector state is laid out for (${n}): records on the others are re-routed to where their VIN's state is; run \`zmwatch state migrate --partitions N\` with the detectors stopped to use them all`,
      );
    return n;
  } finally {
    await admin.disconnect();
  }
}
