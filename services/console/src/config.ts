import { fileURLToPath } from 'node:url';
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
import { INPUT_TOPICS, TOPICS } from '@zmwatch/schemas';
import { insightsUrlEnv } from '@zmwatch/insights/client';
import { casesTaskQueueEnv, caseViewsEnv, DEFAULT_QUEUE_NAMES } from '@zmwatch/workflows';
import { loadUsersFile, parseUsers, type User } from './auth/users.js';

export interface ConsoleConfig extends KafkaClientSettings, TemporalClientSettings {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  users: User[];
  /** Mark the session cookie Secure (when served over TLS). */
  secureCookie: boolean;
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** Temporal task queue of the case worker (the case client starts nothing, but keeps it consistent). */
  casesTaskQueue: string;
  /** The Redis holding the case projection the case worker writes; absent: case pages query the workflow. */
  caseViews?: RedisConnection | undefined;
  /** Analysts' queues (the case workflow's routing names). */
  queues: string[];
  alertsTopic: string;
  /** Alerts kept for new feed subscribers. */
  feedSize: number;
  lag: {
    intervalMs: number;
    windowSize: number;
    historySize: number;
    /** Consumer groups shown (regex source). */
    groupPattern: string;
    /** Topics shown for throughput and dead letters, besides those the groups consume (regex source). */
    topicPattern: string;
  };
  /** The ops page's feed check (`GET /api/ops/feeds`). */
  feedCheck: {
    /** Input topics sampled. */
    topics: string[];
    /** Newest records read per topic. */
    sample: number;
    /** A check is reused this long, so page refreshes do not re-read Kafka. */
    cacheMs: number;
  };
  /** The access audit (README "Access audit"). */
  audit: {
    topic: string;
    /** Retention of the audit topic, set on it when the console starts. */
    retentionDays: number;
    flushIntervalMs: number;
    /** Entries held while the topic cannot be written. */
    maxBuffered: number;
    /** Records read per audit query at most. */
    maxScan: number;
  };
  /** The insights sink's report API, for the Insights page; unset: the page says so. */
  insightsUrl?: string | undefined;
  logLevel: string;
  /** Confluent-compatible Schema Registry to fetch unseen writer ids from; undefined: embedded catalog. */
  schemaRegistryUrl?: string | undefined;
  security: ConsoleSecurity;
}

/** Sign-in throttling, session caps, metrics exposure and page-token signing (README "Security"). */
export interface ConsoleSecurity {
  login: {
    userFreeAttempts: number;
    addressFreeAttempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    /** Throttle keys (user names + addresses) tracked at most. */
    maxTracked: number;
  };
  maxSessionsPerUser: number;
  maxSessions: number;
  /** Trusted reverse proxies in front of the console (0: the socket peer is the client). */
  proxyHops: number;
  /** Bearer token for `/metrics` on the user-facing listener; undefined: not served there. */
  metricsToken: string | undefined;
  /** The separate /metrics, /healthz, /readyz listener; undefined: none. */
  metricsListener: { host: string; port: number } | undefined;
  /** HMAC key of page tokens; undefined: random per process (one replica, or tokens die with it). */
  pageTokenSecret: Buffer | undefined;
}

/** The defaults, in one place: the environment schema below and the tests take them from here. */
export const DEFAULT_SECURITY: ConsoleSecurity = {
  login: {
    userFreeAttempts: 5,
    addressFreeAttempts: 20,
    baseDelayMs: 1000,
    maxDelayMs: 15 * 60_000,
    maxTracked: 10_000,
  },
  maxSessionsPerUser: 5,
  maxSessions: 10_000,
  proxyHops: 0,
  metricsToken: undefined,
  metricsListener: { host: '127.0.0.1', port: DEFAULT_PORTS.consoleMetrics },
  pageTokenSecret: undefined,
};

/** The access audit's defaults (README "Access audit"); tests take them from here. */
export const DEFAULT_AUDIT: ConsoleConfig['audit'] = {
  topic: TOPICS.accessAudit,
  retentionDays: 400,
  flushIntervalMs: 250,
  maxBuffered: 100_000,
  maxScan: 100_000,
};

const MIN_SECRET = 32;

export const DEFAULT_USERS_FILE = fileURLToPath(new URL('../users.example.json', import.meta.url));
export const DEFAULT_TOPIC_PATTERN =
  '^(vehicle\\.registrations|customs\\.declarations|zm\\.alerts|zm\\.case-outcomes)\\.v\\d+(\\.dlq)?$';

