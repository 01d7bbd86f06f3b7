/** Public surface of @zmwatch/detector. */
export { createApp, type DetectorApp, type AppOptions } from './app.js';
export { loadConfig, type DetectorConfig } from './config.js';
export { createDecoder } from './decode.js';
export { createDirectReaders, SHAPES, shapeOf, type DirectReaders } from './direct-read.js';
export { DETECTOR_NODE_FLAGS, hasDetectorNodeFlags } from './node-flags.js';
export { loadRuleset, parseRuleset, DEFAULT_RULESET_FILE, RulesetError, type Ruleset } from './ruleset.js';
export {
  evaluate,
  severityFor,
  RULE_IDS,
  RULES,
  typologyOf,
  type Evaluation,
  type EvaluationSubject,
  type RuleId,
} from './evaluate.js';
export {
  mergeEvents,
  recordVerdict,
  type DetectorEvent,
  type MergeResult,
  type MergeNote,
} from './apply-events.js';
export { packState, unpackState, readStateHeader, type VinState, type OpenDeclaration } from './vin-state.js';
export {
  createStateStore,
  type StateStore,
  type StateView,
  type StateWrite,
  type VelocityQuery,
} from './redis-store.js';
export {
  decideRevision,
  verdictFingerprint,
  DEFAULT_REVISION_MIN_INTERVAL_SECONDS,
  REVISION_REASONS,
  type Published,
  type RevisionDecision,
  type RevisionPolicy,
  type RevisionReason,
} from './revision.js';
export { decideVerdicts, type DeclarationOutcome } from './verdicts.js';
export { createProcessor, type Processor } from './processor.js';
export { createPartitionLocks } from './mutex.js';
export {
  stateBucketKey,
  stateBucketOf,
  velocityBucketKey,
  velocityBucketOf,
  fnv1a,
  registrantTag,
  dayKey,
  dayOfVelocityKey,
  VELOCITY_KEY_CHARS,
  type KeyLayout,
} from './keys.js';
export { parseBucket, formatBucket, type Bucket } from './bucket-blob.js';
export {
  applyChanges,
  countInEntries,
  planBucketWrites,
  planVelocityCompaction,
  sweepFindings,
  velocityDays,
  STATE_BUCKET,
  VELOCITY_BUCKET,
  type BucketChanges,
  type BucketWritesPlan,
} from './bucket-writes.js';
export { createDetectorMetrics, type DetectorMetrics } from './metrics.js';
export { migrateStateLayout, type MigrationProgress, type MigrationResult } from './migrate-state.js';
export { topicRoles, repartitionTopicsOf, internalTopicsOf } from './decode.js';
export { entityRecheckTopicFor, type DetectorInput } from './entity-recheck.js';
export {
  observationsOf,
  vinObservations,
  entityCountsOf,
  applyWindowChanges,
  windowParams,
  retentionMs,
  keysToRead,
  isYoungLowUse,
  type EntityCounts,
  type EntityObservation,
  type EntityWindow,
  type MemberChange,
} from './entity-windows.js';
export {
  createReplayDetector,
  type ReplayDetector,
  type ReplayEvaluation,
  type ReplayStats,
} from './replay.js';
export {
  createEntityStore,
  entityWindowKey,
  updateInMemory,
  type EntityStore,
  type WindowUpdate,
} from './entity-store.js';
