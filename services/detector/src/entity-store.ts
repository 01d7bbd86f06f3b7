/**
 * Entity windows in Redis (logic in entity-windows.ts). One sorted set per entity, member = VIN,
 * score = event time (ms) of its observation, and beside it the entity's re-evaluation outbox:
 *
 *   <prefix>:{e:<entity key>}:w      e.g. zm:{e:c:CN-SH:20515}:w, zm:{e:x:91310000MA1EXP}:w
 *   <prefix>:{e:<entity key>}:o      set of member VINs whose count crossed a threshold and whose
 *                                    re-evaluation request is not yet known to be produced
 *
 * The entity key is the hash tag, so the two keys a script call touches sit in one slot on Redis
 * Cluster. One script call per entity applies a batch's changes to it atomically (join, move, leave:
 * membership follows each VIN's state), trims it like the VIN state is bounded (members older than
 * the kind's retention before the newest, at most maxEntries, the oldest first; a TTL of the
 * retention plus 8 days so replays of the 7-day input topics find their entries), and — still
 * atomically — adds to the outbox every other member whose count crossed the threshold, then returns
 * the window and the outbox. Applying the same changes again (a retried batch) changes nothing and
 * crosses nothing, but returns the outbox left by an attempt that died before producing its requests.
 * `confirm` removes the members once their requests are acknowledged by Kafka.
 */
import type { ChainableCommander, Result } from 'ioredis';
import { execSlotGroups, type RedisClient } from '@zmwatch/kit';
import { DAY_MS } from '@zmwatch/schemas';
import {
  applyWindowChanges,
  windowParams,
  type EntityKind,
  type EntityWindow,
  type MemberChange,
} from './entity-windows.js';
import { execPipeline } from './redis-store.js';
import type { EntitySignalsConfig } from './ruleset.js';

const REPLAY_GRACE_MS = 8 * DAY_MS;

/**
 * KEYS[1] window, KEYS[2] outbox; ARGV windowMs (0: count = size), threshold, retentionMs,
 * maxEntries, ttlMs, then VIN, time ('' = leave) pairs. Returns {window flat, outbox members}.
 * Must match applyWindowChanges (entity-windows.ts); test/entity-store.it.test.ts compares the two.
 */
