/** Public surface of @zmwatch/console: the app, and the lag/DLQ/auth pieces the CLI reuses. */
export { createApp, type ConsoleApp, type ConsoleOverrides } from './app.js';
export { loadConfig, DEFAULT_TOPIC_PATTERN, DEFAULT_USERS_FILE, type ConsoleConfig } from './config.js';
export { hashPassword, verifyPassword } from './auth/passwords.js';
export { ROLES, can, type Role, type Permission } from './auth/roles.js';
export { parseUsers, type User } from './auth/users.js';
export { createKafkaPeeker, type KafkaPeeker, type PeekedMessage } from './ops/kafka-peek.js';
export {
  createLagMonitor,
  type LagMonitor,
  type LagSnapshot,
  type GroupLag,
  type PartitionLag,
  type TopicThroughput,
} from './ops/lag-monitor.js';
export { evaluatePartition, worstStatus, STATUSES, type LagStatus, type LagSample } from './ops/lag-rules.js';
export { renderLagChart } from './ops/lag-chart.js';
export {
  listDeadLetterTopics,
  newestDeadLetters,
  replayDeadLetters,
  type DeadLetterTopic,
  type DeadLetterView,
  type ReplayRef,
  type ReplayOutcome,
} from './ops/dead-letters.js';
export {
  buildTimeline,
  firedRules,
  sortCases,
  type TimelineEntry,
  type CaseSort,
} from './cases/case-views.js';
export type { CaseBackend } from './cases/case-routes.js';
export {
  checkFeedHealth,
  sampleTopic,
  rerouteCounts,
  cachedFeedHealth,
  type FeedHealth,
  type FeedHealthDeps,
  type RerouteCount,
} from './ops/feed-health.js';
