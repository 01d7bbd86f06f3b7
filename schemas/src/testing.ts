/**
 * Test support (`@zmwatch/schemas/testing`): encode records the way a foreign producer might, with
 * avsc and the Confluent framing but none of the codec's checks, so tests can put schema-valid but
 * absurd records (an eventTime of 8.7e15 ms, a negative odometer) on a topic.
 */
import { frame } from './codec.js';
import { getContract } from './contracts.js';
import type { Topic } from './topics.js';

/** Avro-encodes `record` with the topic's current schema and frames it with its embedded id; no validation. */
export function encodeUnchecked(topic: Topic, record: object): Buffer {
  const contract = getContract(topic);
  return frame(contract.embeddedId, contract.type.toBuffer(record));
}
