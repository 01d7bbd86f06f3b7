import type { ChainableCommander, Result } from 'ioredis';
import { execSlotGroups, RetriableError, type RedisClient } from '@zmwatch/kit';
import {
  BucketFormatError,
  countInBlob,
  emptyBucket,
  parseBucket,
  planBucketWrite,
  VIN_CHARS,
  type Bucket,
} from './bucket-blob.js';
import {
  dayKey,
  dayOfVelocityKey,
  layoutKey,
  registrantTag,
  stateBucketKey,
  stateBucketOf,
  VELOCITY_KEY_CHARS,
  velocityBucketKey,
  velocityBucketOf,
  type KeyLayout,
} from './keys.js';
import { StateCache, type BucketKind } from './state-cache.js';
import { layoutRecord, parseStoredLayout, partitionsForLayout } from './layout.js';
import { readStateHeader } from './vin-state.js';

/**
 * Compare-and-set of buckets of one partition (one hash tag, so one slot). ARGV holds, per key, the
 * version the writer read, a mode and a payload: 'a' appends the payload (changed entries) after the
 * stored lines, 'r' replaces the whole blob ('' deletes the key). Either way the value is rebuilt by
 * SET, so Redis keeps an exact-size string (APPEND would keep up to 2x spare capacity). All or
 * nothing: versions are checked first, and only if every one matches are the buckets written, so a
 * batch's VIN states and the velocity counters it adds land together or not at all (a retry never
 * counts twice). The owner of a partition is normally its only writer, so this almost never fails;
 * when it does (a rebalance overlap, a stalled process that lost its partition) the batch is retried
 * from a fresh read instead of overwriting someone else's merge. Returns the 1-based indexes of
 * stale keys.
 */
const BUCKET_CAS_SCRIPT = `
local stale = {}
local blobs = {}
for i = 1, #KEYS do
  local v
  if ARGV[3 * i - 1] == 'a' then
    local blob = redis.call('GET', KEYS[i])
    blobs[i] = blob
    v = blob and string.match(blob, '^(%d+)\\n') or '0'
  else
    v = string.match(redis.call('GETRANGE', KEYS[i], 0, 19), '^(%d+)\\n') or '0'
  end
  if v ~= ARGV[3 * i - 2] then stale[#stale + 1] = i end
end
if #stale > 0 then return stale end
for i = 1, #KEYS do
  local payload = ARGV[3 * i]
  if ARGV[3 * i - 1] == 'a' then
    local blob = blobs[i]
    local nl = string.find(blob, '\\n', 1, true)
    redis.call('SET', KEYS[i], (tonumber(ARGV[3 * i - 2]) + 1) .. string.sub(blob, nl) .. payload)
  elseif payload == '' then
    redis.call('DEL', KEYS[i])
  else
    redis.call('SET', KEYS[i], payload)
  end
end
return stale
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    zmBucketCas(numKeys: number, ...keysThenArgs: string[]): Result<number[], Context>;
  }
}

export interface StateWrite {
  vin: string;
  expected: string;
  next: string;
}

export interface VelocityQuery {
  registrantId: string;
  day: number;
}

/**
 * What one batch read: the packed state of each VIN (undefined when absent) and the buckets of its
 * partition it may write (VIN states, and velocity counters of the registrants it may count),
 * pinned for the batch's write whatever the cache evicts meanwhile.
 */
export interface StateView {
  readonly partition: number;
  readonly states: Array<string | undefined>;
  /** Redis round trips the read took: 0 when every bucket was cached. */
  readonly roundTrips: number;
  readonly buckets: ReadonlyMap<number, Bucket>;
  readonly velocityBuckets: ReadonlyMap<number, Bucket>;
}

export interface StateStore {
  readonly layout: KeyLayout;
  /**
   * States of these VINs of one partition, and the partition's velocity buckets of `registrants`
   * (those whose counters this batch may increment): cached buckets, the others in one round trip.
   */
  read(partition: number, vins: readonly string[], registrants: Iterable<string>): Promise<StateView>;
  /**
   * Registrations per registrant on days [day - (window-1), day + (window-1)] summed over every
   * partition's counters as written so far (one round trip; the view's own partition from memory).
   */
  velocity(view: StateView, queries: readonly VelocityQuery[], windowDays: number): Promise<number[]>;
  /**
   * One atomic Lua call: every changed state bucket of the view's partition plus the velocity
   * increments of new first registrations, compare-and-set on the bucket versions. Returns the VINs
   * whose state was not written (the buckets changed since they were read: all of the batch's, as
   * the call is all or nothing); their buckets leave the cache.
   */
  write(
    view: StateView,
    writes: readonly StateWrite[],
    increments: readonly VelocityQuery[],
  ): Promise<string[]>;
  /**
   * The VINs of these state buckets of a partition whose state expired, and those whose pending
   * declarations passed their grace deadline (both read from the state header).
   */
  scan(
    partition: number,
    buckets: readonly number[],
    nowSeconds: number,
  ): Promise<{ expired: string[]; due: string[] }>;
  /** Drop velocity counters older than `minDay` from these velocity buckets of a partition. */
  compactVelocity(partition: number, buckets: readonly number[], minDay: number): Promise<number>;
  /** Forget every cached bucket (the group rebalanced: another process may have written). */
  invalidate(): void;
  /**
   * Record the layout and input partition count on first use; later, the partition count the state
   * is laid out for (which may be lower than the inputs': partitions were added and the state not
   * migrated yet). Refuses other bucket counts, a migration in progress, fewer input partitions
   * than the state's (ConfigError; see layout.ts).
   */
  checkLayout(inputs: ReadonlyArray<{ name: string; partitions: number }>): Promise<number>;
  readonly cachedBuckets: number;
}

/** Redis failures are always retriable for the consumer: back off, do not commit, try again. */
export class RedisUnavailableError extends RetriableError {
  override readonly name = 'RedisUnavailableError';
}

export async function execPipeline(
  p: { exec(): Promise<[Error | null, unknown][] | null> },
  what: string,
): Promise<unknown[]> {
  let res: [Error | null, unknown][] | null;
  try {
    res = await p.exec();
  } catch (err) {
    throw new RedisUnavailableError(
      `redis ${what} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  if (!res) throw new RedisUnavailableError(`redis ${what}: pipeline discarded`);
  return res.map(([err, value]) => {
    if (err) throw new RedisUnavailableError(`redis ${what} failed: ${err.message}`, { cause: err });
    return value;
  });
}

