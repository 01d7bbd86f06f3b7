import type { ChainableCommander } from 'ioredis';
import { execSlotGroups, type RedisClient } from '@zmwatch/kit';
import { countInBlob } from './bucket-blob.js';
import { createBucketCas } from './bucket-cas.js';
import { createBucketReads } from './bucket-reads.js';
import {
  countInEntries,
  planBucketWrites,
  planVelocityCompaction,
  STATE_BUCKET as STATE,
  sweepFindings,
  VELOCITY_BUCKET as VELOCITY,
  velocityDays,
} from './bucket-writes.js';
import {
  layoutKey,
  registrantTag,
  stateBucketOf,
  velocityBucketKey,
  velocityBucketOf,
  type KeyLayout,
} from './keys.js';
import { layoutRecord, parseStoredLayout, partitionsForLayout } from './layout.js';
import { execPipeline } from './redis-pipeline.js';
import { StateCache } from './state-cache.js';
import type { StateStore } from './state-store.js';

/**
 * The production StateStore: packed string buckets (bucket-blob.ts) in Redis, kept in an in-process
 * cache between batches. A thin I/O adapter: what a write changes, what the sweeper finds and what
 * velocity compaction removes are planned by bucket-writes.ts (pure); buckets are read by
 * bucket-reads.ts and written, all or nothing, by bucket-cas.ts.
 */

export type { StateStore, StateView, StateWrite, VelocityQuery } from './state-store.js';
export { execPipeline, RedisUnavailableError } from './redis-pipeline.js';

export interface StateStoreOptions {
  /** Buckets kept in memory between batches (0: none). */
  cacheBuckets: number;
  /**
   * Replicas a write must reach (Redis WAIT) before it counts: a master of a Redis Cluster that
   * dies right after acknowledging a write would otherwise lose it when its replica takes over.
   * Too few: the write is retried as if Redis were away. 0 or absent: do not wait.
   */
  waitReplicas?: number | undefined;
  onError?: (err: unknown) => void;
  /** A bucket whose content cannot be parsed is replaced; this is told which. */
  onCorrupt?: (key: string, err: Error) => void;
  /** A bucket grew past ~64 KB: the bucket count is too small for the data. */
  onLargeBucket?: (key: string, bytes: number, entries: number) => void;
}

export function createStateStore(
  redis: RedisClient,
  layout: KeyLayout,
  options: StateStoreOptions,
): StateStore {
  const cache = new StateCache(options.cacheBuckets);
  const { plan, load } = createBucketReads(redis, layout, cache, options.onCorrupt);
  const casWrite = createBucketCas(redis, layout, cache, options);
  const onError = options.onError ?? (() => {});
  let partitions = 0;
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      onError(err);
      throw err;
    }
  };
  const tags = new Map<string, string>();
  const tagOf = (registrantId: string): string => {
    let t = tags.get(registrantId);
    if (t === undefined) {
      t = registrantTag(registrantId);
      if (tags.size > 100_000) tags.clear();
      tags.set(registrantId, t);
    }
    return t;
  };
  return {
    layout,
    get cachedBuckets() {
      return cache.size;
    },
    invalidate: () => cache.clear(),
    read: (partition, vins, registrants) =>
      guarded(async function readImpl() {
        const of = new Array<number>(vins.length);
        const stateWanted = new Set<number>();
        for (let i = 0; i < vins.length; i++) stateWanted.add((of[i] = stateBucketOf(layout, vins[i]!)));
        const velocityWanted = new Set<number>();
        for (const r of registrants) velocityWanted.add(velocityBucketOf(layout, r));
        const { buckets, roundTrips } = await load(partition, [stateWanted, velocityWanted], 'state read');
        const states = new Array<string | undefined>(vins.length);
        for (let i = 0; i < vins.length; i++) states[i] = buckets[STATE]!.get(of[i]!)!.entries.get(vins[i]!);
        return {
          partition,
          states,
          roundTrips,
          buckets: buckets[STATE]!,
          velocityBuckets: buckets[VELOCITY]!,
        };
      }),
    velocity: (view, queries, windowDays) =>
      guarded(async function velocityImpl() {
        if (queries.length === 0) return [];
        const own = view.partition;
        const ownBuckets = new Map(view.velocityBuckets);
        const wanted = new Set(queries.map((q) => velocityBucketOf(layout, q.registrantId)));
        let applyOwn: ReturnType<typeof plan>;
        // One group per partition (one hash tag, one slot): other partitions' counters are read
        // fresh, their owners write them.
        const groups = [
          (p: ChainableCommander) => (applyOwn = plan(own, [[], wanted], [new Map(), ownBuckets], p)),
        ];
        const others: number[] = [];
        const wantedList = [...wanted];
        for (let q = 0; q < partitions; q++) {
          if (q === own) continue;
          others.push(q);
          groups.push((p) => void p.mget(...wantedList.map((b) => velocityBucketKey(layout, q, b))));
        }
        const values = await execPipeline({ exec: () => execSlotGroups(redis, groups) }, 'velocity read');
        const ownCalls = applyOwn ? applyOwn(values, 0) : 0;
        const blobs = new Map<number, Array<string | null>>(); // bucket -> blob of each other partition
        wantedList.forEach((b, i) =>
          blobs.set(
            b,
            others.map((_, j) => (values[ownCalls + j] as Array<string | null>)[i] ?? null),
          ),
        );
        return queries.map((q) => {
          const b = velocityBucketOf(layout, q.registrantId);
          const tag = tagOf(q.registrantId);
          const { from, to } = velocityDays(q.day, windowDays);
          let sum = countInEntries(ownBuckets.get(b)!.entries, tag, from, to);
          for (const blob of blobs.get(b)!) if (blob) sum += countInBlob(blob, tag, from, to);
          return sum;
        });
      }),
    write: (view, writes, increments) =>
      guarded(async function writeImpl() {
        if (writes.length === 0 && increments.length === 0) return [];
        const planned = planBucketWrites(layout, view, writes, increments, tagOf);
        if (planned.lost.length > 0) return planned.lost;
        const ok = await casWrite(view.partition, planned.touched, 'state write');
        return ok ? [] : writes.map((w) => w.vin);
      }),
    scan: (partition, bucketNumbers, nowSeconds) =>
      guarded(async function scanImpl() {
        const { buckets } = await load(partition, [bucketNumbers, []], 'sweep read');
        return sweepFindings(buckets[STATE]!.values(), nowSeconds);
      }),
    compactVelocity: (partition, bucketNumbers, minDay) =>
      guarded(async function compactVelocityImpl() {
        const { buckets } = await load(partition, [[], bucketNumbers], 'velocity sweep read');
        const touched = planVelocityCompaction(buckets[VELOCITY]!, minDay);
        const removed = touched.reduce((n, t) => n + t.changes.size, 0);
        // A lost race just leaves the old counters for the next sweep.
        return (await casWrite(partition, touched, 'velocity sweep')) ? removed : 0;
      }),
    checkLayout: (inputs) =>
      guarded(async function checkLayoutImpl() {
        const key = layoutKey(layout);
        const got = (await redis.get(key)) as string | null;
        partitions = partitionsForLayout(
          got === null ? undefined : parseStoredLayout(got, layout.prefix),
          layout,
          inputs,
        );
        // SET NX: two processes starting at once on fresh state record the same thing.
        if (got === null) await redis.set(key, JSON.stringify(layoutRecord(layout, partitions)), 'NX');
        return partitions;
      }),
  };
}
