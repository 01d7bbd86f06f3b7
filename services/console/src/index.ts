/**
 * Public surface of @zmwatch/console: the app and its auth pieces. The lag, dead-letter, Kafka-peek and
 * feed-health code lives in @zmwatch/ops and the case views in @zmwatch/workflows; both are re-exported
 * here for existing importers.
 */
export { createApp, type ConsoleApp, type ConsoleOverrides } from './app.js';
export {
  loadConfig,
  DEFAULT_AUDIT,
  DEFAULT_SECURITY,
  DEFAULT_TOPIC_PATTERN,
  DEFAULT_USERS_FILE,
  type ConsoleConfig,
  type ConsoleSecurity,
} from './config.js';
export { hashPassword, verifyPassword } from './auth/passwords.js';
export { ROLES, can, type Role, type Permission } from './auth/roles.js';
export { parseUsers, type User } from './auth/users.js';
export { createKafkaPeeker, type KafkaPeeker, type PeekedMessage } from '@zmwatch/ops';
export {
  createLagMonitor,
  type LagMonitor,
  type LagSnapshot,
  type GroupLag,
  type PartitionLag,
  type TopicThroughput,
} from '@zmwatch/ops';
export { evaluatePartition, worstStatus, STATUSES, type LagStatus, type LagSample } from '@zmwatch/ops';
export { renderLagChart } from './ops/lag-chart.js';
export {
  listDeadLetterTopics,
  newestDeadLetters,
  replayDeadLetters,
  type DeadLetterTopic,
  type DeadLetterView,
  type ReplayRef,
  type ReplayOutcome,
} from '@zmwatch/ops';
export { buildTimeline, firedRules, sortCases, type TimelineEntry, type CaseSort } from '@zmwatch/workflows';
export type { CaseBackend } from './cases/case-routes.js';
export {
  checkFeedHealth,
  sampleTopic,
  rerouteCounts,
  cachedFeedHealth,
  type FeedHealth,
  type FeedHealthDeps,
  type RerouteCount,
} from '@zmwatch/ops';
