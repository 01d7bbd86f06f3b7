// The "naive" detector the benchmark compares the batched one with: the detector's own pipeline
// (decode, the processor's steps, the state store) fed ONE event at a time, with no bucket cache, so
// every event pays its own Redis round trips (2-3). Bench-only: production always runs the batched
// pipeline (createApp). No re-routing and no sweeper: the bench's records are where the contract
// puts them, and a timed run is shorter than any grace period.
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import {
  createBatchConsumer,
  createDeadLetterWriter,
  createIdempotentProducer,
  createKafka,
  createRegistry,
  type BatchConsumer,
  type Logger,
} from '@zmwatch/kit';
import { createCodec, TOPICS, type Alert } from '@zmwatch/schemas';
import {
  createDecoder,
  createDetectorMetrics,
  createPartitionLocks,
  createProcessor,
  createStateStore,
  type DetectorApp,
  type DetectorConfig,
  type DetectorEvent,
} from '@zmwatch/detector';

export type NaiveDetector = Pick<DetectorApp, 'start' | 'stop' | 'registry'>;

/** `partitions`: the input topics' partition count (recorded as the state's layout on first use). */
export function createNaiveDetector(
  config: DetectorConfig,
  partitions: number,
  logger: Logger,
): NaiveDetector {
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
      redis = new Redis(config.redis.url!, { maxRetriesPerRequest: 1 }); // the naive variant: one server
      const store = createStateStore(redis, config.keys, { cacheBuckets: 0 });
      const { registrations, declarations, alerts } = config.topics;
      await store.checkLayout([registrations, declarations].map((name) => ({ name, partitions })));
      const kafka = createKafka({ clientId: config.clientId, brokers: config.brokers, logger });
      const alertsProducer = (producer = createIdempotentProducer(kafka));
      await producer.connect();
      const publish = async (list: Alert[]) => {
        await alertsProducer.send({
          topic: alerts,
          messages: list.map((a) => ({ key: a.vin, value: codec.encode(TOPICS.alerts, a) })),
        });
      };
      const processor = createProcessor({ store, ruleset: config.ruleset, publish, logger, metrics });
      consumer = createBatchConsumer<DetectorEvent>({
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
            for (const r of records)
              await processor.process(r.partition, [{ vin: r.value.event.vin, events: [r.value] }]);
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
