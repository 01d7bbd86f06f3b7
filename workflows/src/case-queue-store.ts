/**
 * The analysts' queues from the case projection (README "Queues"): a queue listing is a few Redis
 * reads, not a visibility query, so a new case is in its queue as soon as the worker has run its
 * first task, however far the visibility store (SQLite on the dev server) lags.
 *
 * Next to each case's record (case-view-store.ts) the worker writes a **row**: the queue summary of
 * the case (what a listing shows and filters on), under the same hash tag as the record. Each queue
 * is a sorted set of the VINs of its undecided cases, scored by opening time (newest first, as
 * visibility lists them). The row is the truth, the set an index: a listing reads the set, then the
 * rows, keeps the rows that are in this queue with an open status and match the filters, and drops
 * from the set what is no longer there (moved, decided, expired). Listings that ask for decided
 * statuses, and breached cases, stay visibility queries (client.ts).
 *
 * Visibility remains the reconciliation: `reconcile` adds to a queue's set the cases visibility lists
 * in it that the set lacks (a case re-routed back and forth while a listing dropped it, cases opened
 * before the projection existed, a Redis that lost its data); a case with no row gets one from its
 * search attributes (`source: 'visibility'`) until the worker writes its own.
 */
import type { RedisClient } from '@zmwatch/kit';
import { DAY_MS } from '@zmwatch/schemas';
import type { CasePage, Paging, QueueFilters } from './client.js';
import type { CaseSummary } from './case-summary.js';
import { caseTypologies } from './case-revisions.js';
import { OPEN_CASE_STATUSES, severityRank, type CaseState, type CaseStatus } from './shared.js';

/** Format version of a row: a reader treats another version as no row. */
export const CASE_ROW_VERSION = 1;

/** A case's queue summary as stored (dates as ISO text). */
export interface CaseRow {
  v: typeof CASE_ROW_VERSION;
  caseId: string;
  vin: string;
  runId: string;
  queue: string;
  status: CaseStatus;
  severity: NonNullable<CaseSummary['severity']>;
  score: number;
  assignee: string | null;
  destination: string | null;
  registrant: string | null;
  firstRegistrant: string | null;
  exporter: string | null;
  jurisdiction: string | null;
  /** ZmTypologies' value (`caseTypologies`); absent from rows written before typologies were. */
  typologies?: string[];
  slaDueAt: string | null;
  openedAt: string;
  /**
   * `worker`: written with the case's record; `visibility`: from search attributes by `reconcile`;
   * `opening`: by the escalator's signal-with-start that opened the case (`admit`), before the worker
   * ran its first task.
   */
  source: 'worker' | 'visibility' | 'opening';
}

/** Keys under the projection's prefix (case-view-store.ts `CASE_VIEW_PREFIX` unless a test gives its own). */
export const caseRowKey = (vin: string, prefix: string): string => `${prefix}row:{${vin}}`;
export const caseQueueKey = (queue: string, prefix: string): string => `${prefix}queue:{${queue}}`;

/**
 * The entities a case relates to others by (the console's related cases): a sorted set per entity of
 * the cases whose row holds it, scored by opening time like a queue, so listing the cases of one
 * first registrant, holder or exporter is a few Redis reads instead of a visibility query.
 */
const RELATIONS = [
  {
    tag: 'fr',
    ofRow: (r: CaseRow) => r.firstRegistrant,
    ofFilters: (f: QueueFilters) => asList(f.firstRegistrant),
  },
  { tag: 'reg', ofRow: (r: CaseRow) => r.registrant, ofFilters: (f: QueueFilters) => asList(f.registrant) },
  { tag: 'exp', ofRow: (r: CaseRow) => r.exporter, ofFilters: (f: QueueFilters) => asList(f.exporter) },
] as const;
export const caseRelationKey = (tag: string, id: string, prefix: string): string =>
  `${prefix}rel:{${tag}:${id}}`;

/** The relation sets a row belongs in (its first registrant, holder and latest exporter). */
export function relationKeysOf(r: CaseRow, prefix: string): string[] {
  return RELATIONS.flatMap((rel) => {
    const id = rel.ofRow(r);
    return id ? [caseRelationKey(rel.tag, id, prefix)] : [];
  });
}

/** The relation sets that hold every case a listing with these filters can show, or null (none filters by an entity). */
function relationKeysFor(f: QueueFilters, prefix: string): string[] | null {
  for (const rel of RELATIONS) {
    const ids = rel.ofFilters(f);
    if (ids?.length) return ids.map((id) => caseRelationKey(rel.tag, id, prefix));
  }
  return null;
}

const isOpen = (s: CaseStatus | null): boolean => s !== null && OPEN_CASE_STATUSES.includes(s);

