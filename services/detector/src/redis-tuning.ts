import type { Redis } from 'ioredis';
import type { Logger } from '@zmwatch/kit';

/**
 * Bucket hashes must stay listpack-encoded for the memory target (a hashtable-encoded hash costs
 * ~2x per field). Redis converts a hash when any value exceeds hash-max-listpack-value (64 bytes by
 * default); a VIN with a registration fits, one with open declarations does not, so raise it to
 * 1024. The entry limit (512) is left alone: the bucket count keeps hashes well below it.
 * Managed Redis may refuse CONFIG SET; then set it in redis.conf and this only warns.
 */
export const LISTPACK_VALUE_BYTES = 1024;

export async function tuneRedisForListpacks(redis: Redis, logger: Logger): Promise<void> {
  try {
    const [, current] = (await redis.config('GET', 'hash-max-listpack-value')) as [string, string];
    if (Number(current) < LISTPACK_VALUE_BYTES) {
      await redis.config('SET', 'hash-max-listpack-value', String(LISTPACK_VALUE_BYTES));
      logger.info({ from: Number(current), to: LISTPACK_VALUE_BYTES }, 'raised hash-max-listpack-value');
    }
  } catch (err) {
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'could not tune hash-max-listpack-value; set it in redis.conf',
    );
  }
}
