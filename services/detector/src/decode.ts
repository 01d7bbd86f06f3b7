import type { KafkaMessage } from 'kafkajs';
import { decodeFramed, NonRetriableError } from '@zmwatch/kit';
import {
  assertInRange,
  DLQ_ERROR_CLASSES,
  isCanonicalVin,
  repartitionTopicFor,
  TOPICS,
  validateVin,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import type { DetectorEvent } from './apply-events.js';
import { decodeRecheck, entityRecheckTopicFor, type DetectorInput } from './entity-recheck.js';

export interface InputTopics {
  registrations: string;
  declarations: string;
}

export type InputRole = DetectorEvent['kind'];

/**
 * Every topic the detector reads, by the role of its records: the two input topics and their
 * internal repartition topics (records re-routed there because their producer placed or keyed them
 * otherwise than the contract says).
 */
export function topicRoles(topics: InputTopics): Map<string, InputRole> {
  return new Map<string, InputRole>([
    [topics.registrations, 'registration'],
    [repartitionTopicFor(topics.registrations), 'registration'],
    [topics.declarations, 'declaration'],
    [repartitionTopicFor(topics.declarations), 'declaration'],
  ]);
}

/**
 * Every topic the detector group consumes: the inputs, their repartition topics and the internal
 * entity-recheck topic (entity-recheck.ts).
 */
export function consumedTopics(topics: InputTopics): string[] {
  return [...topicRoles(topics).keys(), entityRecheckTopicFor(topics.declarations)];
}

/** The internal topics the detector creates (repartition topics, entity rechecks). */
export function internalTopicsOf(topics: InputTopics): string[] {
  return [...repartitionTopicsOf(topics), entityRecheckTopicFor(topics.declarations)];
}

/** The internal repartition topics of the two inputs (registrations', declarations'). */
export function repartitionTopicsOf(topics: InputTopics): string[] {
  return [repartitionTopicFor(topics.registrations), repartitionTopicFor(topics.declarations)];
}

/** The repartition topic for records of a role. */
export function repartitionTopicOf(topics: InputTopics, role: InputRole): string {
  return repartitionTopicFor(role === 'registration' ? topics.registrations : topics.declarations);
}

/**
 * Kafka message -> DetectorEvent. Everything that can never succeed (undecodable bytes, a record of
 * the wrong type, an invalid VIN, a value out of the contract's ranges) throws NonRetriableError,
 * whose class ends up in the DLQ headers. A writer schema id not fetched yet from the registry
 * returns a promise that fetches it (the batch waits); a registry that cannot be reached throws a
 * RetriableError, so the batch is retried, never dead-lettered.
 * The physical topic names are configurable (tests use unique ones); the contract is picked by role.
 */
export function createDecoder(codec: Codec, topics: InputTopics) {
  const roles = topicRoles(topics);
  const rechecks = entityRecheckTopicFor(topics.declarations);
  const finish = (
    role: InputRole,
    record: RegistrationEvent | CustomsDeclarationEvent,
    message: KafkaMessage,
    topic: string,
    partition: number,
  ): DetectorEvent => {
    const source = { topic, partition, offset: message.offset };
    const arrival = Number(message.timestamp);
    if (role === 'registration') {
      const event = record as RegistrationEvent;
      assertInRange(TOPICS.registrations, event);
      event.vin = checkedVin(event.vin); // the record is ours (freshly decoded): no copy
      return { kind: 'registration', event, arrival, source };
    }
    const event = record as CustomsDeclarationEvent;
    assertInRange(TOPICS.declarations, event);
    if (event.declarationId.trim() === '')
      throw new NonRetriableError('declarationId is empty', 'InvalidRecord');
    event.vin = checkedVin(event.vin);
    return { kind: 'declaration', event, arrival, source };
  };

  return function decode(
    message: KafkaMessage,
    topic: string,
    partition: number,
  ): DetectorInput | Promise<DetectorInput> {
    if (topic === rechecks) return decodeRecheck(message, topic, partition);
    const role = roles.get(topic);
    if (!role) throw new NonRetriableError(`not an input topic of the detector: ${topic}`, 'UnknownTopic');
    const contract = role === 'registration' ? TOPICS.registrations : TOPICS.declarations;
    return decodeFramed(codec, message.value, contract, (record) =>
      finish(role, record, message, topic, partition),
    );
  };
}

/** Structure only: the check digit is a risk signal, computed when a declaration is evaluated. */
function checkedVin(raw: string): string {
  if (isCanonicalVin(raw)) return raw;
  const v = validateVin(raw);
  if (!v.ok)
    throw new NonRetriableError(
      `invalid VIN ${JSON.stringify(raw)}: ${v.reason}`,
      DLQ_ERROR_CLASSES.invalidVin,
    );
  return v.vin;
}