const UPDATE_SCRIPT = `
local win, thr, ret, max, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local function counts(flat)
  local n = #flat / 2
  local vins, times, out = {}, {}, {}
  for i = 1, n do vins[i] = flat[2 * i - 1]; times[i] = tonumber(flat[2 * i]) end
  if win <= 0 then
    for i = 1, n do out[vins[i]] = n end
    return out, vins, times
  end
  local lo, hi = 1, 1
  for i = 1, n do
    local t = times[i]
    while times[lo] < t - win do lo = lo + 1 end
    if hi < i then hi = i end
    while hi < n and times[hi + 1] <= t + win do hi = hi + 1 end
    out[vins[i]] = hi - lo + 1
  end
  return out, vins, times
end
local before, bvins, btimes = counts(redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'))
local changed = {}
for i = 6, #ARGV, 2 do
  changed[ARGV[i]] = true
  if ARGV[i + 1] == '' then redis.call('ZREM', KEYS[1], ARGV[i])
  else redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i]) end
end
if #ARGV >= 6 then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #last > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (tonumber(last[2]) - ret))
    local n = redis.call('ZCARD', KEYS[1])
    if n > max then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1) end
  end
end
local flat = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
if #ARGV >= 6 then
  local after = counts(flat)
  local size = #flat / 2
  for i = 1, #bvins do
    local v = bvins[i]
    if not changed[v] then
      local a = after[v]
      if a == nil then
        if win <= 0 then a = size
        else a = redis.call('ZCOUNT', KEYS[1], btimes[i] - win, btimes[i] + win) end
      end
      if (before[v] >= thr) ~= (a >= thr) then redis.call('SADD', KEYS[2], v) end
    end
  end
  if size > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return {flat, redis.call('SMEMBERS', KEYS[2])}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    zmEntityUpdate(window: string, outbox: string, ...args: string[]): Result<[string[], string[]], Context>;
  }
}

export const entityWindowKey = (prefix: string, entityKey: string): string => `${prefix}:{e:${entityKey}}:w`;
export const entityOutboxKey = (prefix: string, entityKey: string): string => `${prefix}:{e:${entityKey}}:o`;

/** One entity's changes in a batch (none: the window is only read). */
export interface WindowUpdate {
  key: string;
  kind: EntityKind;
  changes: readonly MemberChange[];
}

export interface WindowUpdates {
  /** Every updated key's window after the batch's changes. */
  windows: Map<string, EntityWindow>;
  /** Per key, the members to re-evaluate (crossings of this batch and unconfirmed earlier ones). */
  recheck: Map<string, string[]>;
}

export interface EntityStore {
  /** Applies the changes, one atomic script call per entity, pipelined: one round trip. */
  update(updates: readonly WindowUpdate[]): Promise<WindowUpdates>;
  /** The members' re-evaluation requests were produced: remove them from the outboxes (one round trip). */
  confirm(recheck: ReadonlyMap<string, readonly string[]>): Promise<void>;
}

export function createEntityStore(redis: RedisClient, prefix: string, cfg: EntitySignalsConfig): EntityStore {
  redis.defineCommand('zmEntityUpdate', { numberOfKeys: 2, lua: UPDATE_SCRIPT });
  return {
    async update(updates) {
      const windows = new Map<string, EntityWindow>();
      const recheck = new Map<string, string[]>();
      if (updates.length === 0) return { windows, recheck };
      // Each entity's keys have their own hash tag: one group per entity, so a Redis Cluster gets
      // one pipeline per slot and a single server one round trip.
      const groups = updates.map((u) => (p: ChainableCommander) => {
        const w = windowParams(u.kind, cfg);
        const args = [
          String(w.windowMs),
          String(w.threshold),
          String(w.retention),
          String(w.maxEntries),
          String(w.retention + REPLAY_GRACE_MS),
        ];
        for (const c of u.changes) args.push(c.vin, c.time === null ? '' : String(c.time));
        p.zmEntityUpdate(entityWindowKey(prefix, u.key), entityOutboxKey(prefix, u.key), ...args);
      });
      const res = await execPipeline({ exec: () => execSlotGroups(redis, groups) }, 'entity update');
      updates.forEach((u, i) => {
        const [flat, outbox] = res[i] as [string[], string[]];
        const w: EntityWindow = new Map();
        for (let j = 0; j < flat.length; j += 2) w.set(flat[j]!, Number(flat[j + 1]));
        windows.set(u.key, w);
        if (outbox.length > 0) recheck.set(u.key, outbox);
      });
      return { windows, recheck };
    },
    async confirm(recheck) {
      if (recheck.size === 0) return;
      const groups = [...recheck].map(
        ([key, vins]) =>
          (p: ChainableCommander) =>
            void p.srem(entityOutboxKey(prefix, key), ...vins),
      );
      await execPipeline({ exec: () => execSlotGroups(redis, groups) }, 'entity confirm');
    },
  };
}

/** The in-memory twin of update (the replay, quality model and backtests use it; same bounds). */
export function updateInMemory(
  windows: Map<string, EntityWindow>,
  updates: readonly WindowUpdate[],
  cfg: EntitySignalsConfig,
): WindowUpdates {
  const recheck = new Map<string, string[]>();
  for (const u of updates) {
    const w = windows.get(u.key) ?? new Map<string, number>();
    if (u.changes.length > 0) {
      const crossed = applyWindowChanges(w, u.changes, windowParams(u.kind, cfg));
      if (crossed.length > 0) recheck.set(u.key, crossed);
    }
    if (w.size > 0) windows.set(u.key, w);
    else windows.delete(u.key);
  }
  return { windows, recheck };
}
