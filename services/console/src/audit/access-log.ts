import type { Admin } from 'kafkajs';
import { TOPICS, type AccessAuditEvent, type Codec } from '@zmwatch/schemas';
import type { KafkaPeeker } from '@zmwatch/ops';

export interface AccessLogQuery {
  /** Epoch ms, inclusive; unset: as far back as the scan reaches. */
  since?: number | undefined;
  /** Epoch ms, exclusive; unset: now. */
  until?: number | undefined;
  userId?: string | undefined;
  /** Substring of the subject id (a VIN, an entity, a CSV section). */
  subject?: string | undefined;
  action?: string | undefined;
  /** Newest entries returned at most. */
  limit: number;
}

export interface AccessLogPage {
  /** Newest first. */
  entries: AccessAuditEvent[];
  /** Records read to answer. */
  scanned: number;
  /** True when older records in the range were not read (the scan cap): narrow the range. */
  truncated: boolean;
  /** Records of the audit topic that could not be decoded (counted, never hidden silently). */
  undecodable: number;
}

export interface AccessLogDeps {
  admin: Admin;
  peeker: KafkaPeeker;
  codec: Codec;
  topic: string;
  /** Records read per query at most, newest first from `until` (bounds a request's cost). */
  maxScan: number;
}

const CHUNK = 500;

/**
 * Reads the access audit back from its topic for a supervisor: per partition, the offsets of the time
 * range (`fetchTopicOffsetsByTimestamp`), then at most `maxScan` records of the newest end of it, filtered
 * here. The topic is the store: the console keeps no copy, so every console instance shows the same log
 * and retention is the topic's.
 */
export async function readAccessLog(deps: AccessLogDeps, q: AccessLogQuery): Promise<AccessLogPage> {
  const { admin, peeker, codec, topic } = deps;
  const ends = await admin.fetchTopicOffsets(topic);
  const starts = q.since !== undefined ? await admin.fetchTopicOffsetsByTimestamp(topic, q.since) : undefined;
  const matches: AccessAuditEvent[] = [];
  let scanned = 0;
  let truncated = false;
  let undecodable = 0;
  const budget = Math.max(1, Math.floor(deps.maxScan / Math.max(1, ends.length)));
  for (const p of ends) {
    const high = BigInt(p.high);
    const low = BigInt(p.low);
    const since = starts?.find((s) => s.partition === p.partition);
    const from = since ? BigInt(since.offset) : low;
    let start = high - BigInt(budget);
    if (start < from) start = from;
    else if (start > from) truncated = true;
    if (start < low) start = low;
    for (let offset = start; offset < high;) {
      const chunk = await peeker.read(topic, p.partition, offset, CHUNK);
      if (chunk.length === 0) break;
      for (const m of chunk) {
        scanned++;
        try {
          const e = codec.decodeSync(m.value, TOPICS.accessAudit).record;
          if (matchesQuery(e, q)) matches.push(e);
        } catch {
          undecodable++;
        }
      }
      offset = BigInt(chunk[chunk.length - 1]!.offset) + 1n;
    }
  }
  matches.sort((a, b) => b.at - a.at || (a.accessId < b.accessId ? -1 : 1));
  return { entries: matches.slice(0, q.limit), scanned, truncated, undecodable };
}

export function matchesQuery(e: AccessAuditEvent, q: AccessLogQuery): boolean {
  if (q.since !== undefined && e.at < q.since) return false;
  if (q.until !== undefined && e.at >= q.until) return false;
  if (q.userId !== undefined && e.userId !== q.userId) return false;
  if (q.action !== undefined && e.action !== q.action) return false;
  if (q.subject !== undefined && !e.subjectId.toUpperCase().includes(q.subject.toUpperCase())) return false;
  return true;
}

const CSV_COLUMNS = [
  'at',
  'userId',
  'role',
  'action',
  'subjectKind',
  'subjectId',
  'clientAddress',
  'detail',
  'userAgent',
  'accessId',
] as const;

const csvCell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** RFC 4180 CSV of the entries (times in ISO 8601 UTC), header first. */
export function accessLogCsv(entries: readonly AccessAuditEvent[]): string {
  const rows = entries.map((e) =>
    CSV_COLUMNS.map((c) => {
      const v = e[c];
      return csvCell(c === 'at' ? new Date(v as number).toISOString() : v === null ? '' : String(v));
    }).join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
