import { hostname } from 'node:os';
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
import { ENTITY_KINDS, TOPICS } from '@zmwatch/schemas';
import {
  caseConfigEnv,
  caseConfigFromEnv,
  casesTaskQueueEnv,
  caseViewsEnv,
  DEFAULT_RING_MIN_MEMBERS,
  type CaseConfig,
  type RingThresholds,
} from '@zmwatch/workflows';

export interface EscalatorConfig extends KafkaClientSettings, TemporalClientSettings {
  clientId: string;
  groupId: string;
  alertsTopic: string;
  fromBeginning: boolean;
  maxRetryDelayMs: number;
  /** Temporal task queue of the case worker. */
  taskQueue: string;
  /**
   * The Redis of the case projection (`ZM_CASE_VIEWS`, on by default, and kit's Redis variables): a
   * case this escalator opens is put in its queue there at once (workflows README "Queues");
   * absent: it is listed after the worker's first task.
   */
  caseViews?: RedisConnection | undefined;
  /** Deadline of one signal-with-start call; past it the batch is retried (Temporal unreachable). */
  callTimeoutMs: number;
  /** Signal-with-start calls in flight per batch (different VINs; one VIN's alerts stay in order). */
  concurrency: number;
  /** Partitions whose batches are handled at the same time (kafkajs partitionsConsumedConcurrently). */
  partitionsConcurrently: number;
  /** A fetch returns once this many bytes are there, or after `fetchMaxWaitMs` (kafkajs minBytes); default `ESCALATOR_BATCHING`. */
  fetchMinBytes?: number;
  /** Longest a fetch waits for `fetchMinBytes` (kafkajs maxWaitTimeInMs). */
  fetchMaxWaitMs?: number;
  /** Skip records the case does not need (revision-coalescing.ts); false signals every record (default true). */
  coalesce?: boolean;
  /** Alert ids whose last signalled revision is remembered (duplicates and unchanged revisions are skipped). */
  signalledMemory?: number;
  /** Case rules given to every new case as workflow input. */
  caseConfig: CaseConfig;
  /**
   * Member count at which an entity of each kind opens a ring case (`ZM_RING_MIN_MEMBERS`); absent
   * kinds open none. Default `DEFAULT_RING_THRESHOLDS`.
   */
  ringThresholds?: RingThresholds;
  lagIntervalMs: number;
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
  /** Confluent-compatible Schema Registry to fetch unseen writer ids from; undefined: embedded catalog. */
  schemaRegistryUrl?: string | undefined;
}

/**
 * How the escalator's fetches gather alerts into batches (README "Batching", measured there): kafkajs
 * defaults are minBytes 1 (a fetch returns as soon as one record is there) and maxWaitTimeInMs 5000.
 */
export const ESCALATOR_BATCHING = {
  fetchMinBytes: 1,
  fetchMaxWaitMs: 5_000,
  signalledMemory: 100_000,
} as const;

/** Every entity kind at `DEFAULT_RING_MIN_MEMBERS` (ring-case.ts says why that number). */
export const DEFAULT_RING_THRESHOLDS: RingThresholds = Object.fromEntries(
  ENTITY_KINDS.map((k) => [k, DEFAULT_RING_MIN_MEMBERS]),
);

/**
 * `ZM_RING_MIN_MEMBERS`: `off` (no ring cases), one count for every entity kind (default
 * `DEFAULT_RING_MIN_MEMBERS`), or `KIND=n` pairs separated by commas, the kinds not named keeping the
 * default (`EXPORTER=25,COHORT=off`). Returns the thresholds, or an error message.
 */
export function parseRingThresholds(text: string): RingThresholds | string {
  const all = (n: number | null): Record<string, number> =>
    Object.fromEntries(n === null ? [] : ENTITY_KINDS.map((k) => [k, n]));
  const count = (v: string): number | null | undefined =>
    v === 'off' ? null : /^[1-9]\d{0,5}$/.test(v) ? Number(v) : undefined;
  const t = text.trim();
  if (!t.includes('=')) {
    const n = count(t);
    return n === undefined
      ? `expected off, a positive count or KIND=n pairs, got ${JSON.stringify(text)}`
      : all(n);
  }
  const out: Record<string, number> = { ...DEFAULT_RING_THRESHOLDS };
  for (const pair of t.split(',')) {
    const [kind = '', value = ''] = pair.split('=').map((x) => x.trim());
    const n = count(value);
    if (!(ENTITY_KINDS as readonly string[]).includes(kind.toUpperCase()))
      return `unknown entity kind ${JSON.stringify(kind)} (one of ${ENTITY_KINDS.join(', ')})`;
    if (n === undefined) return `${kind}: expected off or a positive count, got ${JSON.stringify(value)}`;
    if (n === null) delete out[kind.toUpperCase()];
    else out[kind.toUpperCase()] = n;
  }
  return out;
}