const regex = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');

const schema = z.object({
  ZM_CONSOLE_HOST: z.string().default('127.0.0.1'),
  ZM_CONSOLE_PORT: envVars.port(DEFAULT_PORTS.console),
  ZM_CONSOLE_USERS: z.string().optional(),
  ZM_CONSOLE_USERS_FILE: z.string().default(DEFAULT_USERS_FILE),
  ZM_CONSOLE_SECURE_COOKIE: envVars.bool(false),
  ZM_CONSOLE_SESSION_IDLE_MINUTES: envVars.positiveInt(480),
  ZM_CONSOLE_QUEUES: z.string().default(DEFAULT_QUEUE_NAMES.join(',')),
  ZM_CONSOLE_FEED_SIZE: envVars.positiveInt(200),
  ZM_CONSOLE_LAG_INTERVAL_MS: envVars.positiveInt(5000),
  ZM_CONSOLE_LAG_WINDOW: z.coerce.number().int().min(2).max(100).default(10),
  ZM_CONSOLE_GROUPS: regex.default('.*'),
  ZM_CONSOLE_TOPICS: regex.default(DEFAULT_TOPIC_PATTERN),
  ...kafkaClientEnv,
  ...temporalClientEnv,
  ...casesTaskQueueEnv,
  ...redisEnv,
  ...caseViewsEnv,
  ZM_ALERTS_TOPIC: z.string().default(TOPICS.alerts),
  ZM_FEED_TOPICS: z.string().default(INPUT_TOPICS.join(',')),
  ZM_CONSOLE_FEED_CHECK_SAMPLE: z.coerce.number().int().min(1).max(50_000).default(1000),
  ZM_CONSOLE_FEED_CHECK_CACHE_SECONDS: envVars.positiveInt(30),
  ZM_INSIGHTS_URL: insightsUrlEnv,
  ZM_CONSOLE_AUDIT_TOPIC: z.string().min(1).default(DEFAULT_AUDIT.topic),
  ZM_CONSOLE_AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .default(DEFAULT_AUDIT.retentionDays),
  ZM_CONSOLE_AUDIT_FLUSH_MS: envVars.positiveInt(DEFAULT_AUDIT.flushIntervalMs),
  ZM_CONSOLE_AUDIT_MAX_SCAN: z.coerce.number().int().min(100).max(1_000_000).default(DEFAULT_AUDIT.maxScan),
  ZM_LOG_LEVEL: envVars.logLevel,
  ZM_SCHEMA_REGISTRY_URL: envVars.schemaRegistryUrl,
  ZM_CONSOLE_LOGIN_USER_ATTEMPTS: envVars.positiveInt(DEFAULT_SECURITY.login.userFreeAttempts),
  ZM_CONSOLE_LOGIN_ADDRESS_ATTEMPTS: envVars.positiveInt(DEFAULT_SECURITY.login.addressFreeAttempts),
  ZM_CONSOLE_LOGIN_BACKOFF_MS: envVars.positiveInt(DEFAULT_SECURITY.login.baseDelayMs),
  ZM_CONSOLE_LOGIN_BACKOFF_MAX_MS: envVars.positiveInt(DEFAULT_SECURITY.login.maxDelayMs),
  ZM_CONSOLE_LOGIN_TRACKED: envVars.positiveInt(DEFAULT_SECURITY.login.maxTracked),
  ZM_CONSOLE_MAX_SESSIONS_PER_USER: envVars.positiveInt(DEFAULT_SECURITY.maxSessionsPerUser),
  ZM_CONSOLE_MAX_SESSIONS: envVars.positiveInt(DEFAULT_SECURITY.maxSessions),
  ZM_CONSOLE_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(DEFAULT_SECURITY.proxyHops),
  ZM_CONSOLE_METRICS_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[\x21-\x7e]{24,}$/, 'must be at least 24 printable characters without spaces')
      .optional(),
  ),
  ZM_CONSOLE_METRICS_HOST: z.string().default(DEFAULT_SECURITY.metricsListener!.host),
  ZM_CONSOLE_METRICS_PORT: z.union([z.literal('off'), envVars.port(DEFAULT_SECURITY.metricsListener!.port)]),
  ZM_CONSOLE_PAGE_TOKEN_SECRET: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(MIN_SECRET, `must be at least ${MIN_SECRET} characters`).optional(),
  ),
});

