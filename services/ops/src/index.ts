/**
 * Public surface of @zmwatch/ops: what the console's ops page and the CLI's data commands share —
 * reading Kafka by offset, consumer lag with Burrow-style status, dead letters (list, replay) and the
 * health of the input feeds. No HTTP, no Temporal.
 */
export { createKafkaPeeker, type KafkaPeeker, type PeekedMessage } from './kafka-peek.js';
export {
  createLagMonitor,
  type ChartSeries,
  type LagMonitor,
  type LagMonitorOptions,
  type LagSnapshot,
  type GroupLag,
  type PartitionLag,
  type TopicThroughput,
} from './lag-monitor.js';
export {
  evaluatePartition,
  worstStatus,
  pushBounded,
  STATUSES,
  DEFAULT_RULE_OPTIONS,
  type Evaluation,
  type LagStatus,
  type LagSample,
  type RuleOptions,
} from './lag-rules.js';
export {
  listDeadLetterTopics,
  describeDeadLetter,
  newestDeadLetters,
  replayDeadLetters,
  type DeadLetterTopic,
  type DeadLetterView,
  type ReplayRef,
  type ReplayOutcome,
} from './dead-letters.js';
export {
  checkFeedHealth,
  sampleTopic,
  rerouteCounts,
  cachedFeedHealth,
  spreadSample,
  type FeedHealth,
  type FeedHealthDeps,
  type RerouteCount,
} from './feed-health.js';
