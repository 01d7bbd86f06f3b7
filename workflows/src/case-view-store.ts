/**
 * The case projection: the last state each case workflow committed, written by the case worker (a
 * workflow sink, after each activation that changed the case) and read by the console and the CLI
 * without asking the workflow. A case page is then one Redis GET, however busy the worker is; what it
 * shows is as of `publishedAt`, and `readCase` (case-read.ts) says when that may be behind.
 *
 * One string key per VIN (JSON), hash-tagged by VIN so a Redis Cluster spreads them; it expires a
 * while after the case's retention, so a case that ended and was never touched again leaves nothing.
 */
import { z } from 'zod';
import { DAY_MS } from '@zmwatch/schemas';
import type { RedisClient } from '@zmwatch/kit';
import { caseQueueKey, caseRowKey, caseRowOf, relationKeysOf } from './case-queue-store.js';
import { OPEN_CASE_STATUSES, type CaseState } from './shared.js';

/**
 * `ZM_CASE_VIEWS`, read by the case worker (write the projection) and the console (read it), with
 * kit's `redisEnv` for where: `on` (default) or `off` (case pages query the workflow, as before).
 */
export const caseViewsEnv = {
  ZM_CASE_VIEWS: z.enum(['on', 'off']).default('on'),
};

/** Format version of a stored record: a reader ignores (as missing) a version it does not know. */
export const CASE_VIEW_VERSION = 1;

/** Default key prefix (tests and benchmarks pass their own). */
export const CASE_VIEW_PREFIX = 'zm:case-view:';

/** What the worker stores per case: the state, the run it belongs to, and when it was written. */
export interface CaseViewRecord {
  v: typeof CASE_VIEW_VERSION;
  state: CaseState;
  /** The run whose activation produced this state (a continued or reopened case has a new run). */
  runId: string;
  /** Worker wall-clock time of the write (ms since the epoch). */
  publishedAt: number;
}

export interface CaseViewReader {
  /** The VIN's last stored view, or null (never written, expired, or another format version). */
  read(vin: string): Promise<CaseViewRecord | null>;
}

export interface CaseViewWriter {
  /** Stores the record; the promise settles once Redis acknowledged it (or failed). */
  write(record: CaseViewRecord): Promise<void>;
}

/** A record outlives the case's retention after a decision by a week, then expires. */
export const caseViewTtlMs = (closedRetentionMs: number): number => closedRetentionMs + 7 * DAY_MS;

export const caseViewKey = (vin: string, prefix = CASE_VIEW_PREFIX): string => `${prefix}{${vin}}`;

/** Parses a stored record; null for anything that is not one of this version. */
export function parseCaseView(raw: string | null): CaseViewRecord | null {
  if (raw === null) return null;
  try {
    const r = JSON.parse(raw) as Partial<CaseViewRecord>;
    if (r.v !== CASE_VIEW_VERSION || typeof r.runId !== 'string' || typeof r.publishedAt !== 'number')
      return null;
    if (typeof r.state !== 'object' || r.state === null || typeof r.state.vin !== 'string') return null;
    return r as CaseViewRecord;
  } catch {
    return null;
  }
}

/** Reads the records the worker writes (the console, the CLI). */
export function createCaseViewReader(redis: RedisClient, prefix = CASE_VIEW_PREFIX): CaseViewReader {
  return {
    async read(vin) {
      return parseCaseView(await redis.get(caseViewKey(vin, prefix)));
    },
  };
}

/**
 * Writes records that expire `ttlMs` after their last write (the case worker), each with its queue
 * row and its place in its queue (case-queue-store.ts): the row once Redis has it, so a listing never
 * finds a queue member without its row; out of its queue's set once decided.
 */
export function createCaseViewWriter(
  redis: RedisClient,
  opts: { ttlMs: number; prefix?: string },
): CaseViewWriter {
  const prefix = opts.prefix ?? CASE_VIEW_PREFIX;
  return {
    async write(record) {
      const { state } = record;
      const row = caseRowOf(state, record.runId);
      await Promise.all([
        redis.set(caseViewKey(state.vin, prefix), JSON.stringify(record), 'PX', opts.ttlMs),
        redis.set(caseRowKey(state.vin, prefix), JSON.stringify(row), 'PX', opts.ttlMs),
      ]);
      const queue = caseQueueKey(state.queue, prefix);
      const openedAt = Date.parse(state.openedAt);
      // Its relation sets (related cases) whatever its status; each lives as long as its newest row.
      await Promise.all([
        OPEN_CASE_STATUSES.includes(state.status)
          ? redis.zadd(queue, openedAt, state.vin)
          : redis.zrem(queue, state.vin),
        ...relationKeysOf(row, prefix).flatMap((key) => [
          redis.zadd(key, openedAt, state.vin),
          redis.pexpire(key, opts.ttlMs),
        ]),
      ]);
    },
  };
}
