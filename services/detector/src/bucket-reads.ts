import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '@zmwatch/kit';
import { BucketFormatError, emptyBucket, parseBucket, VIN_CHARS, type Bucket } from './bucket-blob.js';
import { STATE_BUCKET as STATE, VELOCITY_BUCKET as VELOCITY } from './bucket-writes.js';
import { stateBucketKey, VELOCITY_KEY_CHARS, velocityBucketKey, type KeyLayout } from './keys.js';
import { execPipeline } from './redis-pipeline.js';
import { StateCache, type BucketKind } from './state-cache.js';

const MGET_CHUNK = 1000;

/** The Redis key of a bucket of either kind. */
export const bucketKey = (layout: KeyLayout, kind: BucketKind, partition: number, b: number): string =>
  kind === STATE ? stateBucketKey(layout, partition, b) : velocityBucketKey(layout, partition, b);

/** Reading string buckets (bucket-blob.ts) of one partition, through the in-process cache. */
export interface BucketReads {
  /**
   * The wanted buckets (`wanted[kind]`) of one partition into `out[kind]`: cached ones from memory,
   * the rest (of both kinds) with MGETs queued on `p` (same hash tag: one slot). Returns what to do
   * once the pipeline ran (undefined: nothing was queued).
   */
  plan(
    partition: number,
    wanted: ReadonlyArray<Iterable<number>>,
    out: ReadonlyArray<Map<number, Bucket>>,
    p: ChainableCommander,
  ): ((values: unknown[], at: number) => number) | undefined;
  load(
    partition: number,
    wanted: ReadonlyArray<Iterable<number>>,
    what: string,
  ): Promise<{ buckets: Array<Map<number, Bucket>>; roundTrips: number }>;
}

export function createBucketReads(
  redis: RedisClient,
  layout: KeyLayout,
  cache: StateCache,
  /** A bucket whose content cannot be parsed is replaced; this is told which. */
  onCorrupt?: (key: string, err: Error) => void,
): BucketReads {
  const keyOf = (kind: BucketKind, partition: number, b: number) => bucketKey(layout, kind, partition, b);
  const parse = (kind: BucketKind, key: string, blob: string | null): Bucket => {
    try {
      return parseBucket(blob, kind === STATE ? VIN_CHARS : VELOCITY_KEY_CHARS);
    } catch (err) {
      if (!(err instanceof BucketFormatError)) throw err;
      // Unreadable can never become readable: start the bucket afresh (version 0 overwrites it).
      onCorrupt?.(key, err);
      return emptyBucket();
    }
  };

  function plan(
    partition: number,
    wanted: ReadonlyArray<Iterable<number>>,
    out: ReadonlyArray<Map<number, Bucket>>,
    p: ChainableCommander,
  ): ((values: unknown[], at: number) => number) | undefined {
    const missing: Array<[kind: BucketKind, bucket: number]> = [];
    ([STATE, VELOCITY] as const).forEach((kind) => {
      for (const b of wanted[kind]!) {
        if (out[kind]!.has(b)) continue;
        const hit = cache.get(StateCache.id(kind, partition, b));
        if (hit) out[kind]!.set(b, hit);
        else {
          out[kind]!.set(b, emptyBucket()); // placeholder, replaced below
          missing.push([kind, b]);
        }
      }
    });
    if (missing.length === 0) return undefined;
    const keys = missing.map(([kind, b]) => keyOf(kind, partition, b));
    let calls = 0;
    for (let i = 0; i < keys.length; i += MGET_CHUNK, calls++) p.mget(...keys.slice(i, i + MGET_CHUNK));
    return (values, at) => {
      const blobs = values.slice(at, at + calls).flat() as Array<string | null>;
      missing.forEach(([kind, b], i) => {
        const bucket = parse(kind, keys[i]!, blobs[i] ?? null);
        out[kind]!.set(b, bucket);
        cache.set(StateCache.id(kind, partition, b), bucket);
      });
      return calls;
    };
  }

  async function load(
    partition: number,
    wanted: ReadonlyArray<Iterable<number>>,
    what: string,
  ): Promise<{ buckets: Array<Map<number, Bucket>>; roundTrips: number }> {
    const buckets = [new Map<number, Bucket>(), new Map<number, Bucket>()];
    const p = redis.pipeline();
    const apply = plan(partition, wanted, buckets, p);
    if (!apply) return { buckets, roundTrips: 0 };
    apply(await execPipeline(p, what), 0);
    return { buckets, roundTrips: 1 };
  }

  return { plan, load };
}
