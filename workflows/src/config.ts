import { z } from 'zod';
import {
  DEFAULT_PORTS,
  envVars,
  kafkaClientEnv,
  kafkaClientSettings,
  parseEnv,
  redisConnection,
  redisEnv,
  type RedisConnection,
  temporalClientEnv,
  temporalClientSettings,
  type KafkaClientSettings,
  type TemporalClientSettings,
} from '@zmwatch/kit';
import { caseConfigEnv, casesTaskQueueEnv } from './case-config-env.js';
import { caseViewsEnv, caseViewTtlMs } from './case-view-store.js';
import { WORKFLOW_BUNDLE_PATH, WORKFLOWS_PATH, type WorkflowSource } from './worker.js';

/**
 * The SDK worker's settings for the case worker process (measured: README "Worker settings"). A case
 * task is small; what costs is a workflow evicted from the sticky cache, which replays its whole
 * history on its next signal, so the cache holds every open case of a busy demo.
 */
export const WORKER_DEFAULTS = {
  maxCachedWorkflows: 2_000,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 20,
} as const;

/** Configuration of the case worker process (src/worker-main.ts); read once, from the environment. */
export interface WorkerConfig extends TemporalClientSettings, KafkaClientSettings {
  taskQueue: string;
  outcomesTopic: string;
  customsUrl: string;
  customsToken: string | undefined;
  notifyUrl: string | undefined;
  workflows: WorkflowSource;
  logLevel: string;
  /** /metrics, /healthz, /readyz (ready = the worker is polling), as the detector's and escalator's. */
  metricsHost: string;
  metricsPort: number;
  /** Where the case projection is written (the Redis the console reads); null: not written (`ZM_CASE_VIEWS=off`). */
  caseViews: { redis: RedisConnection; ttlMs: number } | null;
  /** SDK worker settings (README "Worker settings"): sticky cache size and task slots. */
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
}

const schema = z.object({
  ...temporalClientEnv,
  ...casesTaskQueueEnv,
  ...kafkaClientEnv,
  ZM_OUTCOMES_TOPIC: z.string().default('zm.case-outcomes.v1'),
  ZM_CUSTOMS_URL: z.string().url(),
  ZM_CUSTOMS_TOKEN: z.string().optional(),
  ZM_NOTIFY_URL: z.string().url().optional(),
  /** `bundle` (production: the prebuilt dist/workflow-bundle.js) or `source` (bundle at start, development). */
  ZM_WORKFLOW_CODE: z.enum(['bundle', 'source']).default('bundle'),
  ZM_WORKFLOW_BUNDLE: z.string().default(WORKFLOW_BUNDLE_PATH),
  ZM_LOG_LEVEL: envVars.logLevel,
  ZM_WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  ZM_WORKER_METRICS_PORT: envVars.port(DEFAULT_PORTS.workerMetrics),
  ...redisEnv,
  ...caseViewsEnv,
  ZM_CASE_RETENTION: caseConfigEnv.ZM_CASE_RETENTION,
  ZM_WORKER_MAX_CACHED_WORKFLOWS: envVars.positiveInt(WORKER_DEFAULTS.maxCachedWorkflows),
  ZM_WORKER_WORKFLOW_TASK_SLOTS: envVars.positiveInt(WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions),
  ZM_WORKER_ACTIVITY_TASK_SLOTS: envVars.positiveInt(WORKER_DEFAULTS.maxConcurrentActivityTaskExecutions),
});

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(schema, env);
  return {
    ...temporalClientSettings(e),
    taskQueue: e.ZM_CASES_TASK_QUEUE,
    ...kafkaClientSettings(e),
    outcomesTopic: e.ZM_OUTCOMES_TOPIC,
    customsUrl: e.ZM_CUSTOMS_URL,
    customsToken: e.ZM_CUSTOMS_TOKEN,
    notifyUrl: e.ZM_NOTIFY_URL,
    workflows:
      e.ZM_WORKFLOW_CODE === 'bundle'
        ? { bundlePath: e.ZM_WORKFLOW_BUNDLE }
        : { workflowsPath: WORKFLOWS_PATH },
    logLevel: e.ZM_LOG_LEVEL,
    metricsHost: e.ZM_WORKER_METRICS_HOST,
    metricsPort: e.ZM_WORKER_METRICS_PORT,
    caseViews:
      e.ZM_CASE_VIEWS === 'on'
        ? { redis: redisConnection(e), ttlMs: caseViewTtlMs(e.ZM_CASE_RETENTION) }
        : null,
    maxCachedWorkflows: e.ZM_WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: e.ZM_WORKER_WORKFLOW_TASK_SLOTS,
    maxConcurrentActivityTaskExecutions: e.ZM_WORKER_ACTIVITY_TASK_SLOTS,
  };
}
