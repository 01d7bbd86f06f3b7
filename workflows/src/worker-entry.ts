/**
 * `@zmwatch/workflows/worker`: the case worker side (Temporal worker, activities, notifiers). Only the
 * worker process, its tests and benchmarks import it, so `@temporalio/worker` (native core, bundler)
 * never loads in the escalator, the console or the CLI, which import the package root.
 */
export {
  caseViewSinks,
  createCaseWorker,
  NativeConnection,
  WORKFLOW_BUNDLE_PATH,
  WORKFLOWS_PATH,
  type CaseWorker,
  type CaseWorkerOptions,
  type WorkflowSource,
} from './worker.js';
export { createActivities, isRetriableStatus, type ActivityDeps, type CaseActivities } from './activities.js';
export { createWebhookNotifier, createLogNotifier, type Notifier } from './notifier.js';
export { loadWorkerConfig, type WorkerConfig } from './config.js';
