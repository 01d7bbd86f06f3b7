// The detector's own pipeline (decode, the processor's steps, a state store) in a bench-only
// composition, for the variants production does not run:
//   - "naive": fed ONE event at a time, with no bucket cache, so every event pays its own Redis round
//     trips (2-3) — what the batched pipeline is compared with;
//   - another state store (hash-state-store.ts), batched as in production, to compare state formats.
// No re-routing and no sweeper: the bench's records are where the contract puts them, and a timed
// run is shorter than any grace period. Production always runs createApp.
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import {
  createBatchConsumer,
  createDeadLetterWriter,
  createIdempotentProducer,
  createKafka,
  createRegistry,
  sendChunked,
  type BatchConsumer,
  type Logger,
} from '@zmwatch/kit';
import { createCodec, TOPICS, type Alert } from '@zmwatch/schemas';
import {
  createDecoder,
  DEFAULT_REVISION_MIN_INTERVAL_SECONDS,
  createDetectorMetrics,
  createPartitionLocks,
  createProcessor,
  createStateStore,
  type DetectorApp,
  type DetectorConfig,
  type DetectorInput,
  type StateStore,
} from '@zmwatch/detector';

export type BenchDetector = Pick<DetectorApp, 'start' | 'stop' | 'registry'>;

export interface BenchDetectorVariant {
  /** One event per processor call, no bucket cache (the naive variant); else batches grouped by VIN. */
  perEvent: boolean;
  /** The state store; default the detector's (packed string buckets). */
  store?: (redis: Redis, config: DetectorConfig, partitions: number) => StateStore;
}

/** `partitions`: the input topics' partition count (recorded as the state's layout on first use). */
export function createBenchDetector(
  config: DetectorConfig,
  partitions: number,
  logger: Logger,
  variant: BenchDetectorVariant,
): BenchDetector {
  let redis: Redis | undefined;
  let producer: Producer | undefined;
  let consumer: BatchConsumer | undefined;
  const registry = createRegistry('detector');
  const metrics = createDetectorMetrics(registry);
  const locks = createPartitionLocks();
  return {
    registry,
    async start() {
      const codec = await createCodec();
      redis = new Redis(config.redis.url!, { maxRetriesPerRequest: 1 }); // the bench: one server
      const store = variant.store
        ? variant.store(redis, config, partitions)
        : createStateStore(redis, config.keys, { cacheBuckets: variant.perEvent ? 0 : config.cacheBuckets });
      const { registrations, declarations, alerts } = config.topics;
      await store.checkLayout([registrations, declarations].map((name) => ({ name, partitions })));
      const kafka = createKafka({ clientId: config.clientId, brokers: config.brokers, logger });
      const alertsProducer = (producer = createIdempotentProducer(kafka));
      await producer.connect();
      const publish = async (list: Alert[]) => {
        await sendChunked(alertsProducer, [
          {
            topic: alerts,
            messages: list.map((a) => ({ key: a.vin, value: codec.encode(TOPICS.alerts, a) })),
          },
        ]);
      };
      const processor = createProcessor({
        store,
        ruleset: config.ruleset,
        revisions: {
          minIntervalSeconds: config.revisionMinIntervalSeconds ?? DEFAULT_REVISION_MIN_INTERVAL_SECONDS,
        },
        publish,
        logger,
        metrics,
      });
      consumer = createBatchConsumer<DetectorInput>({
        kafka,
        groupId: config.groupId,
        topics: [registrations, declarations],
        fromBeginning: true,
        logger,
        deadLetters: createDeadLetterWriter(producer, 'detector-naive'),
        decode: createDecoder(codec, config.topics),
        ...(config.partitionsConcurrently
          ? { partitionsConsumedConcurrently: config.partitionsConcurrently }
          : {}),
        // Under the partition's lock, as in the detector: batches of both topics share partition numbers.
        handle: (records) =>
          locks.withPartition(records[0]!.partition, async () => {
            if (!variant.perEvent)
              await processor.process(records[0]!.partition, processor.group(records.map((r) => r.value)));
            else for (const r of records) await processor.process(r.partition, processor.group([r.value]));
          }),
        onBatch: ({ topic, processed }) => metrics.eventsIn.inc({ topic }, processed),
      });
      await consumer.start();
    },
    async stop() {
      await consumer?.stop();
      await producer?.disconnect();
      redis?.disconnect();
    },
  };
}
