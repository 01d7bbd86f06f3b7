import { PartitionAssigners, type Producer } from 'kafkajs';
import {
  createBatchConsumer,
  createDeadLetterWriter,
  createRerouteWriter,
  coPartitionedAssigner,
  type BatchConsumer,
  type createKafka,
  type Logger,
} from '@zmwatch/kit';
import type { Codec } from '@zmwatch/schemas';
import { createBatchReports } from './batch-reports.js';
import { DEFAULT_PARTITIONS_CONCURRENTLY, type DetectorConfig } from './config.js';
import { consumedTopics, createDecoder } from './decode.js';
import type { DetectorInput } from './entity-recheck.js';
import type { DetectorMetrics } from './metrics.js';
import type { PartitionLocks } from './mutex.js';
import { createRouter } from './placement.js';
import type { Processor } from './processor.js';

export interface DetectorConsumerDeps {
  kafka: ReturnType<typeof createKafka>;
  config: DetectorConfig;
  codec: Codec;
  /** Dead letters and re-routed records go through it. */
  producer: Producer;
  /** The partition count the state is laid out for (see prepareTopics). */
  partitionCount: number;
  processor: Processor;
  locks: PartitionLocks;
  logger: Logger;
  metrics: DetectorMetrics;
}

/**
 * Most bytes of one partition per fetch (kafkajs `maxBytesPerPartition`; the kit's default is 1 MB).
 * One fetch of a partition is one batch, and a batch writes each state bucket it touches once, with
 * all of its VINs (see "Per batch"): while the detector catches up, bigger batches spread that write,
 * the read and the per-batch round trips over more events. At the head of the log batches stay as
 * small as what arrived, so latency does not change. The fetch as a whole stays within kafkajs's
 * `maxBytes` (10 MB).
 */
export const FETCH_BYTES_PER_PARTITION = 4 * 1_048_576;

/**
 * The kit's batch consumer on both input topics (and their repartition topics, and the entity
 * rechecks): decode, re-route
 * records not on their contract partition, then each batch under its partition's lock through the
 * processor, grouped by VIN.
 */
export function createDetectorConsumer(d: DetectorConsumerDeps): BatchConsumer {
  const { config, processor } = d;
  return createBatchConsumer<DetectorInput>({
    kafka: d.kafka,
    groupId: config.groupId,
    topics: consumedTopics(config.topics),
    fromBeginning: config.fromBeginning,
    logger: d.logger,
    deadLetters: createDeadLetterWriter(d.producer, 'detector'),
    decode: createDecoder(d.codec, config.topics),
    route: createRouter(config.topics, () => d.partitionCount),
    reroutes: createRerouteWriter(d.producer),
    consumerConfig: {
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
      maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
      ...(config.metadataMaxAgeMs ? { metadataMaxAge: config.metadataMaxAgeMs } : {}),
      // A VIN's state buckets belong to its partition number: one process must own that number on
      // both topics (round-robin is only the fallback during a rolling upgrade, see the kit).
      partitionAssigners: [coPartitionedAssigner, PartitionAssigners.roundRobin],
    },
    maxRetryDelayMs: config.maxRetryDelayMs,
    partitionsConsumedConcurrently: config.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
    handle: async (records) => {
      const partition = records[0]!.partition;
      await d.locks.withPartition(partition, () =>
        processor.process(partition, processor.group(records.map((r) => r.value))),
      );
    },
    ...createBatchReports(d.metrics, d.logger),
  });
}
