// Bench-only: the detector's StateStore with each bucket kept as a small Redis HASH instead of one
// packed string (bucket-blob.ts), to settle the state format (services/detector/README.md, "State
// format"). Same buckets, same per-VIN packed values (vin-state.ts), same velocity entries, same
// in-process bucket cache; what differs is only how Redis holds a bucket:
//   <prefix>:{p<p>}:hs<n>  HASH  '#' -> version, <VIN> -> packed state
//   <prefix>:{p<p>}:hv<n>  HASH  '#' -> version, <tag><day> -> count (base 36)
// Reads are HGETALL (whole buckets, cached like the string store's MGET); the write is one
// compare-and-set Lua call with HSET/HDEL per changed field; other partitions' velocity is HMGET of
// just the (tag, day) fields in the window. What a write changes, what the sweeper finds and what
// compaction removes are the detector's own pure plans (bucket-writes.ts): only the I/O differs.
import type { ChainableCommander, Redis, Result } from 'ioredis';
import {
  applyChanges,
  countInEntries,
  dayKey,
  planBucketWrites,
  planVelocityCompaction,
  registrantTag,
  stateBucketOf,
  STATE_BUCKET as STATE,
  sweepFindings,
  VELOCITY_BUCKET as VELOCITY,
  velocityBucketOf,
  velocityDays,
  type Bucket,
  type BucketChanges,
  type KeyLayout,
  type StateStore,
  type StateView,
  type VelocityQuery,
} from '@zmwatch/detector';

/**
 * ARGV per key: the version the writer read, the number n of changed fields, then n field/value
 * pairs ('' deletes the field). All or nothing, as the string store's script: every version is
 * checked before anything is written. A bucket left without entries is deleted (a
 * missing key reads as version 0). Returns the 1-based indexes of stale keys.
 */
