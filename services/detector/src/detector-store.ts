import type { Logger, RedisClient } from '@zmwatch/kit';
import type { DetectorConfig } from './config.js';
import type { DetectorMetrics } from './metrics.js';
import { createStateStore, type StateStore } from './redis-store.js';

/** The state store with the detector's config, metrics and log lines. */
export function createDetectorStore(
  redis: RedisClient,
  config: DetectorConfig,
  metrics: DetectorMetrics,
  logger: Logger,
): StateStore {
  return createStateStore(redis, config.keys, {
    waitReplicas: config.redis.waitReplicas,
    cacheBuckets: config.cacheBuckets,
    onError: () => metrics.redisErrors.inc(),
    onCorrupt: (key, err) => logger.error({ key, err: err.message }, 'unreadable state bucket replaced'),
    onLargeBucket: (key, bytes, vins) =>
      logger.warn(
        { key, bytes, vins },
        'state buckets are getting large (a compaction rewrites a whole bucket, and memory holds every cached one): raise ZM_DETECTOR_BUCKETS_PER_PARTITION with a new key prefix',
      ),
  });
}
