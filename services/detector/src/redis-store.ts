import type { ChainableCommander, Redis, Result } from 'ioredis';
import { RetriableError } from '@zmwatch/kit';
import {
  dayOf,
  fnv1a,
  registrantTag,
  stateKey,
  sweepCursorKey,
  velocityField,
  velocityKey,
  type BucketKey,
  type KeyLayout,
} from './keys.js';
import { packArray, type PackItem } from './msgpack.js';

// Every script takes the bucket keys of ONE slot group as KEYS and addresses them by index. The
// per-item arguments travel as ONE MessagePack array in ARGV[1] (see msgpack.ts), unpacked by the
// C `cmsgpack` library: one argument per call instead of ~4 per VIN for ioredis to encode and
// Redis to parse.

/** ARGV[1] = [keyIndex, vin, ...]; returns the packed states in order, '' where absent. */
const READ_SCRIPT = `
local a = cmsgpack.unpack(ARGV[1])
local out = {}
for i = 1, #a, 2 do
  out[#out + 1] = redis.call('HGET', KEYS[a[i]], a[i + 1]) or ''
end
return out
`;

/**
 * Compare-and-set of packed VIN states, ARGV[1] = [keyIndex, vin, expected, next, ...].
 * The worker that owns a VIN's partition is normally its only writer, so this almost never fails;
 * when it does (a rebalance overlap, a sweeper touching the same VIN) the batch is retried from a
 * fresh read instead of overwriting someone else's merge. Each VIN is checked and written on its own
 * (atomically); an empty `next` deletes the field. Returns the VINs whose CAS lost.
 */
const CAS_SCRIPT = `
local a = cmsgpack.unpack(ARGV[1])
local lost = {}
for i = 1, #a, 4 do
  local key, vin, expected, nxt = KEYS[a[i]], a[i + 1], a[i + 2], a[i + 3]
  local cur = redis.call('HGET', key, vin) or ''
  if cur ~= expected then
    lost[#lost + 1] = vin
  elseif nxt == '' then
    if cur ~= '' then redis.call('HDEL', key, vin) end
  else
    redis.call('HSET', key, vin, nxt)
  end
end
return lost
`;

/** ARGV[1] = [keyIndex, day, tag, ...]: +1 on each registrant-day counter. */
const INCR_SCRIPT = `
local a = cmsgpack.unpack(ARGV[1])
for i = 1, #a, 3 do
  redis.call('HINCRBY', KEYS[a[i]], a[i + 1] .. ':' .. a[i + 2], 1)
end
return 1
`;

/** ARGV[1] = [keyIndex, tag, fromDay, toDay, ...]: the sum of each registrant's counters over the days. */
const VELOCITY_SCRIPT = `
local a = cmsgpack.unpack(ARGV[1])
local out = {}
for i = 1, #a, 4 do
  local key, tag = KEYS[a[i]], a[i + 1]
  local sum = 0
  for d = a[i + 2], a[i + 3] do
    sum = sum + (tonumber(redis.call('HGET', key, d .. ':' .. tag)) or 0)
  end
  out[#out + 1] = sum
end
return out
`;

/**
 * Incremental expiry for one bucket: entries carry their own expiry (first header field, base 36
 * epoch seconds) because a hash field cannot have a TTL on Redis 7.0. Returns the number removed and
 * the VINs whose pending declarations passed their grace deadline (second header field).
 */
const SWEEP_STATE_SCRIPT = `
local now = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local removed = 0
local out = {}
for i = 1, #all, 2 do
  local e, d = string.match(all[i + 1], '^(%w*);(%w*);')
  local exp = e and tonumber(e, 36)
  if exp and exp <= now then
    redis.call('HDEL', KEYS[1], all[i])
    removed = removed + 1
  elseif d and d ~= '' and tonumber(d, 36) <= now then
    out[#out + 1] = all[i]
  end
end
table.insert(out, 1, removed)
return out
`;