/** The row of a case state (the same values its search attributes hold). */
export function caseRowOf(state: CaseState, runId: string, source: CaseRow['source'] = 'worker'): CaseRow {
  return {
    v: CASE_ROW_VERSION,
    caseId: state.caseId,
    vin: state.vin,
    runId,
    queue: state.queue,
    status: state.status,
    severity: state.severity,
    score: state.score,
    assignee: state.assignee,
    destination: state.destinationCountry,
    registrant: state.registrantId,
    firstRegistrant: state.firstRegistrantId,
    exporter: state.evidence[state.evidence.length - 1]?.alert.exporterId || null,
    jurisdiction: state.jurisdiction,
    typologies: caseTypologies(state.evidence),
    slaDueAt: state.slaDueAt,
    openedAt: state.openedAt,
    source,
  };
}

function rowOfSummary(c: CaseSummary): CaseRow | null {
  if (c.queue === null || c.status === null || c.severity === null) return null;
  return {
    v: CASE_ROW_VERSION,
    caseId: c.caseId,
    vin: c.vin,
    runId: c.runId,
    queue: c.queue,
    status: c.status,
    severity: c.severity,
    score: c.score ?? 0,
    assignee: c.assignee,
    destination: c.destination,
    registrant: c.registrant,
    firstRegistrant: c.firstRegistrant ?? null,
    exporter: c.exporter ?? null,
    jurisdiction: c.jurisdiction,
    typologies: c.typologies ?? [],
    slaDueAt: c.slaDueAt ? c.slaDueAt.toISOString() : null,
    openedAt: c.openedAt.toISOString(),
    source: 'visibility',
  };
}

export function summaryOfRow(r: CaseRow): CaseSummary {
  return {
    caseId: r.caseId,
    vin: r.vin,
    runId: r.runId,
    queue: r.queue,
    status: r.status,
    severity: r.severity,
    score: r.score,
    assignee: r.assignee,
    destination: r.destination,
    registrant: r.registrant,
    firstRegistrant: r.firstRegistrant,
    exporter: r.exporter,
    jurisdiction: r.jurisdiction,
    typologies: r.typologies ?? [],
    slaDueAt: r.slaDueAt === null ? null : new Date(r.slaDueAt),
    openedAt: new Date(r.openedAt),
    executionStatus: 'RUNNING',
  };
}

export function parseCaseRow(raw: string | null): CaseRow | null {
  if (raw === null) return null;
  try {
    const r = JSON.parse(raw) as Partial<CaseRow>;
    if (r.v !== CASE_ROW_VERSION || typeof r.vin !== 'string' || typeof r.queue !== 'string') return null;
    if (typeof r.openedAt !== 'string' || Number.isNaN(Date.parse(r.openedAt))) return null;
    return r as CaseRow;
  } catch {
    return null;
  }
}

