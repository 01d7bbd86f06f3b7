/**
 * Entity windows in Redis (logic in entity-windows.ts). One sorted set per entity, member = VIN,
 * score = event time (ms) of its observation, and beside it the entity's re-evaluation outbox:
 *
 *   <prefix>:{e:<entity key>}:w      e.g. zm:{e:c:CN-SH:20515}:w, zm:{e:x:91310000MA1EXP}:w
 *   <prefix>:{e:<entity key>}:o      set of member VINs whose count crossed a threshold and whose
 *                                    re-evaluation request is not yet known to be produced
 *
 * The entity key is the hash tag, so an entity's two keys sit in one slot on Redis Cluster, where a
 * script call takes one entity; a single server takes a batch's entities ENTITIES_PER_CALL to a call.
 * The script applies a batch's changes to each entity atomically (join, move, leave:
 * membership follows each VIN's state), trims it like the VIN state is bounded (members older than
 * the kind's retention before the newest, at most maxEntries, the oldest first; a TTL of the
 * retention plus 8 days so replays of the 7-day input topics find their entries), and — still
 * atomically — adds to the outbox every other member whose count crossed the threshold, then returns
 * the window and the outbox. Applying the same changes again (a retried batch) changes nothing and
 * crosses nothing, but returns the outbox left by an attempt that died before producing its requests.
 * `confirm` removes the members once their requests are acknowledged by Kafka.
 */
import type { ChainableCommander, Result } from 'ioredis';
import { execSlotGroups, isRedisCluster, type RedisClient } from '@zmwatch/kit';
import { DAY_MS } from '@zmwatch/schemas';
import {
  applyWindowChanges,
  windowParams,
  type EntityKind,
  type EntityWindow,
  type MemberChange,
} from './entity-windows.js';
import { execPipeline } from './redis-pipeline.js';
import type { EntitySignalsConfig } from './ruleset.js';

const REPLAY_GRACE_MS = 8 * DAY_MS;

/** Parameters per entity kind, in this order: the script's ARGV[1..20], five per kind. */
const KINDS: readonly EntityKind[] = ['exporter', 'transferee', 'registrant', 'cohort'];
const PARAMS_PER_KIND = 5;

/**
 * Entities per script call on a single Redis server: a batch's entities go in a few calls, not one
 * each (the per-call cost, parsing and Lua setup on the server and a command object in ioredis, was
 * most of the stage), and one call stays short (~a few ms) so it never holds Redis up for long.
 */
export const ENTITIES_PER_CALL = 128;

/**
 * KEYS: per entity its window then its outbox. ARGV[1..20]: per kind (KINDS order) windowMs (0:
 * count = size), threshold, retentionMs, maxEntries, ttlMs; then per entity its kind's index (1-4),
 * its number of changes n and n (VIN, time or '' = leave) pairs. Returns per entity two strings:
 * the window after the changes, "VIN,time,VIN,time,..." oldest first, and the outbox, "VIN,VIN,...".
 * (A VIN never holds a comma.) Each entity's part must match applyWindowChanges (entity-windows.ts);
 * test/entity-store.it.test.ts compares the two.
 */
