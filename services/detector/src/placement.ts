import type { Decoded, Reroute } from '@zmwatch/kit';
import { contractPartition, placementProblem } from '@zmwatch/schemas';
import { repartitionTopicOf, type InputTopics } from './decode.js';
import { entityRecheckTopicFor, type DetectorInput } from './entity-recheck.js';

/**
 * The detector's state of a VIN lives with the partition the feed contract puts the VIN on
 * (murmur2 of the normalised VIN), so a record anywhere else — a producer with another partitioner
 * (librdkafka's CRC32), a key in lower case or with spaces, no key, another VIN's key — would never
 * meet the rest of its VIN. Such a record is re-routed to the repartition topic of its role, keyed
 * by its normalised VIN on the contract partition, and handled when it is read from there (a record
 * re-routed once is where the contract wants it, so it is never re-routed again).
 */
export function createRouter(topics: InputTopics, partitionCount: () => number) {
  return function route(record: Decoded<DetectorInput>): Reroute | undefined {
    const n = partitionCount();
    const vin = record.value.event.vin;
    const reason = placementProblem(record.message.key, vin, record.partition, n);
    if (reason === undefined) return undefined;
    return {
      topic:
        record.value.kind === 'entity-recheck'
          ? entityRecheckTopicFor(topics.declarations)
          : repartitionTopicOf(topics, record.value.kind),
      partition: contractPartition(vin, n),
      key: vin,
      reason,
    };
  };
}