const ringMinMembers = z
  .string()
  .default(String(DEFAULT_RING_MIN_MEMBERS))
  .transform((v, ctx) => {
    const r = parseRingThresholds(v);
    if (typeof r === 'string') {
      ctx.addIssue({ code: 'custom', message: r });
      return z.NEVER;
    }
    return r;
  });

const envSchema = z.object({
  ...kafkaClientEnv,
  ...temporalClientEnv,
  ...casesTaskQueueEnv,
  ...redisEnv,
  ...caseViewsEnv,
  ZM_LOG_LEVEL: envVars.logLevel,
  ZM_SCHEMA_REGISTRY_URL: envVars.schemaRegistryUrl,
  ZM_ESCALATOR_CLIENT_ID: z.string().min(1).default(`zm-escalator-${hostname()}-${process.pid}`),
  ZM_ESCALATOR_GROUP_ID: z.string().min(1).default('zm-escalator'),
  ZM_ESCALATOR_ALERTS_TOPIC: z.string().min(1).default(TOPICS.alerts),
  ZM_ESCALATOR_FROM_BEGINNING: envVars.bool(true),
  ZM_ESCALATOR_MAX_RETRY_DELAY_MS: envVars.positiveInt(10_000),
  ZM_ESCALATOR_CALL_TIMEOUT_MS: envVars.positiveInt(10_000),
  ZM_ESCALATOR_CONCURRENCY: envVars.positiveInt(32),
  ZM_ESCALATOR_PARTITIONS_CONCURRENTLY: envVars.positiveInt(6),
  ZM_ESCALATOR_FETCH_MIN_BYTES: envVars.positiveInt(ESCALATOR_BATCHING.fetchMinBytes),
  ZM_ESCALATOR_FETCH_MAX_WAIT_MS: envVars.positiveInt(ESCALATOR_BATCHING.fetchMaxWaitMs),
  ZM_ESCALATOR_COALESCE: envVars.bool(true),
  ZM_ESCALATOR_SIGNALLED_MEMORY: envVars.positiveInt(ESCALATOR_BATCHING.signalledMemory),
  ZM_ESCALATOR_LAG_INTERVAL_MS: envVars.positiveInt(10_000),
  ZM_ESCALATOR_METRICS_PORT: envVars.port(DEFAULT_PORTS.escalatorMetrics),
  ZM_ESCALATOR_METRICS_HOST: z.string().default('127.0.0.1'),
  ZM_RING_MIN_MEMBERS: ringMinMembers,
  ...caseConfigEnv,
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EscalatorConfig {
  const e = parseEnv(envSchema, env);
  return {
    ...kafkaClientSettings(e),
    ...temporalClientSettings(e),
    clientId: e.ZM_ESCALATOR_CLIENT_ID,
    groupId: e.ZM_ESCALATOR_GROUP_ID,
    alertsTopic: e.ZM_ESCALATOR_ALERTS_TOPIC,
    fromBeginning: e.ZM_ESCALATOR_FROM_BEGINNING,
    maxRetryDelayMs: e.ZM_ESCALATOR_MAX_RETRY_DELAY_MS,
    taskQueue: e.ZM_CASES_TASK_QUEUE,
    caseViews: e.ZM_CASE_VIEWS === 'on' ? redisConnection(e) : undefined,
    callTimeoutMs: e.ZM_ESCALATOR_CALL_TIMEOUT_MS,
    concurrency: e.ZM_ESCALATOR_CONCURRENCY,
    partitionsConcurrently: e.ZM_ESCALATOR_PARTITIONS_CONCURRENTLY,
    fetchMinBytes: e.ZM_ESCALATOR_FETCH_MIN_BYTES,
    fetchMaxWaitMs: e.ZM_ESCALATOR_FETCH_MAX_WAIT_MS,
    coalesce: e.ZM_ESCALATOR_COALESCE,
    signalledMemory: e.ZM_ESCALATOR_SIGNALLED_MEMORY,
    caseConfig: caseConfigFromEnv(e),
    ringThresholds: e.ZM_RING_MIN_MEMBERS,
    lagIntervalMs: e.ZM_ESCALATOR_LAG_INTERVAL_MS,
    metricsPort: e.ZM_ESCALATOR_METRICS_PORT,
    metricsHost: e.ZM_ESCALATOR_METRICS_HOST,
    logLevel: e.ZM_LOG_LEVEL,
    schemaRegistryUrl: e.ZM_SCHEMA_REGISTRY_URL,
  };
}