const HASH_CAS_SCRIPT = `
local stale = {}
local from = {}
local at = 1
for i = 1, #KEYS do
  local v = redis.call('HGET', KEYS[i], '#') or '0'
  if v ~= ARGV[at] then stale[#stale + 1] = i end
  from[i] = at
  at = at + 2 + 2 * tonumber(ARGV[at + 1])
end
if #stale > 0 then return stale end
for i = 1, #KEYS do
  local a = from[i]
  local n = tonumber(ARGV[a + 1])
  for j = 0, n - 1 do
    local f = ARGV[a + 2 + 2 * j]
    local val = ARGV[a + 3 + 2 * j]
    if val == '' then redis.call('HDEL', KEYS[i], f) else redis.call('HSET', KEYS[i], f, val) end
  end
  if redis.call('HLEN', KEYS[i]) - redis.call('HEXISTS', KEYS[i], '#') == 0 then
    redis.call('DEL', KEYS[i])
  else
    redis.call('HSET', KEYS[i], '#', tonumber(ARGV[a]) + 1)
  end
end
return stale
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    zmHashBucketCas(numKeys: number, ...keysThenArgs: string[]): Result<number[], Context>;
  }
}

type Kind = typeof STATE | typeof VELOCITY;
const VERSION_FIELD = '#';

async function exec(p: ChainableCommander): Promise<unknown[]> {
  const res = await p.exec();
  if (!res) throw new Error('pipeline discarded');
  return res.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

function bucketOf(fields: Record<string, string>): Bucket {
  const entries = new Map(Object.entries(fields));
  const v = entries.get(VERSION_FIELD);
  entries.delete(VERSION_FIELD);
  return { version: v === undefined ? 0 : Number(v), entries, lines: entries.size };
}

/** `partitions`: the state's partition count (the bench's topics); no layout record is kept. */
export function createHashStateStore(redis: Redis, layout: KeyLayout, partitions: number): StateStore {
  redis.defineCommand('zmHashBucketCas', { lua: HASH_CAS_SCRIPT });
  const cache = new Map<string, Bucket>();
  const keyOf = (kind: Kind, partition: number, b: number) =>
    `${layout.prefix}:{p${partition}}:${kind === STATE ? 'hs' : 'hv'}${b}`;

  /** Buckets of one partition: cached, or HGETALL queued on `p`; the returned function fills `out`. */
  function plan(
    partition: number,
    kind: Kind,
    wanted: Iterable<number>,
    out: Map<number, Bucket>,
    p: ChainableCommander,
  ): (values: unknown[], at: number) => number {
    const missing: number[] = [];
    for (const b of wanted) {
      if (out.has(b)) continue;
      const hit = cache.get(keyOf(kind, partition, b));
      if (hit) out.set(b, hit);
      else missing.push(b);
    }
    for (const b of missing) p.hgetall(keyOf(kind, partition, b));
    return (values, at) => {
      missing.forEach((b, i) => {
        const bucket = bucketOf(values[at + i] as Record<string, string>);
        out.set(b, bucket);
        cache.set(keyOf(kind, partition, b), bucket);
      });
      return missing.length;
    };
  }

  async function load(partition: number, kind: Kind, wanted: Iterable<number>): Promise<Map<number, Bucket>> {
    const out = new Map<number, Bucket>();
    const p = redis.pipeline();
    const apply = plan(partition, kind, wanted, out, p);
    if (p.length > 0) apply(await exec(p), 0);
    else apply([], 0);
    return out;
  }

  async function casWrite(partition: number, touched: readonly BucketChanges[]): Promise<boolean> {
    if (touched.length === 0) return true;
    const keys: string[] = [];
    const args: string[] = [];
    for (const t of touched) {
      keys.push(keyOf(t.kind, partition, t.b));
      args.push(String(t.bucket.version), String(t.changes.size));
      for (const [k, v] of t.changes) args.push(k, v);
    }
    let stale: number[];
    try {
      stale = (await redis.zmHashBucketCas(keys.length, ...keys, ...args)).map(Number);
    } catch (err) {
      for (const k of keys) cache.delete(k);
      throw err;
    }
    if (stale.length > 0) {
      for (const i of stale) cache.delete(keys[i - 1]!);
      return false;
    }
    for (const t of touched) {
      applyChanges(t.bucket, t.changes);
      t.bucket.version = t.bucket.entries.size === 0 ? 0 : t.bucket.version + 1;
      t.bucket.lines = t.bucket.entries.size;
    }
    return true;
  }

  return {
    layout,
    get cachedBuckets() {
      return cache.size;
    },
    invalidate: () => cache.clear(),
    async read(partition, vins, registrants) {
      const p = redis.pipeline();
      const buckets = new Map<number, Bucket>();
      const velocityBuckets = new Map<number, Bucket>();
      const of = vins.map((v) => stateBucketOf(layout, v));
      const applyState = plan(partition, STATE, of, buckets, p);
      const velocityWanted = [...registrants].map((r) => velocityBucketOf(layout, r));
      const applyVelocity = plan(partition, VELOCITY, velocityWanted, velocityBuckets, p);
      const roundTrips = p.length > 0 ? 1 : 0;
      const values = roundTrips ? await exec(p) : [];
      applyVelocity(values, applyState(values, 0));
      const states = vins.map((v, i) => buckets.get(of[i]!)!.entries.get(v));
      return { partition, states, roundTrips, buckets, velocityBuckets } satisfies StateView;
    },
    async velocity(view, queries, windowDays) {
      if (queries.length === 0) return [];
      const own = new Map(view.velocityBuckets);
      const p = redis.pipeline();
      const applyOwn = plan(
        view.partition,
        VELOCITY,
        queries.map((q) => velocityBucketOf(layout, q.registrantId)),
        own,
        p,
      );
      const ownCalls = p.length;
      const fieldsOf = (q: VelocityQuery) => {
        const tag = registrantTag(q.registrantId);
        const { from, to } = velocityDays(q.day, windowDays);
        const out: string[] = [];
        for (let d = from; d <= to; d++) out.push(tag + dayKey(d));
        return out;
      };
      const fields = queries.map(fieldsOf);
      for (let part = 0; part < partitions; part++) {
        if (part === view.partition) continue;
        queries.forEach((q, i) =>
          p.hmget(keyOf(VELOCITY, part, velocityBucketOf(layout, q.registrantId)), ...fields[i]!),
        );
      }
      const values = p.length > 0 ? await exec(p) : [];
      applyOwn(values, 0);
      const sums = queries.map((q) => {
        const { from, to } = velocityDays(q.day, windowDays);
        const entries = own.get(velocityBucketOf(layout, q.registrantId))!.entries;
        return countInEntries(entries, registrantTag(q.registrantId), from, to);
      });
      let at = ownCalls;
      for (let part = 0; part < partitions; part++) {
        if (part === view.partition) continue;
        for (let i = 0; i < queries.length; i++)
          for (const c of values[at++] as Array<string | null>) if (c !== null) sums[i]! += parseInt(c, 36);
      }
      return sums;
    },
    async write(view, writes, increments) {
      if (writes.length === 0 && increments.length === 0) return [];
      const { touched, lost } = planBucketWrites(layout, view, writes, increments);
      if (lost.length > 0) return lost;
      return (await casWrite(view.partition, touched)) ? [] : writes.map((w) => w.vin);
    },
    async scan(partition, bucketNumbers, nowSeconds) {
      return sweepFindings((await load(partition, STATE, bucketNumbers)).values(), nowSeconds);
    },
    async compactVelocity(partition, bucketNumbers, minDay) {
      const touched = planVelocityCompaction(await load(partition, VELOCITY, bucketNumbers), minDay);
      const removed = touched.reduce((n, t) => n + t.changes.size, 0);
      return (await casWrite(partition, touched)) ? removed : 0;
    },
    checkLayout: async () => partitions,
  };
}