const asList = <T>(v: T | T[] | undefined): T[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

/** True when the queues' sets can answer a listing with these filters: undecided statuses only. */
export function servedByQueueStore(filters: QueueFilters = {}): boolean {
  return (asList(filters.status) ?? OPEN_CASE_STATUSES).every((s) => OPEN_CASE_STATUSES.includes(s));
}

/** True when the projection can answer a listing with these filters (`servedByQueueStore`, or by an entity's relation set). */
export function servedByProjection(filters: QueueFilters = {}): boolean {
  return servedByQueueStore(filters) || RELATIONS.some((rel) => (rel.ofFilters(filters)?.length ?? 0) > 0);
}

/** The filters of a queue listing (client.ts `QueueFilters`) applied to a row, as the visibility query does. */
export function rowMatches(r: CaseRow, f: QueueFilters): boolean {
  const statuses = asList(f.status) ?? OPEN_CASE_STATUSES;
  if (!statuses.includes(r.status)) return false;
  const severities = asList(f.severity);
  if (severities?.length && !severities.includes(r.severity)) return false;
  if (f.assignee !== undefined && r.assignee !== f.assignee) return false;
  if (f.destination !== undefined && r.destination !== f.destination.toUpperCase()) return false;
  if (f.registrant !== undefined && r.registrant !== f.registrant) return false;
  if (f.firstRegistrant !== undefined && r.firstRegistrant !== f.firstRegistrant) return false;
  const exporters = asList(f.exporter);
  if (exporters?.length && (r.exporter === null || !exporters.includes(r.exporter))) return false;
  if (f.jurisdiction !== undefined && r.jurisdiction !== f.jurisdiction) return false;
  const typologies = asList(f.typology);
  if (typologies?.length && !(r.typologies ?? []).some((t) => typologies.includes(t))) return false;
  if (f.vins?.length && !f.vins.includes(r.vin)) return false;
  return true;
}

/** Most severe first, then earliest SLA: the order of a page, as visibility pages are sorted. */
export function bySeverityThenSla(a: CaseSummary, b: CaseSummary): number {
  const rank = (s: CaseSummary['severity']) => (s ? severityRank(s) : 0);
  const d = rank(b.severity) - rank(a.severity);
  if (d !== 0) return d;
  return (a.slaDueAt?.getTime() ?? Infinity) - (b.slaDueAt?.getTime() ?? Infinity);
}

/** Where a page of the projection ends: the opening time and VIN of its last case. */
interface Cursor {
  score: number;
  vin: string;
}
const TOKEN_PREFIX = 'zmq1:';

/** True for a page token this store issued (visibility's tokens are opaque bytes of another shape). */
export function isQueueStoreToken(token: string | undefined): boolean {
  return token !== undefined && Buffer.from(token, 'base64url').toString('latin1').startsWith(TOKEN_PREFIX);
}
const encodeToken = (c: Cursor): string =>
  Buffer.from(`${TOKEN_PREFIX}${c.score}:${c.vin}`, 'latin1').toString('base64url');
function decodeToken(token: string): Cursor {
  const [score, vin] = Buffer.from(token, 'base64url')
    .toString('latin1')
    .slice(TOKEN_PREFIX.length)
    .split(':');
  const n = Number(score);
  if (!Number.isFinite(n) || !vin) throw new Error('not a queue page token');
  return { score: n, vin };
}
/** Newest first; equal opening times by VIN, descending (Redis's reverse order for equal scores). */
const before = (a: Cursor, b: Cursor): boolean => a.score > b.score || (a.score === b.score && a.vin > b.vin);

/** Members read per round trip, and at most per queue per listing (a selective filter on a long queue). */
const SCAN_BATCH = 200;
const SCAN_LIMIT = 5_000;

export interface CaseQueueStore {
  /**
   * A page of cases in any of `queues`, newest first: undecided statuses (`servedByQueueStore`) from
   * the queues' sets; any statuses when the filters name a first registrant, holder or exporter
   * (`servedByProjection`: the console's related cases) from that entity's relation set.
   */
  list(queues: readonly string[], filters?: QueueFilters, paging?: Paging): Promise<CasePage>;
  /**
   * Adds to `queue`'s set the cases visibility lists in it that the set lacks (a row from their
   * search attributes when they have none); returns how many were added.
   */
  reconcile(queue: string, listed: readonly CaseSummary[]): Promise<number>;
  /**
   * A case just opened (the escalator's signal-with-start started its run): its row as the opening
   * foresees it (`caseRowOf(openingState(...), runId, 'opening')`), unless a row is there already,
   * and the case into its queue's set. True when it wrote the row.
   */
  admit(row: CaseRow): Promise<boolean>;
}

/**
 * How long a row made from visibility or at a case's opening lives: it stands in until the worker
 * writes the case's own; one of a case that ended meanwhile goes with it (reconciliation makes it
 * again while visibility lists it).
 */
export const VISIBILITY_ROW_TTL_MS = DAY_MS;

export function createCaseQueueStore(redis: RedisClient, prefix: string): CaseQueueStore {
  const readRows = async (vins: readonly string[]): Promise<(CaseRow | null)[]> =>
    // One GET per row (a Redis Cluster refuses an MGET across slots); sent together.
    (await Promise.all(vins.map((v) => redis.get(caseRowKey(v, prefix))))).map(parseCaseRow);

  /**
   * Up to `limit` rows of one sorted set (a queue's or a relation's) after `after` that `belongs`
   * (still a member: else dropped from the set) and `matches`, and whether more may follow.
   */
  async function scanSet(
    key: string,
    belongs: (row: CaseRow) => boolean,
    matches: (row: CaseRow) => boolean,
    limit: number,
    after: Cursor | undefined,
  ): Promise<{ rows: { row: CaseRow; cursor: Cursor }[]; more: boolean }> {
    const rows: { row: CaseRow; cursor: Cursor }[] = [];
    const gone: string[] = [];
    let offset = 0;
    let more = false;
    try {
      while (offset < SCAN_LIMIT) {
        const flat = await redis.zrevrangebyscore(
          key,
          after ? after.score : '+inf',
          '-inf',
          'WITHSCORES',
          'LIMIT',
          offset,
          SCAN_BATCH,
        );
        const members: Cursor[] = [];
        for (let i = 0; i < flat.length; i += 2) members.push({ vin: flat[i]!, score: Number(flat[i + 1]) });
        offset += members.length;
        const fresh = after ? members.filter((m) => before(after, m)) : members;
        const found = await readRows(fresh.map((m) => m.vin));
        fresh.forEach((m, i) => {
          const row = found[i];
          // Expired, moved to another queue, decided, another exporter: no longer a member (the row is the truth).
          if (!row || !belongs(row)) gone.push(m.vin);
          else if (matches(row) && rows.length < limit) rows.push({ row, cursor: m });
        });
        if (rows.length >= limit) {
          more = true;
          break;
        }
        if (members.length < SCAN_BATCH) break;
        more = offset >= SCAN_LIMIT;
      }
    } finally {
      if (gone.length > 0) await redis.zrem(key, ...gone).catch(() => 0);
    }
    return { rows, more };
  }

  return {
    async list(queues, filters = {}, paging = {}) {
      const pageSize = Math.min(Math.max(paging.pageSize ?? 50, 1), 1000);
      if (queues.length === 0) return { cases: [], nextPageToken: null, source: 'projection' };
      if (filters.vins?.length) {
        // A handful of VINs: their rows directly, not a scan of the queues.
        const rows = (await readRows(filters.vins)).filter(
          (r): r is CaseRow => r !== null && queues.includes(r.queue) && rowMatches(r, filters),
        );
        return {
          cases: rows.slice(0, pageSize).map(summaryOfRow).sort(bySeverityThenSla),
          nextPageToken: null,
          source: 'projection',
        };
      }
      const after = paging.pageToken ? decodeToken(paging.pageToken) : undefined;
      const byQueues = servedByQueueStore(filters);
      const relationKeys = byQueues ? null : relationKeysFor(filters, prefix);
      if (!byQueues && relationKeys === null)
        throw new Error(
          'the projection lists decided statuses only by a first registrant, holder or exporter',
        );
      const scans = await Promise.all(
        relationKeys
          ? relationKeys.map((key) =>
              scanSet(
                key,
                (row) => relationKeysOf(row, prefix).includes(key),
                (row) => queues.includes(row.queue) && rowMatches(row, filters),
                pageSize,
                after,
              ),
            )
          : queues.map((q) =>
              scanSet(
                caseQueueKey(q, prefix),
                (row) => row.queue === q && isOpen(row.status),
                (row) => rowMatches(row, filters),
                pageSize,
                after,
              ),
            ),
      );
      const merged = scans.flatMap((s) => s.rows).sort((a, b) => (before(a.cursor, b.cursor) ? -1 : 1));
      const page = merged.slice(0, pageSize);
      const more = merged.length > pageSize || scans.some((s) => s.more);
      const last = page[page.length - 1];
      return {
        cases: page.map((p) => summaryOfRow(p.row)).sort(bySeverityThenSla),
        nextPageToken: more && last ? encodeToken(last.cursor) : null,
        source: 'projection',
      };
    },

    async reconcile(queue, listed) {
      const key = caseQueueKey(queue, prefix);
      const candidates = listed.filter((c) => c.queue === queue && isOpen(c.status));
      const scores = await Promise.all(candidates.map((c) => redis.zscore(key, c.vin)));
      const missing = candidates.filter((_, i) => scores[i] === null);
      if (missing.length === 0) return 0;
      const rows = await readRows(missing.map((c) => c.vin));
      let added = 0;
      for (const [i, c] of missing.entries()) {
        let row = rows[i] ?? null;
        if (!row) {
          // No row (a case from before the projection, or Redis lost it): one from visibility, unless
          // the worker wrote its own meanwhile (NX).
          row = rowOfSummary(c);
          if (!row) continue;
          await redis.set(caseRowKey(c.vin, prefix), JSON.stringify(row), 'PX', VISIBILITY_ROW_TTL_MS, 'NX');
          row = parseCaseRow(await redis.get(caseRowKey(c.vin, prefix)));
          if (!row) continue;
        }
        if (row.queue !== queue || !isOpen(row.status)) continue;
        await redis.zadd(key, Date.parse(row.openedAt), row.vin);
        added++;
      }
      return added;
    },

    async admit(row) {
      // NX: the worker's row (its first task came first) or an older run's is not overwritten; the
      // worker keeps the set current for its own rows. A case the worker moved or decided between
      // the two commands is dropped from this set by the next listing (the row is the truth).
      const written = await redis.set(
        caseRowKey(row.vin, prefix),
        JSON.stringify(row),
        'PX',
        VISIBILITY_ROW_TTL_MS,
        'NX',
      );
      if (written !== 'OK') return false;
      await redis.zadd(caseQueueKey(row.queue, prefix), Date.parse(row.openedAt), row.vin);
      return true;
    },
  };
}
