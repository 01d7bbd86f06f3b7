/** Public surface of @zmwatch/schemas: the zmwatch event contracts, codec, VIN rules and NDJSON interchange. */
export * from './generated/types.js';
export {
  TOPICS,
  ALL_TOPICS,
  isTopic,
  subjectFor,
  topicOfSubject,
  dlqTopicFor,
  repartitionTopicFor,
  type Topic,
} from './topics.js';
export {
  CodecError,
  TruncatedPayloadError,
  WrongMagicByteError,
  UnknownSchemaIdError,
  SchemaMismatchError,
  MalformedPayloadError,
  InvalidRecordError,
  UnknownTopicError,
  SchemaRegistryError,
  isCodecError,
} from './errors.js';
export { DLQ_ERROR_CLASSES, type DlqErrorClass } from './error-classes.js';
/** A topic's current contract (schema, avsc type, embedded id): what a foreign producer encodes with. */
export { getContract, type Contract } from './contracts.js';
export {
  createCodec,
  createCodecFor,
  readWireHeader,
  frame,
  MAGIC_BYTE,
  WIRE_HEADER_BYTES,
  SchemaNotLoadedError,
  type Codec,
  type CreateCodecOptions,
  type Decoded,
} from './codec.js';
export {
  createEmbeddedCatalog,
  createRegistryCatalog,
  type SchemaCatalog,
  type CatalogSchema,
  type RegistryCatalogOptions,
} from './catalog.js';
export {
  normalizeVin,
  validateVin,
  isCanonicalVin,
  computeCheckDigit,
  withCheckDigit,
  VIN_LENGTH,
  type VinValidation,
} from './vin.js';
export { alertIdFor } from './alert-id.js';
export {
  alertV2Defaults,
  alertV3Defaults,
  ruleHitV3Defaults,
  type AlertV2Fields,
  type AlertV3Fields,
  type RuleHitV3Fields,
} from './alert-defaults.js';
export {
  TYPOLOGIES,
  ENTITY_KINDS,
  ENTITY_MEMBER_VINS_CAP,
  isTypology,
  type Typology,
  type EntityKindName,
} from './typologies.js';
export {
  DLQ_HEADERS,
  DLQ_MAX_ERROR_MESSAGE,
  buildDeadLetter,
  parseDeadLetterHeaders,
  errorClassOf,
  type DeadLetterInput,
  type DeadLetterMessage,
  type DeadLetterInfo,
  type KafkaHeaders,
} from './dead-letter.js';
export { toJsonForm, fromJsonForm } from './json-form.js';
export {
  parseNdjsonLine,
  toNdjsonLine,
  readNdjson,
  type NdjsonRecord,
  type NdjsonRawBytes,
  type NdjsonLine,
  type NdjsonOptions,
  type NdjsonError,
  type NdjsonResult,
} from './ndjson.js';
export {
  replayNdjson,
  ReplayProduceError,
  formatTailRecord,
  type ReplayOptions,
  type ReplayResult,
  type ReplayProgress,
  type TailMessage,
} from './replay.js';
export {
  checkCompatibility,
  checkAllEvolution,
  type CompatibilityReport,
  type EvolutionProblem,
} from './evolution.js';
export { murmur2, contractPartition, placementProblem, type PlacementProblem } from './partitioning.js';
export {
  VALUE_RANGES,
  OutOfRangeError,
  rangeProblems,
  assertInRange,
  maxLengthOf,
  numberRangeOf,
  hasControlCharacter,
  type RangeProblem,
} from './value-ranges.js';
export {
  checkFeeds,
  emptyTopicReport,
  INPUT_TOPICS,
  FUTURE_SKEW_THRESHOLD_MS,
  type InputTopic,
  type SampledRecord,
  type FeedCheckOptions,
  type FeedCheckReport,
  type TopicFeedReport,
  type SchemaIdSource,
  type SchemaIdSeen,
  type PlacementExample,
  type SkewStats,
} from './feed-check.js';
export { SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS } from './time-units.js';
