import { userInfo } from 'node:os';
import { z } from 'zod';
import {
  envVars,
  kafkaClientEnv,
  kafkaClientSettings,
  parseEnv,
  temporalClientEnv,
  temporalClientSettings,
  type KafkaClientSettings,
  type TemporalClientSettings,
} from '@zmwatch/kit';
import { INPUT_TOPICS, TOPICS } from '@zmwatch/schemas';
import { join } from 'node:path';
import { REPO_ROOT } from '@zmwatch/kit';
import { insightsDbPath, insightsUrlEnv } from '@zmwatch/insights/client';
import { casesTaskQueueEnv, DEFAULT_QUEUE_NAMES } from '@zmwatch/workflows';

/** Where the CLI's clients point: the same ZM_* variables as the services (`zmwatch stack env`). */
export interface CliConfig extends KafkaClientSettings, TemporalClientSettings {
  casesTaskQueue: string;
  /** Analysts' queues, for `cases list` without --queue. */
  queues: string[];
  alertsTopic: string;
  /** Input topics `feeds check` samples. */
  feedTopics: string[];
  /** Confluent-compatible Schema Registry the feeds use; absent: the embedded catalog. */
  schemaRegistryUrl?: string | undefined;
  /** The insights sink's report API, for `report`. */
  insightsUrl: string;
  /** The sink's DuckDB file, read directly when no sink answers (after a demo). */
  insightsDb: string;
  /** Actor id for case actions when --as is not given. */
  user: string;
  /** Client logs (kafkajs, Temporal) are silent unless asked for: stdout is for results. */
  logLevel: string;
  /** The environment, for commands that delegate to another program's config (simulate, console). */
  env: NodeJS.ProcessEnv;
}

const schema = z.object({
  ...kafkaClientEnv,
  ...temporalClientEnv,
  ...casesTaskQueueEnv,
  ZM_CONSOLE_QUEUES: z.string().default(DEFAULT_QUEUE_NAMES.join(',')),
  ZM_ALERTS_TOPIC: z.string().default(TOPICS.alerts),
  ZM_FEED_TOPICS: z.string().default(INPUT_TOPICS.join(',')),
  ZM_SCHEMA_REGISTRY_URL: envVars.schemaRegistryUrl,
  ZM_INSIGHTS_URL: insightsUrlEnv,
  ZM_INSIGHTS_DB: z.string().min(1).optional(),
  ZM_RUN_DIR: z.string().min(1).optional(),
  ZM_USER: z.string().optional(),
  ZM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
});

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const e = parseEnv(schema, env);
  let user = e.ZM_USER;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'cli';
    }
  }
  return {
    ...kafkaClientSettings(e),
    ...temporalClientSettings(e),
    casesTaskQueue: e.ZM_CASES_TASK_QUEUE,
    queues: e.ZM_CONSOLE_QUEUES.split(',')
      .map((q) => q.trim())
      .filter(Boolean),
    alertsTopic: e.ZM_ALERTS_TOPIC,
    feedTopics: e.ZM_FEED_TOPICS.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    schemaRegistryUrl: e.ZM_SCHEMA_REGISTRY_URL,
    insightsUrl: e.ZM_INSIGHTS_URL,
    insightsDb: e.ZM_INSIGHTS_DB ?? insightsDbPath(e.ZM_RUN_DIR ?? join(REPO_ROOT, '.zmwatch')),
    user,
    logLevel: e.ZM_LOG_LEVEL,
    env,
  };
}
