import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_PORTS, envVars, parseEnv } from '@zmwatch/kit';
import { TOPICS } from '@zmwatch/schemas';
import { insightsDbPath } from './client.js';
import type { InsightsTopics } from './decode.js';

export interface InsightsConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: InsightsTopics;
  fromBeginning: boolean;
  /** The DuckDB file (`:memory:` for a throw-away store). */
  dbPath: string;
  /** Rows whose event time is older than this many days are deleted (hourly and at start). */
  retentionDays: number;
  retentionIntervalMs: number;
  maxRetryDelayMs: number;
  /**
   * A fetch is answered once `fetchMinBytes` have accumulated or `fetchWaitMs` passed. At the demo's
   * rate (about 200 small records a second) the wait is what ends a fetch, so a batch holds about
   * five seconds of records instead of the few that arrived since the previous fetch: fewer, larger
   * DuckDB transactions (each costs about the same CPU whatever its size), figures at most this much
   * later — monthly figures, for which seconds do not matter.
   */
  fetchWaitMs: number;
  fetchMinBytes: number;
  /** Partition batches of one fetch handled at once; their writes share a transaction (store.ts). */
  partitionsConcurrently: number;
  /** /metrics, /healthz, /readyz and the report API (/api/insights/report). */
  port: number;
  host: string;
  logLevel: string;
  schemaRegistryUrl?: string | undefined;
}

const envSchema = z.object({
  ZM_KAFKA_BROKERS: envVars.brokers,
  ZM_LOG_LEVEL: envVars.logLevel,
  ZM_SCHEMA_REGISTRY_URL: envVars.schemaRegistryUrl,
  ZM_RUN_DIR: z.string().default('.zmwatch'),
  ZM_INSIGHTS_CLIENT_ID: z.string().min(1).default(`zm-insights-${hostname()}-${process.pid}`),
  ZM_INSIGHTS_GROUP_ID: z.string().min(1).default('zm-insights'),
  ZM_INSIGHTS_REGISTRATIONS_TOPIC: z.string().min(1).default(TOPICS.registrations),
  ZM_INSIGHTS_DECLARATIONS_TOPIC: z.string().min(1).default(TOPICS.declarations),
  ZM_INSIGHTS_ALERTS_TOPIC: z.string().min(1).default(TOPICS.alerts),
  ZM_INSIGHTS_OUTCOMES_TOPIC: z.string().min(1).default(TOPICS.caseOutcomes),
  ZM_INSIGHTS_FROM_BEGINNING: envVars.bool(true),
  ZM_INSIGHTS_DB: z.string().min(1).optional(),
  ZM_INSIGHTS_RETENTION_DAYS: envVars.positiveInt(1095),
  ZM_INSIGHTS_RETENTION_INTERVAL_MS: envVars.positiveInt(3_600_000),
  ZM_INSIGHTS_MAX_RETRY_DELAY_MS: envVars.positiveInt(10_000),
  ZM_INSIGHTS_FETCH_WAIT_MS: envVars.positiveInt(5_000),
  ZM_INSIGHTS_FETCH_MIN_BYTES: envVars.positiveInt(1_048_576),
  ZM_INSIGHTS_PARTITIONS_CONCURRENTLY: envVars.positiveInt(8),
  ZM_INSIGHTS_PORT: envVars.port(DEFAULT_PORTS.insights),
  ZM_INSIGHTS_HOST: z.string().default('127.0.0.1'),
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): InsightsConfig {
  const e = parseEnv(envSchema, env);
  return {
    brokers: e.ZM_KAFKA_BROKERS,
    clientId: e.ZM_INSIGHTS_CLIENT_ID,
    groupId: e.ZM_INSIGHTS_GROUP_ID,
    topics: {
      registrations: e.ZM_INSIGHTS_REGISTRATIONS_TOPIC,
      declarations: e.ZM_INSIGHTS_DECLARATIONS_TOPIC,
      alerts: e.ZM_INSIGHTS_ALERTS_TOPIC,
      caseOutcomes: e.ZM_INSIGHTS_OUTCOMES_TOPIC,
    },
    fromBeginning: e.ZM_INSIGHTS_FROM_BEGINNING,
    dbPath: e.ZM_INSIGHTS_DB ?? insightsDbPath(e.ZM_RUN_DIR),
    retentionDays: e.ZM_INSIGHTS_RETENTION_DAYS,
    retentionIntervalMs: e.ZM_INSIGHTS_RETENTION_INTERVAL_MS,
    maxRetryDelayMs: e.ZM_INSIGHTS_MAX_RETRY_DELAY_MS,
    fetchWaitMs: e.ZM_INSIGHTS_FETCH_WAIT_MS,
    fetchMinBytes: e.ZM_INSIGHTS_FETCH_MIN_BYTES,
    partitionsConcurrently: e.ZM_INSIGHTS_PARTITIONS_CONCURRENTLY,
    port: e.ZM_INSIGHTS_PORT,
    host: e.ZM_INSIGHTS_HOST,
    logLevel: e.ZM_LOG_LEVEL,
    schemaRegistryUrl: e.ZM_SCHEMA_REGISTRY_URL,
  };
}
