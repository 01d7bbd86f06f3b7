/** Public surface of @zmwatch/workflows for non-workflow code (escalator, console, CLI, tests). */
export * from './shared.js';
export { caseConfigEnv, caseConfigFromEnv, parseDuration } from './case-config-env.js';
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
export { createActivities, isRetriableStatus, type ActivityDeps, type CaseActivities } from './activities.js';
export { createWebhookNotifier, createLogNotifier, type Notifier } from './notifier.js';
export {
  createCaseWorker,
  NativeConnection,
  WORKFLOW_BUNDLE_PATH,
  WORKFLOWS_PATH,
  type CaseWorker,
  type CaseWorkerOptions,
  type WorkflowSource,
} from './worker.js';
