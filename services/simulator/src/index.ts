/** Public surface of @zmwatch/simulator: seeded scenarios with ground truth, and their outputs. */
export { generateScenario, type Scenario, type ScenarioItem } from './scenario.js';
export {
  resolveOptions,
  DEFAULT_NOISE,
  NO_NOISE,
  type ScenarioOptions,
  type ResolvedOptions,
  type NoiseRates,
} from './options.js';
export {
  LABELS,
  ZERO_MILEAGE_LABELS,
  ADAPTIVE_LABELS,
  LOOK_ALIKE_LABELS,
  DEFAULT_MIX,
  LABEL_DESCRIPTIONS,
  isZeroMileageLabel,
  type Label,
} from './labels.js';
export {
  IGNORABLE_NOISE,
  type SimEvent,
  type SimRegistrationEvent,
  type SimDeclarationEvent,
  type SimMalformedEvent,
  type SimTopic,
  type NoiseKind,
  type VehicleTruth,
  type NoiseTruth,
} from './types.js';
export {
  produceToKafka,
  encodeEvent,
  type ProduceOptions,
  type ProduceProgress,
  type ProduceResult,
} from './kafka-output.js';
export {
  writeNdjson,
  eventToNdjsonLine,
  EVENTS_FILE,
  GROUND_TRUTH_FILE,
  type NdjsonOutputResult,
} from './ndjson-output.js';
export { type EventCounts } from './counts.js';
export {
  scoreDetections,
  recordDetection,
  formatQualityTable,
  type QualityReport,
  type LabelQuality,
  type Detections,
  type ScoreOptions,
} from './quality.js';
export {
  readGroundTruth,
  createGroundTruthWriter,
  type GroundTruthFile,
  type GroundTruthWriter,
} from './ground-truth-file.js';
export { createApp, type SimulatorApp, type RunSummary } from './app.js';
export { loadConfig, USAGE, type SimulatorConfig, type OutputConfig } from './config.js';
