/**
 * Records encoded the way a foreign producer might: avsc and the Confluent framing but none of the
 * codec's checks, so tests can put schema-valid but absurd records (an eventTime of 8.7e15 ms, a
 * negative odometer) on a topic.
 */
import { frame, getContract, type Topic } from '@zmwatch/schemas';

/** Avro-encodes `record` with the topic's current schema and frames it with its embedded id; no validation. */
export function encodeUnchecked(topic: Topic, record: object): Buffer {
  const contract = getContract(topic);
  return frame(contract.embeddedId, contract.type.toBuffer(record));
}
