import { DEFAULT_PORTS } from './ports.js';

/** Where tests and benches find the local stack (`infra/bin/stack up`). */
export interface StackAddresses {
  brokers: string[];
  redisUrl: string;
  temporalAddress: string;
}

let fromProcess: StackAddresses | undefined;

/**
 * The local stack's addresses for tests and benches: the variables `infra/bin/stack env` prints and
 * infra/bin/test exports (ZM_KAFKA_BROKERS, ZM_REDIS_URL, ZM_TEMPORAL_ADDRESS, the ones the services
 * read), else the stack's default ports. The process's environment is read once. Services do not
 * use this: they read their config (kafkaClientEnv, redisEnv, temporalClientEnv).
 */
export function stackAddresses(env?: NodeJS.ProcessEnv): StackAddresses {
  if (env !== undefined) return read(env);
  fromProcess ??= read(process.env);
  return fromProcess;
}

const read = (env: NodeJS.ProcessEnv): StackAddresses => ({
  brokers: (env.ZM_KAFKA_BROKERS || `127.0.0.1:${DEFAULT_PORTS.kafka}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean),
  redisUrl: env.ZM_REDIS_URL || `redis://127.0.0.1:${DEFAULT_PORTS.redis}`,
  temporalAddress: env.ZM_TEMPORAL_ADDRESS || `127.0.0.1:${DEFAULT_PORTS.temporal}`,
});
