import type { ChainableCommander, Redis, Result } from 'ioredis';
import { RetriableError } from '@zmwatch/kit';
import {
  dayOf,
  stateKey,
  stateKeyOf,
  sweepCursorKey,
  velocityField,
  velocityKey,
  velocityKeyOf,
  type KeyLayout,
} from './keys.js';

/**
 * Compare-and-set of one VIN's packed state. The worker that owns the VIN's partition is normally the
 * only writer, so this almost never fails; when it does (a rebalance overlap, a sweeper touching the
 * same VIN) the batch is retried from a fresh read instead of overwriting someone else's merge.
 * An empty new value deletes the field (HDEL on the last field removes the hash).
 */
const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then cur = '' end
if cur ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  if cur ~= '' then redis.call('HDEL', KEYS[1], ARGV[1]) end
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return 1
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
  local d = string.match(f, '^(%w+):')
  local day = d and tonumber(d, 36)
  if day and day < min then
    redis.call('HDEL', KEYS[1], f)
    removed = removed + 1
  end
end
return removed
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    zmStateCas(key: string, vin: string, expected: string, next: string): Result<number, Context>;
    zmSweepState(key: string, nowSeconds: number): Result<Array<number | string>, Context>;
    zmSweepVelocity(key: string, minDay: number): Result<number, Context>;
  }
}

export function defineDetectorCommands(redis: Redis): void {
  redis.defineCommand('zmStateCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
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
  /** Packed states of these VINs (undefined when absent), in one pipelined round trip. */
  read(vins: readonly string[]): Promise<Array<string | undefined>>;
  /** Registrations per registrant on days [day - (window-1), day + (window-1)], one round trip. */
  velocity(queries: readonly VelocityQuery[], windowDays: number): Promise<number[]>;
  /**
   * One round trip: a CAS per changed VIN plus the velocity increments of new first registrations.
   * Returns the VINs whose CAS lost (someone else changed them since `read`).
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

export function createStateStore(
  redis: Redis,
  layout: KeyLayout,
  onError: (err: unknown) => void = () => {},
): StateStore {
  defineDetectorCommands(redis);
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      onError(err);
      throw err;
    }
  };
  return {
    layout,
    read: (vins) =>
      guarded(async () => {
        if (vins.length === 0) return [];
        const p = redis.pipeline();
        for (const vin of vins) p.hget(stateKeyOf(layout, vin), vin);
        const values = await execPipeline(p, 'state read');
        return values.map((v) => (typeof v === 'string' ? v : undefined));
      }),
    velocity: (queries, windowDays) =>
      guarded(async () => {
        if (queries.length === 0) return [];
        const p = redis.pipeline();
        for (const q of queries) {
          const fields: string[] = [];
          for (let d = q.day - windowDays + 1; d <= q.day + windowDays - 1; d++)
            fields.push(velocityField(d, q.registrantId));
          p.hmget(velocityKeyOf(layout, q.registrantId), ...fields);
        }
        const values = await execPipeline(p, 'velocity read');
        return values.map((v) => (v as Array<string | null>).reduce((s, x) => s + (x ? Number(x) : 0), 0));
      }),
    write: (writes, increments) =>
      guarded(async () => {
        if (writes.length === 0 && increments.length === 0) return [];
        const p = redis.pipeline();
        for (const w of writes) p.zmStateCas(stateKeyOf(layout, w.vin), w.vin, w.expected, w.next);
        for (const inc of increments)
          p.hincrby(velocityKeyOf(layout, inc.registrantId), velocityField(inc.day, inc.registrantId), 1);
        const values = await execPipeline(p, 'state write');
        const lost: string[] = [];
        writes.forEach((w, i) => {
          if (values[i] !== 1) lost.push(w.vin);
        });
        return lost;
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
          p.zmSweepState(stateKey(layout, b), nowSeconds);
          if (b < layout.velocityBuckets) p.zmSweepVelocity(velocityKey(layout, b), minDay);
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

export { dayOf };
