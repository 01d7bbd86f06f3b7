import { z } from 'zod';
import {
  DEFAULT_PORTS,
  envVars,
  parseEnv,
  kafkaSecurity,
  kafkaSecurityEnv,
  type KafkaSecurity,
  redisConnection,
  redisEnv,
  type RedisConnection,
  temporalTls,
  temporalTlsEnv,
  type TemporalTls,
} from '@zmwatch/kit';
import { caseConfigEnv } from './case-config-env.js';
import { caseViewsEnv, caseViewTtlMs } from './case-view-store.js';
import { CASES_TASK_QUEUE } from './shared.js';
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
export interface WorkerConfig {
  temporalAddress: string;
  /** (Mutual) TLS to Temporal's frontend (kit's ZM_TEMPORAL_TLS*); absent: plaintext. */
  temporalTls?: TemporalTls | undefined;
  namespace: string;
  taskQueue: string;
  brokers: string[];
  /** SASL/TLS to the brokers (kit's ZM_KAFKA_SASL_* / ZM_KAFKA_TLS*); absent: PLAINTEXT. */
  kafkaSecurity?: KafkaSecurity | undefined;
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
  ZM_TEMPORAL_ADDRESS: envVars.temporalAddress,
  ...temporalTlsEnv,
  ZM_TEMPORAL_NAMESPACE: z.string().default('default'),
  ZM_CASES_TASK_QUEUE: z.string().default(CASES_TASK_QUEUE),
  ZM_KAFKA_BROKERS: envVars.brokers,
  ...kafkaSecurityEnv,
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
    temporalAddress: e.ZM_TEMPORAL_ADDRESS,
    temporalTls: temporalTls(e),
    namespace: e.ZM_TEMPORAL_NAMESPACE,
    taskQueue: e.ZM_CASES_TASK_QUEUE,
    brokers: e.ZM_KAFKA_BROKERS,
    kafkaSecurity: kafkaSecurity(e),
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