/** Drops registrant-velocity day counters older than ARGV[1] (a day number). */
const SWEEP_VELOCITY_SCRIPT = `
local min = tonumber(ARGV[1])
local fields = redis.call('HKEYS', KEYS[1])
local removed = 0
for _, f in ipairs(fields) do
  local day = tonumber(string.match(f, '^(%d+):') or '')
  if day and day < min then
    redis.call('HDEL', KEYS[1], f)
    removed = removed + 1
  end
end
return removed
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    zmStateRead(numKeys: number, ...keysThenArgs: Array<string | Buffer>): Result<string[], Context>;
    zmStateCas(numKeys: number, ...keysThenArgs: Array<string | Buffer>): Result<string[], Context>;
    zmVelocityIncr(numKeys: number, ...keysThenArgs: Array<string | Buffer>): Result<number, Context>;
    zmVelocityRead(numKeys: number, ...keysThenArgs: Array<string | Buffer>): Result<number[], Context>;
    zmSweepState(key: string, nowSeconds: number): Result<Array<number | string>, Context>;
    zmSweepVelocity(key: string, minDay: number): Result<number, Context>;
  }
}

export function defineDetectorCommands(redis: Redis): void {
  // Variable key counts: numberOfKeys is passed as the first argument of each call.
  redis.defineCommand('zmStateRead', { lua: READ_SCRIPT });
  redis.defineCommand('zmStateCas', { lua: CAS_SCRIPT });
  redis.defineCommand('zmVelocityIncr', { lua: INCR_SCRIPT });
  redis.defineCommand('zmVelocityRead', { lua: VELOCITY_SCRIPT });
  redis.defineCommand('zmSweepState', { numberOfKeys: 1, lua: SWEEP_STATE_SCRIPT });
  redis.defineCommand('zmSweepVelocity', { numberOfKeys: 1, lua: SWEEP_VELOCITY_SCRIPT });
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

export interface StateStore {
  readonly layout: KeyLayout;
  /** Packed states of these VINs (undefined when absent): one Lua call per slot group, one round trip. */
  read(vins: readonly string[]): Promise<Array<string | undefined>>;
  /** Registrations per registrant on days [day - (window-1), day + (window-1)], one round trip. */
  velocity(queries: readonly VelocityQuery[], windowDays: number): Promise<number[]>;
  /**
   * One round trip: a CAS Lua call per slot group of changed VINs plus the velocity increments of new
   * first registrations. Returns the VINs whose CAS lost (someone else changed them since `read`).
   */
  write(writes: readonly StateWrite[], increments: readonly VelocityQuery[]): Promise<string[]>;
  /** Sweep `count` state buckets (and matching velocity buckets) from the shared cursor. */
  sweep(
    count: number,
    nowSeconds: number,
    velocityRetentionDays: number,
  ): Promise<{ removed: number; due: string[] }>;
}

/** Redis failures are always retriable for the consumer: back off, do not commit, try again. */
export class RedisUnavailableError extends RetriableError {
  override readonly name = 'RedisUnavailableError';
}

async function execPipeline(p: ChainableCommander, what: string): Promise<unknown[]> {
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

/** One slot group's share of a batch: its distinct keys (KEYS) and, per item, its index and key's 1-based index. */
interface Group {
  keys: string[];
  items: number[];
  ks: number[];
  slot: Map<number, number>;
}

/**
 * Items 0..count-1 grouped by slot group: what one multi-key Lua call of each group needs. Buckets
 * are numbers and their keys are built once per store, so a VIN costs one hash and a few integer
 * map lookups here, not a key string and an object.
 */
function byGroup(count: number, bucketOf: (i: number) => number, keys: readonly BucketKey[]): Group[] {
  const groups = new Map<number, Group>();
  for (let i = 0; i < count; i++) {
    const b = bucketOf(i);
    const { group, key } = keys[b]!;
    let g = groups.get(group);
    if (!g) groups.set(group, (g = { keys: [], items: [], ks: [], slot: new Map() }));
    let k = g.slot.get(b);
    if (k === undefined) {
      k = g.keys.push(key);
      g.slot.set(b, k);
    }
    g.items.push(i);
    g.ks.push(k);
  }
  return [...groups.values()];
}

export function createStateStore(
  redis: Redis,
  layout: KeyLayout,
  onError: (err: unknown) => void = () => {},
): StateStore {
  defineDetectorCommands(redis);
  const stateKeys = Array.from({ length: layout.stateBuckets }, (_, b) => stateKey(layout, b));
  const velocityKeys = Array.from({ length: layout.velocityBuckets }, (_, b) => velocityKey(layout, b));
  const stateBucketOf = (vin: string) => fnv1a(vin) % layout.stateBuckets;
  const velocityBucketOf = (registrantId: string) => fnv1a(registrantId) % layout.velocityBuckets;
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
    read: (vins) =>
      guarded(async () => {
        if (vins.length === 0) return [];
        const groups = byGroup(vins.length, (i) => stateBucketOf(vins[i]!), stateKeys);
        const p = redis.pipeline();
        for (const g of groups) {
          const items: PackItem[] = [];
          for (let j = 0; j < g.items.length; j++) items.push(g.ks[j]!, vins[g.items[j]!]!);
          p.zmStateRead(g.keys.length, ...g.keys, packArray(items));
        }
        const values = await execPipeline(p, 'state read');
        const out = new Array<string | undefined>(vins.length);
        groups.forEach((g, gi) => {
          const got = values[gi] as string[];
          for (let j = 0; j < g.items.length; j++) out[g.items[j]!] = got[j] || undefined;
        });
        return out;
      }),
    velocity: (queries, windowDays) =>
      guarded(async () => {
        if (queries.length === 0) return [];
        const groups = byGroup(
          queries.length,
          (i) => velocityBucketOf(queries[i]!.registrantId),
          velocityKeys,
        );
        const p = redis.pipeline();
        for (const g of groups) {
          const items: PackItem[] = [];
          for (let j = 0; j < g.items.length; j++) {
            const q = queries[g.items[j]!]!;
            items.push(g.ks[j]!, tagOf(q.registrantId), q.day - windowDays + 1, q.day + windowDays - 1);
          }
          p.zmVelocityRead(g.keys.length, ...g.keys, packArray(items));
        }
        const values = await execPipeline(p, 'velocity read');
        const out = new Array<number>(queries.length).fill(0);
        groups.forEach((g, gi) => {
          const got = values[gi] as number[];
          for (let j = 0; j < g.items.length; j++) out[g.items[j]!] = Number(got[j] ?? 0);
        });
        return out;
      }),
    write: (writes, increments) =>
      guarded(async () => {
        if (writes.length === 0 && increments.length === 0) return [];
        const p = redis.pipeline();
        const cas = byGroup(writes.length, (i) => stateBucketOf(writes[i]!.vin), stateKeys);
        for (const g of cas) {
          const items: PackItem[] = [];
          for (let j = 0; j < g.items.length; j++) {
            const w = writes[g.items[j]!]!;
            items.push(g.ks[j]!, w.vin, w.expected, w.next);
          }
          p.zmStateCas(g.keys.length, ...g.keys, packArray(items));
        }
        const incs = byGroup(
          increments.length,
          (i) => velocityBucketOf(increments[i]!.registrantId),
          velocityKeys,
        );
        for (const g of incs) {
          const items: PackItem[] = [];
          for (let j = 0; j < g.items.length; j++) {
            const q = increments[g.items[j]!]!;
            items.push(g.ks[j]!, q.day, tagOf(q.registrantId));
          }
          p.zmVelocityIncr(g.keys.length, ...g.keys, packArray(items));
        }
        const values = await execPipeline(p, 'state write');
        return values.slice(0, cas.length).flatMap((v) => v as string[]);
      }),
    sweep: (count, nowSeconds, velocityRetentionDays) =>
      guarded(async () => {
        const end = await redis.incrby(sweepCursorKey(layout), count);
        const p = redis.pipeline();
        const minDay = dayOf(nowSeconds * 1000) - velocityRetentionDays;
        const buckets: number[] = [];
        for (let i = end - count; i < end; i++)
          buckets.push(((i % layout.stateBuckets) + layout.stateBuckets) % layout.stateBuckets);
        for (const b of buckets) {
          p.zmSweepState(stateKey(layout, b).key, nowSeconds);
          if (b < layout.velocityBuckets) p.zmSweepVelocity(velocityKey(layout, b).key, minDay);
        }
        const values = await execPipeline(p, 'sweep');
        let removed = 0;
        const due: string[] = [];
        let k = 0;
        for (const b of buckets) {
          const [n, ...vins] = values[k++] as [number, ...string[]];
          removed += n;
          due.push(...vins);
          if (b < layout.velocityBuckets) removed += values[k++] as number;
        }
        return { removed, due };
      }),
  };
}

export { dayOf, velocityField };
