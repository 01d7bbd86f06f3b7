import type { RedisClient } from '@zmwatch/kit';
import { encodeBucketWrite } from './bucket-blob.js';
import { BUCKET_CAS_SCRIPT } from './bucket-cas-script.js';
import { bucketKey } from './bucket-reads.js';
import { applyChanges, type BucketChanges } from './bucket-writes.js';
import type { KeyLayout } from './keys.js';
import { execPipeline, RedisUnavailableError } from './redis-pipeline.js';
import { StateCache } from './state-cache.js';

/** How long a write waits for its replicas before the batch is retried. */
const WAIT_REPLICAS_MS = 2000;

export interface BucketCasOptions {
  /** Replicas a write must reach (Redis WAIT), see StateStoreOptions. */
  waitReplicas?: number | undefined;
  /** A bucket grew past ~64 KB: the bucket count is too small for the data. */
  onLargeBucket?: (key: string, bytes: number, entries: number) => void;
}

/**
 * Writes planned bucket changes (bucket-writes.ts) of one partition as string buckets, all or
 * nothing, with one compare-and-set Lua call (bucket-cas-script.ts); on success the cached buckets
 * take the changes. The returned function resolves false when a version was stale (those buckets
 * leave the cache).
 */
export function createBucketCas(
  redis: RedisClient,
  layout: KeyLayout,
  cache: StateCache,
  options: BucketCasOptions,
): (partition: number, touched: readonly BucketChanges[], what: string) => Promise<boolean> {
  redis.defineCommand('zmBucketCas', { lua: BUCKET_CAS_SCRIPT });
  let largeWarned = false;
  async function casWrite(
    partition: number,
    touched: readonly BucketChanges[],
    what: string,
  ): Promise<boolean> {
    if (touched.length === 0) return true;
    const keys: string[] = [];
    const args: string[] = [];
    const plans = touched.map((t) => {
      const key = bucketKey(layout, t.kind, partition, t.b);
      const w = encodeBucketWrite(t.bucket, t.changes);
      if (w.mode === 'replace' && w.payload.length > 65_536 && !largeWarned) {
        largeWarned = true;
        options.onLargeBucket?.(key, w.payload.length, w.live);
      }
      keys.push(key);
      args.push(String(t.bucket.version), w.mode === 'append' ? 'a' : 'r', w.payload);
      return w;
    });
    const p = redis.pipeline();
    p.zmBucketCas(keys.length, ...keys, ...args);
    const waitFor = options.waitReplicas ?? 0;
    if (waitFor > 0) p.wait(waitFor, WAIT_REPLICAS_MS); // keyless: runs on the script's node
    let stale: number[];
    try {
      const [result, acked] = await execPipeline(p, what);
      if (waitFor > 0 && Number(acked) < waitFor)
        throw new RedisUnavailableError(
          `redis ${what}: ${String(acked)} of ${waitFor} replicas acknowledged`,
        );
      stale = (result as number[]).map(Number);
    } catch (err) {
      // Whether the script ran is unknown: forget these buckets, the retry reads them again.
      for (const t of touched) cache.delete(StateCache.id(t.kind, partition, t.b));
      throw err;
    }
    if (stale.length > 0) {
      for (const i of stale) {
        const t = touched[i - 1]!;
        cache.delete(StateCache.id(t.kind, partition, t.b));
      }
      return false;
    }
    touched.forEach((t, i) => {
      const w = plans[i]!;
      // A bucket left empty was deleted, and a missing key reads as version 0.
      t.bucket.version = w.mode === 'replace' && w.payload === '' ? 0 : t.bucket.version + 1;
      t.bucket.lines = w.lines;
      applyChanges(t.bucket, t.changes);
      cache.set(StateCache.id(t.kind, partition, t.b), t.bucket);
    });
    return true;
  }

  return casWrite;
}
