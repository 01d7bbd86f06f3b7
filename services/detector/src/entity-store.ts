/**
 * Entity windows in Redis (logic in entity-windows.ts). One sorted set per entity, member = VIN,
 * score = event time (ms) of its observation:
 *
 *   <prefix>:{e:<entity key>}:w      e.g. zm:{e:c:CN-SH:20515}:w, zm:{e:x:91310000MA1EXP}:w
 *
 * The entity key is the hash tag, so the one key a script call touches sits in one slot on Redis
 * Cluster. Bounded like the VIN state: the observe script drops members older than the kind's
 * retention before the newest, keeps at most maxEntries (the oldest go), and sets a TTL of the
 * retention plus 8 days (replays of the 7-day input topics still find their entries). A VIN observed
 * twice (a retried batch, a re-evaluation) is one member: observing is idempotent.
 */
import type { ChainableCommander, Result } from 'ioredis';
import { execSlotGroups, type RedisClient } from '@zmwatch/kit';
import {
  addToWindow,
  retentionMs,
  type EntityKind,
  type EntityObservation,
  type EntityWindow,
} from './entity-windows.js';
import { execPipeline } from './redis-store.js';
import type { EntitySignalsConfig } from './ruleset.js';

const REPLAY_GRACE_MS = 8 * 86_400_000;

/** KEYS[1] window; ARGV vin, time, retentionMs, maxEntries, ttlMs. */
const OBSERVE_SCRIPT = `
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (tonumber(newest) - tonumber(ARGV[3])))
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[4])
if n > max then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return n
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    zmEntityObserve(key: string, ...args: string[]): Result<number, Context>;
  }
}

export const entityWindowKey = (prefix: string, entityKey: string): string => `${prefix}:{e:${entityKey}}:w`;

export interface EntityObservationOf extends EntityObservation {
  vin: string;
}

export interface EntityStore {
  /** Records observations (one script call per entity, pipelined: one round trip). */
  observe(observations: readonly EntityObservationOf[]): Promise<void>;
  /** Reads windows (one round trip); an absent key reads as an empty window. */
  read(keys: readonly string[]): Promise<Map<string, EntityWindow>>;
}

export function createEntityStore(redis: RedisClient, prefix: string, cfg: EntitySignalsConfig): EntityStore {
  redis.defineCommand('zmEntityObserve', { numberOfKeys: 1, lua: OBSERVE_SCRIPT });
  return {
    async observe(observations) {
      if (observations.length === 0) return;
      // Each entity's key has its own hash tag: one group per key, so a Redis Cluster gets one
      // pipeline per slot and a single server still one round trip.
      const groups = observations.map((o) => (p: ChainableCommander) => {
        const retention = retentionMs(o.kind, cfg);
        p.zmEntityObserve(
          entityWindowKey(prefix, o.key),
          o.vin,
          String(o.time),
          String(retention),
          String(cfg.maxEntries),
          String(retention + REPLAY_GRACE_MS),
        );
      });
      await execPipeline({ exec: () => execSlotGroups(redis, groups) }, 'entity observe');
    },
    async read(keys) {
      const unique = [...new Set(keys)];
      const out = new Map<string, EntityWindow>();
      if (unique.length === 0) return out;
      const groups = unique.map(
        (k) => (p: ChainableCommander) => void p.zrange(entityWindowKey(prefix, k), 0, -1, 'WITHSCORES'),
      );
      const res = await execPipeline({ exec: () => execSlotGroups(redis, groups) }, 'entity read');
      unique.forEach((k, i) => {
        const flat = res[i] as string[];
        const w: EntityWindow = new Map();
        for (let j = 0; j < flat.length; j += 2) w.set(flat[j]!, Number(flat[j + 1]));
        out.set(k, w);
      });
      return out;
    },
  };
}

/** The in-memory twin of observe (the quality model and backtests use it; same bounds). */
export function observeInMemory(
  windows: Map<string, EntityWindow>,
  observations: readonly EntityObservationOf[],
  cfg: EntitySignalsConfig,
): void {
  for (const o of observations) {
    const w = windows.get(o.key) ?? new Map<string, number>();
    addToWindow(w, o.vin, o.time, retentionMs(o.kind as EntityKind, cfg), cfg.maxEntries);
    windows.set(o.key, w);
  }
}