const UPDATE_SCRIPT = `
local function counts(flat, win)
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
local res = {}
local a = ${KINDS.length * PARAMS_PER_KIND + 1}
for e = 1, #KEYS / 2 do
  local wk, ok = KEYS[2 * e - 1], KEYS[2 * e]
  local p = (tonumber(ARGV[a]) - 1) * ${PARAMS_PER_KIND}
  local win, thr, ret, max, ttl = tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3]), tonumber(ARGV[p + 4]), ARGV[p + 5]
  local first = a + 2
  local last = first + 2 * tonumber(ARGV[a + 1]) - 1
  a = last + 1
  local flat
  if last < first then
    flat = redis.call('ZRANGE', wk, 0, -1, 'WITHSCORES')
  else
    local before, bvins, btimes = counts(redis.call('ZRANGE', wk, 0, -1, 'WITHSCORES'), win)
    local changed = {}
    for i = first, last, 2 do
      changed[ARGV[i]] = true
      if ARGV[i + 1] == '' then redis.call('ZREM', wk, ARGV[i])
      else redis.call('ZADD', wk, ARGV[i + 1], ARGV[i]) end
    end
    local newest = redis.call('ZRANGE', wk, -1, -1, 'WITHSCORES')
    if #newest > 0 then
      redis.call('ZREMRANGEBYSCORE', wk, '-inf', '(' .. (tonumber(newest[2]) - ret))
      local n = redis.call('ZCARD', wk)
      if n > max then redis.call('ZREMRANGEBYRANK', wk, 0, n - max - 1) end
    end
    flat = redis.call('ZRANGE', wk, 0, -1, 'WITHSCORES')
    local after = counts(flat, win)
    local size = #flat / 2
    local crossed = false
    for i = 1, #bvins do
      local v = bvins[i]
      if not changed[v] then
        local c = after[v]
        if c == nil then
          if win <= 0 then c = size
          else c = redis.call('ZCOUNT', wk, btimes[i] - win, btimes[i] + win) end
        end
        if (before[v] >= thr) ~= (c >= thr) then redis.call('SADD', ok, v); crossed = true end
      end
    end
    if size > 0 then redis.call('PEXPIRE', wk, ttl) end
    if crossed or redis.call('EXISTS', ok) == 1 then redis.call('PEXPIRE', ok, ttl) end
  end
  res[2 * e - 1] = table.concat(flat, ',')
  res[2 * e] = table.concat(redis.call('SMEMBERS', ok), ',')
end
return res
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** numKeys, then KEYS and ARGV as UPDATE_SCRIPT says. */
    zmEntityUpdate(numKeys: number, ...keysAndArgs: string[]): Result<string[], Context>;
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
  /**
   * Applies the changes atomically per entity, several entities per script call (on a Redis
   * Cluster one per entity: each has its own hash tag), pipelined: one round trip.
   */
  update(updates: readonly WindowUpdate[]): Promise<WindowUpdates>;
  /** The members' re-evaluation requests were produced: remove them from the outboxes (one round trip). */
  confirm(recheck: ReadonlyMap<string, readonly string[]>): Promise<void>;
}

export function createEntityStore(redis: RedisClient, prefix: string, cfg: EntitySignalsConfig): EntityStore {
  redis.defineCommand('zmEntityUpdate', { lua: UPDATE_SCRIPT });
  const params: string[] = [];
  for (const kind of KINDS) {
    const w = windowParams(kind, cfg);
    params.push(
      String(w.windowMs),
      String(w.threshold),
      String(w.retention),
      String(w.maxEntries),
      String(w.retention + REPLAY_GRACE_MS),
    );
  }
  const kindIndex = new Map(KINDS.map((k, i) => [k, String(i + 1)]));
  // Each entity's keys have their own hash tag (its slot): a Redis Cluster takes one entity per call.
  const perCall = isRedisCluster(redis) ? 1 : ENTITIES_PER_CALL;
  return {
    async update(updates) {
      const windows = new Map<string, EntityWindow>();
      const recheck = new Map<string, string[]>();
      if (updates.length === 0) return { windows, recheck };
      const groups: Array<(p: ChainableCommander) => void> = [];
      for (let from = 0; from < updates.length; from += perCall) {
        const chunk = updates.slice(from, from + perCall);
        const keys: string[] = [];
        const args = params.slice();
        for (const u of chunk) {
          keys.push(entityWindowKey(prefix, u.key), entityOutboxKey(prefix, u.key));
          args.push(kindIndex.get(u.kind)!, String(u.changes.length));
          for (const c of u.changes) args.push(c.vin, c.time === null ? '' : String(c.time));
        }
        groups.push((p) => void p.zmEntityUpdate(keys.length, ...keys, ...args));
      }
      const res = await execPipeline({ exec: () => execSlotGroups(redis, groups) }, 'entity update');
      let i = 0;
      for (const reply of res as string[][]) {
        for (let j = 0; j < reply.length; j += 2) {
          const key = updates[i++]!.key;
          windows.set(key, parseWindow(reply[j]!));
          if (reply[j + 1] !== '') recheck.set(key, reply[j + 1]!.split(','));
        }
      }
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

/** A window as the script returns it: "VIN,time,VIN,time,..." ('' when empty). */
function parseWindow(flat: string): EntityWindow {
  const w: EntityWindow = new Map();
  if (flat === '') return w;
  const parts = flat.split(',');
  for (let j = 0; j < parts.length; j += 2) w.set(parts[j]!, Number(parts[j + 1]));
  return w;
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
