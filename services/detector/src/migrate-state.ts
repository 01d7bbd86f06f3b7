import { ConfigError, createRedis, type RedisConnection } from '@zmwatch/kit';
import { contractPartition } from '@zmwatch/schemas';
import { formatBucket, parseBucket, VIN_CHARS } from './bucket-blob.js';
import { layoutKey, stateBucketKey, type KeyLayout } from './keys.js';
import { parseStoredLayout, type StoredLayout } from './layout.js';

export interface MigrationProgress {
  /** Source partitions done so far, of `from`. */
  partitionsDone: number;
  from: number;
  to: number;
  vinsSeen: number;
  vinsMoved: number;
}

export interface MigrationResult {
  from: number;
  to: number;
  bucketsRead: number;
  vinsSeen: number;
  vinsMoved: number;
  ms: number;
}

/**
 * Moves the detector's VIN states from the partition count they are laid out for to `to` (after
 * partitions were added to the input topics): a VIN's state moves from bucket n of partition
 * murmur2(VIN) % from to bucket n of partition murmur2(VIN) % to (the bucket number depends on the
 * VIN only). Velocity counters stay where they are: a registrant's count is the sum over every
 * partition's counters, which `to` partitions still cover.
 *
 * Run with the detectors stopped (the CLI checks their consumer group is empty). The layout key
 * says `migratingTo` meanwhile, so a detector started by mistake refuses to start. Each moved state
 * is written to its new bucket before it leaves the old one, so an interrupted migration is completed
 * by running it again (a state found in both places is taken from the old, still authoritative one).
 */
export async function migrateStateLayout(opts: {
  redis: RedisConnection;
  prefix: string;
  to: number;
  onProgress?: (p: MigrationProgress) => void;
}): Promise<MigrationResult> {
  const started = performance.now();
  const redis = createRedis(opts.redis, { maxRetriesPerRequest: 3 });
  await redis.connect();
  try {
    const probe: KeyLayout = { prefix: opts.prefix, bucketsPerPartition: 1, velocityBucketsPerPartition: 1 };
    const raw = await redis.get(layoutKey(probe));
    if (raw === null)
      throw new ConfigError(`no detector state under prefix "${opts.prefix}" (no ${layoutKey(probe)} key)`);
    const stored = parseStoredLayout(raw, opts.prefix);
    const from = stored.partitions;
    const to = opts.to;
    if (stored.migratingTo !== undefined && stored.migratingTo !== to)
      throw new ConfigError(
        `a migration of prefix "${opts.prefix}" to ${stored.migratingTo} partitions was interrupted: complete it with --partitions ${stored.migratingTo} first`,
      );
    if (!Number.isInteger(to) || to < from)
      throw new ConfigError(
        `the state under prefix "${opts.prefix}" is laid out for ${from} partitions; it can only move to more (Kafka cannot remove partitions), not ${to}`,
      );
    const layout: KeyLayout = {
      prefix: opts.prefix,
      bucketsPerPartition: stored.bucketsPerPartition,
      velocityBucketsPerPartition: stored.velocityBucketsPerPartition,
    };
    const result = { from, to, bucketsRead: 0, vinsSeen: 0, vinsMoved: 0 };
    if (to === from && stored.migratingTo === undefined)
      return { ...result, ms: performance.now() - started };

    const marked: StoredLayout = { ...stored, migratingTo: to };
    await redis.set(layoutKey(layout), JSON.stringify(marked));
    for (let p = 0; p < from; p++) {
      for (let b = 0; b < layout.bucketsPerPartition; b++) {
        const key = stateBucketKey(layout, p, b);
        const bucket = parseBucket(await redis.get(key), VIN_CHARS);
        result.bucketsRead++;
        if (bucket.entries.size === 0) continue;
        const moves = new Map<number, Map<string, string>>();
        for (const [vin, value] of bucket.entries) {
          result.vinsSeen++;
          const target = contractPartition(vin, to);
          if (target === p) continue;
          let m = moves.get(target);
          if (!m) moves.set(target, (m = new Map()));
          m.set(vin, value);
        }
        if (moves.size === 0) continue;
        for (const [target, entries] of moves) {
          const tkey = stateBucketKey(layout, target, b);
          const tb = parseBucket(await redis.get(tkey), VIN_CHARS);
          await redis.set(tkey, formatBucket(tb.version + 1, tb.entries, entries));
          result.vinsMoved += entries.size;
        }
        const gone = new Map(
          [...moves.values()].flatMap((m) => [...m.keys()].map((vin) => [vin, ''] as const)),
        );
        const rest = formatBucket(bucket.version + 1, bucket.entries, gone);
        if (rest === '') await redis.del(key);
        else await redis.set(key, rest);
      }
      opts.onProgress?.({
        partitionsDone: p + 1,
        from,
        to,
        vinsSeen: result.vinsSeen,
        vinsMoved: result.vinsMoved,
      });
    }
    const done: StoredLayout = { ...stored, partitions: to };
    delete done.migratingTo;
    await redis.set(layoutKey(layout), JSON.stringify(done));
    return { ...result, ms: performance.now() - started };
  } finally {
    redis.disconnect();
  }
}