const MGET_CHUNK = 1000;
const STATE: BucketKind = 0;
const VELOCITY: BucketKind = 1;

/** A bucket a write changes: what it read and the entries it sets ('' removes). */
interface Touched {
  kind: BucketKind;
  b: number;
  bucket: Bucket;
  changes: Map<string, string>;
}

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

/** How long a write waits for its replicas before the batch is retried. */
const WAIT_REPLICAS_MS = 2000;

export function createStateStore(
  redis: RedisClient,
  layout: KeyLayout,
  options: StateStoreOptions,
): StateStore {
  redis.defineCommand('zmBucketCas', { lua: BUCKET_CAS_SCRIPT });
  const cache = new StateCache(options.cacheBuckets);
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
  const keyOf = (kind: BucketKind, partition: number, b: number) =>
    kind === STATE ? stateBucketKey(layout, partition, b) : velocityBucketKey(layout, partition, b);
  const parse = (kind: BucketKind, key: string, blob: string | null): Bucket => {
    try {
      return parseBucket(blob, kind === STATE ? VIN_CHARS : VELOCITY_KEY_CHARS);
    } catch (err) {
      if (!(err instanceof BucketFormatError)) throw err;
      // Unreadable can never become readable: start the bucket afresh (version 0 overwrites it).
      options.onCorrupt?.(key, err);
      return emptyBucket();
    }
  };
  let largeWarned = false;

  /**
   * The wanted buckets of one partition, cached ones from memory, the rest (of both kinds) with MGETs
   * queued on `p` (same hash tag: one slot). Returns what to do once the pipeline ran.
   */
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

  /** Buckets of one partition (both kinds), loaded from the cache or in one round trip. */
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

  /**
   * Writes buckets of one partition with changes, all or nothing; on success the cached buckets take
   * the changes. Returns false when a version was stale (those buckets leave the cache).
   */
  async function casWrite(partition: number, touched: readonly Touched[], what: string): Promise<boolean> {
    if (touched.length === 0) return true;
    const keys: string[] = [];
    const args: string[] = [];
    const plans = touched.map((t) => {
      const key = keyOf(t.kind, partition, t.b);
      const w = planBucketWrite(t.bucket, t.changes);
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
      for (const [k, v] of t.changes) {
        if (v === '') t.bucket.entries.delete(k);
        else t.bucket.entries.set(k, v);
      }
      cache.set(StateCache.id(t.kind, partition, t.b), t.bucket);
    });
    return true;
  }

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
          const from = q.day - windowDays + 1;
          const to = q.day + windowDays - 1;
          let sum = 0;
          const entries = ownBuckets.get(b)!.entries;
          for (let d = from; d <= to; d++) {
            const c = entries.get(tag + dayKey(d));
            if (c !== undefined) sum += parseInt(c, 36);
          }
          for (const blob of blobs.get(b)!) if (blob) sum += countInBlob(blob, tag, from, to);
          return sum;
        });
      }),
    write: (view, writes, increments) =>
      guarded(async function writeImpl() {
        if (writes.length === 0 && increments.length === 0) return [];
        const { partition } = view;
        const touched = new Map<number, Touched>();
        const entryOf = (kind: BucketKind, b: number): Touched => {
          const id = StateCache.id(kind, partition, b);
          let t = touched.get(id);
          if (!t) {
            const bucket = (kind === STATE ? view.buckets : view.velocityBuckets).get(b);
            if (!bucket)
              throw new Error(
                `write outside the buckets its batch read (${kind === STATE ? 'state' : 'velocity'} bucket ${b})`,
              );
            touched.set(id, (t = { kind, b, bucket, changes: new Map() }));
          }
          return t;
        };
        const lost: string[] = [];
        for (const w of writes) {
          const t = entryOf(STATE, stateBucketOf(layout, w.vin));
          if ((t.bucket.entries.get(w.vin) ?? '') !== w.expected) lost.push(w.vin);
          else t.changes.set(w.vin, w.next);
        }
        // +1 per increment on its (registrant, day) entry; the changes map sums a batch's repeats.
        for (const inc of increments) {
          const t = entryOf(VELOCITY, velocityBucketOf(layout, inc.registrantId));
          const k = tagOf(inc.registrantId) + dayKey(inc.day);
          const current = t.changes.get(k) ?? t.bucket.entries.get(k);
          t.changes.set(k, ((current === undefined ? 0 : parseInt(current, 36)) + 1).toString(36));
        }
        if (lost.length > 0) return lost; // read under the partition lock, so only a bug gets here
        const ok = await casWrite(partition, [...touched.values()], 'state write');
        return ok ? [] : writes.map((w) => w.vin);
      }),
    scan: (partition, bucketNumbers, nowSeconds) =>
      guarded(async function scanImpl() {
        const { buckets } = await load(partition, [bucketNumbers, []], 'sweep read');
        const expired: string[] = [];
        const due: string[] = [];
        for (const bucket of buckets[STATE]!.values()) {
          for (const [vin, packed] of bucket.entries) {
            const { expireAt, dueAt } = readStateHeader(packed);
            if (expireAt <= nowSeconds) expired.push(vin);
            else if (dueAt !== undefined && dueAt <= nowSeconds) due.push(vin);
          }
        }
        return { expired, due };
      }),
    compactVelocity: (partition, bucketNumbers, minDay) =>
      guarded(async function compactVelocityImpl() {
        const { buckets } = await load(partition, [[], bucketNumbers], 'velocity sweep read');
        const touched: Touched[] = [];
        for (const [b, bucket] of buckets[VELOCITY]!) {
          const changes = new Map<string, string>();
          for (const k of bucket.entries.keys()) if (dayOfVelocityKey(k) < minDay) changes.set(k, '');
          if (changes.size > 0) touched.push({ kind: VELOCITY, b, bucket, changes });
        }
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
