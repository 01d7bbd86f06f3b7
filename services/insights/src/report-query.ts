import { VALUE_RANGES } from '@zmwatch/schemas';

/** What a report covers. Times are UTC epoch ms, half-open [since, until). */
export interface ReportQuery {
  since: number;
  until: number;
  /** ISO 3166-2 codes of registration jurisdictions; empty: all. */
  jurisdictions: string[];
  /** Drill-down: one more column in the rows. */
  by?: DrillDown | undefined;
  /** Length of the top-entity lists. */
  top: number;
}

export const DRILL_DOWNS = ['maker', 'exporter', 'destination'] as const;
export type DrillDown = (typeof DRILL_DOWNS)[number];

/** Windows of the "exported as used within N days of first registration" figures. */
export const EXPORT_WINDOWS_DAYS = [30, 90, 180] as const;

/** Buckets of the registration → export distribution, in days (inclusive bounds). */
export const DAY_BUCKETS: ReadonlyArray<{ label: string; min: number; max: number }> = [
  { label: '0-7', min: 0, max: 7 },
  { label: '8-30', min: 8, max: 30 },
  { label: '31-90', min: 31, max: 90 },
  { label: '91-180', min: 91, max: 180 },
  { label: '181-365', min: 181, max: 365 },
  { label: '>365', min: 366, max: Number.MAX_SAFE_INTEGER },
];

export const DEFAULT_TOP = 10;

export class ReportQueryError extends Error {
  override readonly name = 'ReportQueryError';
}

/** `2026-03` (the month's first day) or `2026-03-15`, UTC; anything else is refused. */
export function parseDay(raw: string, what: string): number {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(raw.trim());
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, m[3] ? Number(m[3]) : 1) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).getUTCMonth() !== Number(m[2]) - 1)
    throw new ReportQueryError(`${what} must be a UTC date YYYY-MM or YYYY-MM-DD, got "${raw}"`);
  return ms;
}

const JURISDICTION = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;

/**
 * One parser for the CLI's options and the HTTP query string, so both mean the same. `until` is
 * exclusive: `--until 2026-04` ends with March.
 */
export function parseReportQuery(input: {
  since?: string | undefined;
  until?: string | undefined;
  jurisdiction?: string | undefined;
  by?: string | undefined;
  top?: string | undefined;
}): ReportQuery {
  const since = input.since ? parseDay(input.since, 'since') : VALUE_RANGES.timeMs.min;
  const until = input.until ? parseDay(input.until, 'until') : VALUE_RANGES.timeMs.max;
  if (until <= since) throw new ReportQueryError('until must be after since');
  const jurisdictions = (input.jurisdiction ?? '')
    .split(',')
    .map((j) => j.trim().toUpperCase())
    .filter(Boolean);
  for (const j of jurisdictions)
    if (!JURISDICTION.test(j))
      throw new ReportQueryError(`jurisdiction must be an ISO 3166-2 code such as CN-GD, got "${j}"`);
  let by: DrillDown | undefined;
  if (input.by) {
    by = DRILL_DOWNS.find((d) => d === input.by);
    if (!by) throw new ReportQueryError(`by must be one of ${DRILL_DOWNS.join(', ')}, got "${input.by}"`);
  }
  let top = DEFAULT_TOP;
  if (input.top !== undefined) {
    top = Number(input.top);
    if (!Number.isInteger(top) || top < 1 || top > 1000)
      throw new ReportQueryError(`top must be an integer from 1 to 1000, got "${input.top}"`);
  }
  return { since, until, jurisdictions, by, top };
}

/** The same query as URL parameters (the console and the CLI ask the sink with these). */
export function reportQueryParams(q: ReportQuery): URLSearchParams {
  const p = new URLSearchParams();
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (q.since !== VALUE_RANGES.timeMs.min) p.set('since', day(q.since));
  if (q.until !== VALUE_RANGES.timeMs.max) p.set('until', day(q.until));
  if (q.jurisdictions.length) p.set('jurisdiction', q.jurisdictions.join(','));
  if (q.by) p.set('by', q.by);
  if (q.top !== DEFAULT_TOP) p.set('top', String(q.top));
  return p;
}
