import type { KafkaMessage } from 'kafkajs';
import { NonRetriableError } from '@zmwatch/kit';
import {
  errorClassOf,
  isCanonicalVin,
  isCodecError,
  TOPICS,
  validateVin,
  type Codec,
} from '@zmwatch/schemas';
import type { DetectorEvent } from './apply-events.js';

export interface InputTopics {
  registrations: string;
  declarations: string;
}

/**
 * Kafka message -> DetectorEvent. Everything that can never succeed (undecodable bytes, a record of
 * the wrong type, an invalid VIN) throws NonRetriableError, whose class ends up in the DLQ headers.
 * The physical topic names are configurable (tests use unique ones); the contract is picked by role.
 */
export function createDecoder(codec: Codec, topics: InputTopics) {
  return function decode(message: KafkaMessage, topic: string, partition: number): DetectorEvent {
    const source = { topic, partition, offset: message.offset };
    const arrival = Number(message.timestamp);
    try {
      if (topic === topics.registrations) {
        const { record } = codec.decodeSync(message.value, TOPICS.registrations);
        record.vin = checkedVin(record.vin); // the record is ours (freshly decoded): no copy
        return { kind: 'registration', event: record, arrival, source };
      }
      if (topic === topics.declarations) {
        const { record } = codec.decodeSync(message.value, TOPICS.declarations);
        if (record.declarationId.trim() === '')
          throw new NonRetriableError('declarationId is empty', 'InvalidRecord');
        record.vin = checkedVin(record.vin);
        return { kind: 'declaration', event: record, arrival, source };
      }
    } catch (err) {
      if (err instanceof NonRetriableError) throw err;
      if (isCodecError(err) && !err.retriable)
        throw new NonRetriableError(err.message, errorClassOf(err), { cause: err });
      throw err;
    }
    throw new NonRetriableError(`not an input topic of the detector: ${topic}`, 'UnknownTopic');
  };
}

/** Structure only: the check digit is a risk signal, computed when a declaration is evaluated. */
function checkedVin(raw: string): string {
  if (isCanonicalVin(raw)) return raw;
  const v = validateVin(raw);
  if (!v.ok) throw new NonRetriableError(`invalid VIN ${JSON.stringify(raw)}: ${v.reason}`, 'InvalidVin');
  return v.vin;
}