/** Reads the console's configuration once; fails naming the bad variable (or users entry). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const e = parseEnv(schema, env);
  const users = e.ZM_CONSOLE_USERS
    ? parseUsers(e.ZM_CONSOLE_USERS, 'ZM_CONSOLE_USERS')
    : loadUsersFile(e.ZM_CONSOLE_USERS_FILE);
  const queues = e.ZM_CONSOLE_QUEUES.split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  if (queues.length === 0) throw new Error('ZM_CONSOLE_QUEUES: name at least one queue');
  const feedTopics = e.ZM_FEED_TOPICS.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (feedTopics.length === 0) throw new Error('ZM_FEED_TOPICS: name at least one input topic');
  if (e.ZM_CONSOLE_LOGIN_BACKOFF_MAX_MS < e.ZM_CONSOLE_LOGIN_BACKOFF_MS)
    throw new Error('ZM_CONSOLE_LOGIN_BACKOFF_MAX_MS: must be at least ZM_CONSOLE_LOGIN_BACKOFF_MS');
  const metricsPort = e.ZM_CONSOLE_METRICS_PORT;
  if (metricsPort !== 'off' && metricsPort !== 0 && metricsPort === e.ZM_CONSOLE_PORT)
    throw new Error('ZM_CONSOLE_METRICS_PORT: must differ from ZM_CONSOLE_PORT (or be "off")');
  return {
    host: e.ZM_CONSOLE_HOST,
    port: e.ZM_CONSOLE_PORT,
    users,
    secureCookie: e.ZM_CONSOLE_SECURE_COOKIE,
    sessionIdleMs: e.ZM_CONSOLE_SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: 24 * 3_600_000,
    ...kafkaClientSettings(e),
    ...temporalClientSettings(e),
    casesTaskQueue: e.ZM_CASES_TASK_QUEUE,
    caseViews: e.ZM_CASE_VIEWS === 'on' ? redisConnection(e) : undefined,
    queues,
    alertsTopic: e.ZM_ALERTS_TOPIC,
    feedSize: e.ZM_CONSOLE_FEED_SIZE,
    lag: {
      intervalMs: e.ZM_CONSOLE_LAG_INTERVAL_MS,
      windowSize: e.ZM_CONSOLE_LAG_WINDOW,
      historySize: 360,
      groupPattern: e.ZM_CONSOLE_GROUPS,
      topicPattern: e.ZM_CONSOLE_TOPICS,
    },
    feedCheck: {
      topics: feedTopics,
      sample: e.ZM_CONSOLE_FEED_CHECK_SAMPLE,
      cacheMs: e.ZM_CONSOLE_FEED_CHECK_CACHE_SECONDS * 1000,
    },
    audit: {
      topic: e.ZM_CONSOLE_AUDIT_TOPIC,
      retentionDays: e.ZM_CONSOLE_AUDIT_RETENTION_DAYS,
      flushIntervalMs: e.ZM_CONSOLE_AUDIT_FLUSH_MS,
      maxBuffered: DEFAULT_AUDIT.maxBuffered,
      maxScan: e.ZM_CONSOLE_AUDIT_MAX_SCAN,
    },
    insightsUrl: e.ZM_INSIGHTS_URL,
    logLevel: e.ZM_LOG_LEVEL,
    schemaRegistryUrl: e.ZM_SCHEMA_REGISTRY_URL,
    security: {
      login: {
        userFreeAttempts: e.ZM_CONSOLE_LOGIN_USER_ATTEMPTS,
        addressFreeAttempts: e.ZM_CONSOLE_LOGIN_ADDRESS_ATTEMPTS,
        baseDelayMs: e.ZM_CONSOLE_LOGIN_BACKOFF_MS,
        maxDelayMs: e.ZM_CONSOLE_LOGIN_BACKOFF_MAX_MS,
        maxTracked: e.ZM_CONSOLE_LOGIN_TRACKED,
      },
      maxSessionsPerUser: e.ZM_CONSOLE_MAX_SESSIONS_PER_USER,
      maxSessions: e.ZM_CONSOLE_MAX_SESSIONS,
      proxyHops: e.ZM_CONSOLE_PROXY_HOPS,
      metricsToken: e.ZM_CONSOLE_METRICS_TOKEN,
      metricsListener:
        metricsPort === 'off' ? undefined : { host: e.ZM_CONSOLE_METRICS_HOST, port: metricsPort },
      pageTokenSecret:
        e.ZM_CONSOLE_PAGE_TOKEN_SECRET === undefined
          ? undefined
          : Buffer.from(e.ZM_CONSOLE_PAGE_TOKEN_SECRET),
    },
  };
}
