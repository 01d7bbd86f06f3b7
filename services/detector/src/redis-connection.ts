import { Redis } from 'ioredis';
import type { Logger } from '@zmwatch/kit';
import type { DetectorConfig } from './config.js';

/** The detector's Redis connection, connected. */
export async function connectRedis(config: DetectorConfig, logger: Logger): Promise<Redis> {
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    // Fail commands fast while Redis is away: the batch backs off and retries without committing.
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    connectionName: config.clientId,
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  await redis.connect();
  return redis;
}
