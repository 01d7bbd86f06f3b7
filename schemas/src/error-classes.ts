/**
 * Every error class written to a dead letter's `zm-dlq-error-class` header (DLQ_HEADERS.errorClass),
 * spelled once. The codec's errors carry theirs as `code`; services pass theirs to NonRetriableError;
 * the kit's batch consumer adds `undecodable` and `HandlerFailed` (KIT_ERROR_CLASSES).
 */
export const DLQ_ERROR_CLASSES = {
  /** Payload shorter than the wire header, or the Avro body ends early (TruncatedPayloadError). */
  truncatedPayload: 'TruncatedPayload',
  /** Byte 0 is not the Confluent magic byte (WrongMagicByteError). */
  wrongMagicByte: 'WrongMagicByte',
  /** The schema id is not known to the catalog or registry (UnknownSchemaIdError). */
  unknownSchemaId: 'UnknownSchemaId',
  /** The writer schema is another record type, or not resolvable to the reader (SchemaMismatchError). */
  schemaMismatch: 'SchemaMismatch',
  /** The bytes do not decode under the writer schema (MalformedPayloadError). */
  malformedPayload: 'MalformedPayload',
  /** A record does not match its schema (InvalidRecordError). */
  invalidRecord: 'InvalidRecord',
  /** The topic has no contract (UnknownTopicError). */
  unknownTopic: 'UnknownTopic',
  /** The schema registry failed (SchemaRegistryError; retriable unless it says otherwise). */
  schemaRegistry: 'SchemaRegistry',
  /** A value outside VALUE_RANGES (OutOfRangeError). */
  outOfRange: 'OutOfRange',
  /** A structurally invalid (or, on alerts, not normalised) VIN. */
  invalidVin: 'InvalidVin',
  /** A decoder threw something that is neither a classified nor a retriable fault (the kit's). */
  undecodable: 'undecodable',
  /** Handling this record alone threw an unclassified error, found by bisecting its batch (the kit's). */
  handlerFailed: 'HandlerFailed',
} as const;

export type DlqErrorClass = (typeof DLQ_ERROR_CLASSES)[keyof typeof DLQ_ERROR_CLASSES];
