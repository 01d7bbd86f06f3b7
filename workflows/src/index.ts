/**
 * Public surface of @zmwatch/workflows for client code (escalator, console, CLI, tests): shared
 * definitions, case rules, the typed case client and the case views. The worker side is
 * `@zmwatch/workflows/worker`; nothing imported here may load `@temporalio/worker`.
 */
export * from './shared.js';
export { caseConfigEnv, caseConfigFromEnv, casesTaskQueueEnv, parseDuration } from './case-config-env.js';
export {
  alertRevision,
  alertStatus,
  alertTypologies,
  caseTypologies,
  PRE_V3_TYPOLOGY,
  isWithdrawn,
  latestRevisions,
  holderOf,
  exporterOf,
} from './case-revisions.js';
export {
  DEFAULT_RING_MEMBERS_ACTION,
  DEFAULT_RING_MIN_MEMBERS,
  isRingCaseId,
  isRingMembersAction,
  membersNamed,
  parseRingCaseId,
  RING_CASE_PREFIX,
  RING_MEMBERS_ACTIONS,
  ringCaseIdFor,
  ringDecisionSignal,
  ringsReached,
  type RingDecisionInput,
  type RingEntity,
  type RingMembersAction,
  type RingSubject,
  type RingThresholds,
} from './ring-case.js';
export { MAX_ENTITY_ID_LENGTH, parseCaseKey } from './case-key.js';
export { routeQueue, slaFor, maxSeverity, validateCaseConfig, type RouteInput } from './case-rules.js';
export {
  createCaseClient,
  queueQuery,
  OPEN_CASE_STATUSES,
  CaseActionRejectedError,
  CaseNotFoundError,
  type CaseClient,
  type CaseClientOptions,
  type CasePage,
  type CaseSummary,
  type Paging,
  type QueueFilters,
  type SignalAlertResult,
} from './client.js';
export {
  CASE_READ_DEADLINES,
  judgeProjection,
  summaryRead,
  summaryState,
  type CaseDescription,
  type CaseRead,
  type CaseReadSource,
} from './case-read.js';
export {
  CASE_VIEW_PREFIX,
  CASE_VIEW_VERSION,
  caseViewKey,
  caseViewsEnv,
  caseViewTtlMs,
  createCaseViewReader,
  createCaseViewWriter,
  parseCaseView,
  type CaseViewReader,
  type CaseViewRecord,
  type CaseViewWriter,
} from './case-view-store.js';
export {
  caseQueueKey,
  caseRowKey,
  createCaseQueueStore,
  servedByQueueStore,
  type CaseQueueStore,
  type CaseRow,
} from './case-queue-store.js';
export {
  buildTimeline,
  caseParties,
  revisionHistory,
  firedRules,
  sortCases,
  findRelatedCases,
  type CaseSort,
  type CaseParty,
  type RevisionEntry,
  type FiredRule,
  type RelatedCases,
  type TimelineEntry,
} from './case-views.js';
