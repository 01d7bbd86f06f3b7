import type { KafkaMessage } from 'kafkajs';
import { decodeFramed, NonRetriableError } from '@zmwatch/kit';
import {
  assertInRange,
  DLQ_ERROR_CLASSES,
  isCanonicalVin,
  MAGIC_BYTE,
  repartitionTopicFor,
  TOPICS,
  validateVin,
  WIRE_HEADER_BYTES,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import type { DetectorEvent } from './apply-events.js';
import { createDirectReaders, type DirectReaders } from './direct-read.js';
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
 * RetriableError, so the batch is retried, never dead-lettered. Every other record is decoded
 * synchronously: one written with its topic's current schema straight into the event by the direct
 * reader (direct-read.ts), anything else — and anything the direct reader refuses — by the codec and
 * the checks below, which name the fault.
 * The physical topic names are configurable (tests use unique ones); the contract is picked by role.
 */
export function createDecoder(
  codec: Codec,
  topics: InputTopics,
  options: {
    /** false: every record takes the generic path (what the direct reader is compared with in tests). */
    direct?: boolean;
  } = {},
) {
  const roles = topicRoles(topics);
  const rechecks = entityRecheckTopicFor(topics.declarations);
  const direct: DirectReaders = options.direct === false ? {} : createDirectReaders();
  const currentIds = {
    registration: codec.schemaIdFor(TOPICS.registrations),
    declaration: codec.schemaIdFor(TOPICS.declarations),
  };
  const finish = (
    role: InputRole,
    record: RegistrationEvent | CustomsDeclarationEvent,
    message: KafkaMessage,
    topic: string,
    partition: number,
  ): DetectorEvent => {
    if (role === 'registration') {
      const event = record as RegistrationEvent;
      assertInRange(TOPICS.registrations, event);
      event.vin = checkedVin(event.vin); // the record is ours (freshly decoded): no copy
    } else {
      const event = record as CustomsDeclarationEvent;
      assertInRange(TOPICS.declarations, event);
      if (event.declarationId.trim() === '')
        throw new NonRetriableError('declarationId is empty', 'InvalidRecord');
      event.vin = checkedVin(event.vin);
    }
    return inputOf(role, record, message, topic, partition);
  };
  const generic = (
    role: InputRole,
    message: KafkaMessage,
    topic: string,
    partition: number,
  ): DetectorEvent | Promise<DetectorEvent> =>
    decodeFramed(
      codec,
      message.value,
      role === 'registration' ? TOPICS.registrations : TOPICS.declarations,
      (record) => finish(role, record, message, topic, partition),
    );

  return function decode(
    message: KafkaMessage,
    topic: string,
    partition: number,
  ): DetectorInput | Promise<DetectorInput> {
    if (topic === rechecks) return decodeRecheck(message, topic, partition);
    const role = roles.get(topic);
    if (!role) throw new NonRetriableError(`not an input topic of the detector: ${topic}`, 'UnknownTopic');
    const body = message.value;
    if (framedId(body) === currentIds[role]) {
      const event = role === 'registration' ? direct.registration?.(body!) : direct.declaration?.(body!);
      if (event !== undefined) return inputOf(role, event, message, topic, partition);
    }
    return generic(role, message, topic, partition);
  };
}

/** The event of a checked record, as both paths hand it on (one object shape). */
function inputOf(
  role: InputRole,
  event: RegistrationEvent | CustomsDeclarationEvent,
  message: KafkaMessage,
  topic: string,
  partition: number,
): DetectorEvent {
  return {
    kind: role,
    event,
    arrival: Number(message.timestamp),
    source: { topic, partition, offset: message.offset },
  } as DetectorEvent;
}

/** The writer schema id of a Confluent-framed Buffer with a body; -1 for anything else (the generic path judges it). */
function framedId(body: Buffer | null): number {
  if (body === null || !Buffer.isBuffer(body) || body.length <= WIRE_HEADER_BYTES || body[0] !== MAGIC_BYTE)
    return -1;
  return body.readUInt32BE(1);
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
