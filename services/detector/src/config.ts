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
  type KafkaClientSettings,
  type RedisConnection,
} from '@zmwatch/kit';
import { TOPICS } from '@zmwatch/schemas';
import type { KeyLayout } from './keys.js';
import { DEFAULT_REVISION_MIN_INTERVAL_SECONDS } from './revision.js';
import { DEFAULT_RULESET_FILE, loadRuleset, type Ruleset } from './ruleset.js';

export interface DetectorConfig extends KafkaClientSettings {
  clientId: string;
  groupId: string;
  topics: { registrations: string; declarations: string; alerts: string };
  /** Start a new consumer group at the beginning of the input topics (true) or at their end. */
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  /**
   * How old cluster metadata may get before it is refreshed: bounds how soon partitions added to the
   * input topics are consumed (kafkajs `metadataMaxAge`). Absent: kafkajs's 5 minutes.
   */
  metadataMaxAgeMs?: number;
  /** Upper bound of the backoff between retries of a failing batch. */
  maxRetryDelayMs: number;
  /** One Redis server or a Redis Cluster, ACL user, TLS (kit's ZM_REDIS_* variables). */
  redis: RedisConnection;
  /** Confluent-compatible Schema Registry; absent: the embedded catalog (schemas/avro/catalog.json). */
  schemaRegistryUrl?: string | undefined;
  keys: KeyLayout;
  /** State buckets kept in memory between batches (LRU); ~50 VINs and ~10 KB of heap each at the default layout. */
  cacheBuckets: number;
  ruleset: Ruleset;
  /**
   * Least time between two revisions of one alert (a change inside it is published when it runs out;
   * withdrawals by customs never wait). Absent: DEFAULT_REVISION_MIN_INTERVAL_SECONDS.
   */
  revisionMinIntervalSeconds?: number;
  /**
   * Batches of different partitions handled at once (kafkajs partitionsConsumedConcurrently): overlaps
   * one batch's Redis and Kafka waits with another's CPU work. Absent: DEFAULT_PARTITIONS_CONCURRENTLY.
   */
  partitionsConcurrently?: number;
  sweep: { intervalMs: number; bucketsPerTick: number };
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
}

/** Measured best on the 2-core box with 6 partitions (1: 31k, 3: 41-43k, 6: 35k events/s). */
export const DEFAULT_PARTITIONS_CONCURRENTLY = 3;

const envSchema = z.object({
  ...kafkaClientEnv,
  ...redisEnv,
  ZM_SCHEMA_REGISTRY_URL: envVars.schemaRegistryUrl,
  ZM_LOG_LEVEL: envVars.logLevel,
  ZM_DETECTOR_CLIENT_ID: z.string().min(1).default(`zm-detector-${hostname()}-${process.pid}`),
  ZM_DETECTOR_GROUP_ID: z.string().min(1).default('zm-detector'),
  ZM_DETECTOR_REGISTRATIONS_TOPIC: z.string().min(1).default(TOPICS.registrations),
  ZM_DETECTOR_DECLARATIONS_TOPIC: z.string().min(1).default(TOPICS.declarations),
  ZM_DETECTOR_ALERTS_TOPIC: z.string().min(1).default(TOPICS.alerts),
  ZM_DETECTOR_FROM_BEGINNING: envVars.bool(true),
  ZM_DETECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30_000),
  ZM_DETECTOR_METADATA_MAX_AGE_MS: envVars.positiveInt(300_000),
  ZM_DETECTOR_MAX_RETRY_DELAY_MS: envVars.positiveInt(5_000),
  ZM_DETECTOR_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('zm'),
  ZM_DETECTOR_BUCKETS_PER_PARTITION: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  ZM_DETECTOR_CACHE_BUCKETS: z.coerce.number().int().min(0).default(32_768),
  ZM_DETECTOR_VELOCITY_BUCKETS_PER_PARTITION: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  ZM_DETECTOR_RULESET: z.string().min(1).default(DEFAULT_RULESET_FILE),
  ZM_DETECTOR_REVISION_MIN_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_REVISION_MIN_INTERVAL_SECONDS),
  ZM_DETECTOR_PARTITIONS_CONCURRENTLY: envVars.positiveInt(DEFAULT_PARTITIONS_CONCURRENTLY),
  ZM_DETECTOR_SWEEP_INTERVAL_MS: envVars.positiveInt(1000),
  ZM_DETECTOR_SWEEP_BUCKETS_PER_TICK: envVars.positiveInt(64),
  ZM_DETECTOR_METRICS_PORT: envVars.port(DEFAULT_PORTS.detectorMetrics),
  ZM_DETECTOR_METRICS_HOST: z.string().default('127.0.0.1'),
});

/** Reads the environment once; throws ConfigError (or RulesetError) naming what is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv): DetectorConfig {
  const e = parseEnv(envSchema, env);
  return {
    ...kafkaClientSettings(e),
    clientId: e.ZM_DETECTOR_CLIENT_ID,
    groupId: e.ZM_DETECTOR_GROUP_ID,
    topics: {
      registrations: e.ZM_DETECTOR_REGISTRATIONS_TOPIC,
      declarations: e.ZM_DETECTOR_DECLARATIONS_TOPIC,
      alerts: e.ZM_DETECTOR_ALERTS_TOPIC,
    },
    fromBeginning: e.ZM_DETECTOR_FROM_BEGINNING,
    sessionTimeoutMs: e.ZM_DETECTOR_SESSION_TIMEOUT_MS,
    metadataMaxAgeMs: e.ZM_DETECTOR_METADATA_MAX_AGE_MS,
    maxRetryDelayMs: e.ZM_DETECTOR_MAX_RETRY_DELAY_MS,
    redis: redisConnection(e),
    schemaRegistryUrl: e.ZM_SCHEMA_REGISTRY_URL,
    keys: {
      prefix: e.ZM_DETECTOR_KEY_PREFIX,
      bucketsPerPartition: e.ZM_DETECTOR_BUCKETS_PER_PARTITION,
      velocityBucketsPerPartition: e.ZM_DETECTOR_VELOCITY_BUCKETS_PER_PARTITION,
    },
    cacheBuckets: e.ZM_DETECTOR_CACHE_BUCKETS,
    ruleset: loadRuleset(e.ZM_DETECTOR_RULESET),
    revisionMinIntervalSeconds: e.ZM_DETECTOR_REVISION_MIN_INTERVAL_SECONDS,
    partitionsConcurrently: e.ZM_DETECTOR_PARTITIONS_CONCURRENTLY,
    sweep: {
      intervalMs: e.ZM_DETECTOR_SWEEP_INTERVAL_MS,
      bucketsPerTick: e.ZM_DETECTOR_SWEEP_BUCKETS_PER_TICK,
    },
    metricsPort: e.ZM_DETECTOR_METRICS_PORT,
    metricsHost: e.ZM_DETECTOR_METRICS_HOST,
    logLevel: e.ZM_LOG_LEVEL,
  };
}
