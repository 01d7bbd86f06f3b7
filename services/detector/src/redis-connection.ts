import { createRedis, type Logger, type RedisClient } from '@zmwatch/kit';
import type { DetectorConfig } from './config.js';

/** The detector's Redis connection (one server or a Redis Cluster, kit's ZM_REDIS_*), connected. */
export async function connectRedis(config: DetectorConfig, logger: Logger): Promise<RedisClient> {
  const redis = createRedis(config.redis, {
    // Fail commands fast while Redis is away: the batch backs off and retries without committing.
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    connectionName: config.clientId,
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  await redis.connect();
  return redis;
}
