import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DAY_MS } from '@zmwatch/schemas';
import { DAY_BUCKETS, EXPORT_WINDOWS_DAYS, type DrillDown, type ReportQuery } from './report-query.js';

/**
 * The Insights figures: one module, used by the sink's HTTP API, hence by `zmwatch report` and the
 * console's Insights page alike.
 *
 * Definitions (all per VIN, UTC months):
 *  - a VIN's first registration: its earliest FIRST_REGISTRATION event (jurisdiction, maker and
 *    registrant are that event's);
 *  - a declaration's state: its latest event; one that was ever CANCELLED or REJECTED is no export;
 *  - a VIN's used export: its earliest live declaration whose declared condition is USED;
 *  - flagged: that declaration has an ACTIVE alert (latest revision); confirmed: flagged, and the
 *    VIN's latest case outcome is CONFIRMED;
 *  - cohort figures (first registrations, exported within 30/90/180 days) are counted in the month
 *    of first registration; export figures (used exports, flagged, confirmed, destinations, top
 *    entities, days to export) in the month of the export declaration. The jurisdiction is always
 *    the registration's (UNKNOWN for an export whose registration the sink has not seen).
 */
export interface ReportRow {
  month: string;
  jurisdiction: string;
  /** The drill-down value (maker, exporter id or destination); present only with `by`. */
  dimension?: string | null;
  firstRegistrations: number;
  exportedUsedWithin30d: number;
  exportedUsedWithin90d: number;
  exportedUsedWithin180d: number;
  /** exportedUsedWithin90d / firstRegistrations; null without registrations. */
  shareExportedWithin90d: number | null;
  usedExports: number;
  flaggedExports: number;
  confirmedExports: number;
  /** flaggedExports / usedExports (the zero-mileage share of used-car exports, flagged). */
  flaggedShare: number | null;
  confirmedShare: number | null;
}

export interface TopEntity {
  id: string;
  flaggedExports: number;
  confirmedExports: number;
  usedExports: number;
  /** A few flagged VINs, to open their cases (case-<VIN>). */
  sampleVins: string[];
}

export interface DestinationRow {
  destination: string;
  usedExports: number;
  flaggedExports: number;
  confirmedExports: number;
  /** usedExports / all used exports of the range. */
  shareOfUsedExports: number | null;
  flaggedShare: number | null;
}

export interface DaysBucket {
  bucket: string;
  usedExports: number;
  flaggedExports: number;
}

export interface Summary {
  key: string;
  firstRegistrations: number;
  exportedUsedWithin90d: number;
  shareExportedWithin90d: number | null;
  usedExports: number;
  flaggedExports: number;
  confirmedExports: number;
  flaggedShare: number | null;
  confirmedShare: number | null;
}

export interface Report {
  query: {
    since: string;
    until: string;
    jurisdictions: string[];
    by: DrillDown | null;
    top: number;
  };
  rows: ReportRow[];
  byMonth: Summary[];
  byJurisdiction: Summary[];
  topRegistrants: TopEntity[];
  topExporters: TopEntity[];
  destinations: DestinationRow[];
  daysToExport: DaysBucket[];
}

/** The VIN-level facts every figure is counted from (see the definitions above). */
const BASE = `
first_reg AS (
  SELECT vin,
    arg_min(jurisdiction, event_time) AS jurisdiction,
    arg_min(make, event_time) AS make,
    arg_min(party_id, event_time) AS registrant_id,
    min(event_time) AS reg_time
  FROM registrations WHERE event_type = 'FIRST_REGISTRATION' GROUP BY vin
),
decl AS (
  SELECT declaration_id,
    arg_max(vin, event_time) AS vin,
    arg_max(declared_condition, event_time) AS cond,
    arg_max(exporter_id, event_time) AS exporter_id,
    arg_max(destination_country, event_time) AS destination,
    min(event_time) AS declared_time,
    bool_or(event_type IN ('CANCELLED', 'REJECTED')) AS dead
  FROM declarations WHERE event_type <> 'UNKNOWN' GROUP BY declaration_id
),
exports AS (
  SELECT vin,
    arg_min(declaration_id, declared_time) AS declaration_id,
    arg_min(exporter_id, declared_time) AS exporter_id,
    arg_min(destination, declared_time) AS destination,
    min(declared_time) AS export_time
  FROM decl WHERE NOT dead AND cond = 'USED' GROUP BY vin
),
flags AS (
  SELECT declaration_id, vin, bool_or(status = 'ACTIVE') AS active FROM alerts GROUP BY declaration_id, vin
),
verdict AS (SELECT vin, arg_max(decision, decided_at) AS decision FROM case_outcomes GROUP BY vin),
ex AS (
  SELECT e.vin, e.declaration_id, e.exporter_id, e.destination, e.export_time,
    f.jurisdiction, f.make, f.registrant_id, f.reg_time,
    floor((e.export_time - f.reg_time) / ${DAY_MS})::INTEGER AS days,
    coalesce(g.active, false) AS flagged,
    coalesce(g.active, false) AND v.decision IS NOT DISTINCT FROM 'CONFIRMED' AS confirmed
  FROM exports e
  LEFT JOIN first_reg f ON f.vin = e.vin
  LEFT JOIN flags g ON g.declaration_id = e.declaration_id AND g.vin = e.vin
  LEFT JOIN verdict v ON v.vin = e.vin
)`;

const DIMENSION: Record<DrillDown, { cohort: string; export: string }> = {
  maker: { cohort: 'f.make', export: 'make' },
  exporter: { cohort: 'e.exporter_id', export: 'exporter_id' },
  destination: { cohort: 'e.destination', export: 'destination' },
};

const month = (col: string) => `strftime(epoch_ms(${col}), '%Y-%m')`;
const ratio = (a: string, b: string) => `round(${a}::DOUBLE / nullif(${b}, 0), 4)`;

/** Positional parameters: $1 since, $2 until, then the jurisdictions. */
function params(q: ReportQuery): { values: DuckDBValue[]; inJurisdictions: (col: string) => string } {
  const values: DuckDBValue[] = [BigInt(q.since), BigInt(q.until), ...q.jurisdictions];
  const list = q.jurisdictions.map((_, i) => `$${i + 3}`).join(', ');
  return {
    values,
    inJurisdictions: (col) => (q.jurisdictions.length ? `${col} IN (${list})` : 'true'),
  };
}

function rowsSql(q: ReportQuery, inJ: (col: string) => string): string {
  const d = q.by ? DIMENSION[q.by] : undefined;
  const dimC = d ? `, ${d.cohort} AS dimension` : '';
  const dimE = d ? `, ${d.export} AS dimension` : '';
  const keys = d ? 'month, jurisdiction, dimension' : 'month, jurisdiction';
  const within = EXPORT_WINDOWS_DAYS.map(
    (n) => `count(*) FILTER (WHERE e.vin IS NOT NULL AND e.days BETWEEN 0 AND ${n}) AS w${n}`,
  ).join(',\n    ');
  return `WITH ${BASE},
cohort AS (
  SELECT ${month('f.reg_time')} AS month, f.jurisdiction AS jurisdiction${dimC},
    count(*) AS first_registrations,
    ${within}
  FROM first_reg f LEFT JOIN ex e ON e.vin = f.vin
  WHERE f.reg_time >= $1 AND f.reg_time < $2 AND ${inJ('f.jurisdiction')}
  GROUP BY ALL
),
exp AS (
  SELECT ${month('export_time')} AS month, coalesce(jurisdiction, 'UNKNOWN') AS jurisdiction${dimE},
    count(*) AS used_exports,
    count(*) FILTER (WHERE flagged) AS flagged,
    count(*) FILTER (WHERE confirmed) AS confirmed
  FROM ex
  WHERE export_time >= $1 AND export_time < $2 AND ${inJ("coalesce(jurisdiction, 'UNKNOWN')")}
  GROUP BY ALL
)
SELECT ${keys},
  coalesce(first_registrations, 0)::INTEGER AS "firstRegistrations",
  ${EXPORT_WINDOWS_DAYS.map((n) => `coalesce(w${n}, 0)::INTEGER AS "exportedUsedWithin${n}d"`).join(',\n  ')},
  ${ratio('w90', 'first_registrations')} AS "shareExportedWithin90d",
  coalesce(used_exports, 0)::INTEGER AS "usedExports",
  coalesce(flagged, 0)::INTEGER AS "flaggedExports",
  coalesce(confirmed, 0)::INTEGER AS "confirmedExports",
  ${ratio('flagged', 'used_exports')} AS "flaggedShare",
  ${ratio('confirmed', 'used_exports')} AS "confirmedShare"
FROM cohort FULL OUTER JOIN exp USING (${keys})
ORDER BY month, jurisdiction${d ? ', dimension NULLS LAST' : ''}`;
}

function topSql(col: 'registrant_id' | 'exporter_id', inJ: (col: string) => string): string {
  return `WITH ${BASE}
SELECT ${col} AS id,
  count(*) FILTER (WHERE flagged)::INTEGER AS "flaggedExports",
  count(*) FILTER (WHERE confirmed)::INTEGER AS "confirmedExports",
  count(*)::INTEGER AS "usedExports",
  (list(vin ORDER BY vin) FILTER (WHERE flagged))[1:5] AS "sampleVins"
FROM ex
WHERE export_time >= $1 AND export_time < $2 AND ${inJ("coalesce(jurisdiction, 'UNKNOWN')")}
  AND ${col} IS NOT NULL
GROUP BY ${col}
HAVING count(*) FILTER (WHERE flagged) > 0
ORDER BY "flaggedExports" DESC, id
LIMIT $top`;
}

function destinationsSql(inJ: (col: string) => string): string {
  return `WITH ${BASE}
SELECT destination,
  count(*)::INTEGER AS "usedExports",
  count(*) FILTER (WHERE flagged)::INTEGER AS "flaggedExports",
  count(*) FILTER (WHERE confirmed)::INTEGER AS "confirmedExports",
  round(count(*)::DOUBLE / nullif(sum(count(*)) OVER (), 0), 4) AS "shareOfUsedExports",
  round((count(*) FILTER (WHERE flagged))::DOUBLE / nullif(count(*), 0), 4) AS "flaggedShare"
FROM ex
WHERE export_time >= $1 AND export_time < $2 AND ${inJ("coalesce(jurisdiction, 'UNKNOWN')")}
GROUP BY destination
ORDER BY "usedExports" DESC, destination`;
}

function daysSql(inJ: (col: string) => string): string {
  const bucket = DAY_BUCKETS.map((b, i) => `WHEN days BETWEEN ${b.min} AND ${b.max} THEN ${i}`).join(' ');
  return `WITH ${BASE}
SELECT CASE ${bucket} END AS bucket,
  count(*)::INTEGER AS "usedExports",
  count(*) FILTER (WHERE flagged)::INTEGER AS "flaggedExports"
FROM ex
WHERE export_time >= $1 AND export_time < $2 AND ${inJ("coalesce(jurisdiction, 'UNKNOWN')")}
  AND days >= 0
GROUP BY 1 ORDER BY 1`;
}

async function all<T>(conn: DuckDBConnection, sql: string, values: DuckDBValue[]): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql, values);
  return reader.getRowObjectsJson() as unknown as T[];
}

const share = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 1e4) / 1e4);

/** Sums rows by one key (month or jurisdiction), shares recomputed from the sums. */
export function summarise(rows: readonly ReportRow[], key: (r: ReportRow) => string): Summary[] {
  const sums = new Map<string, Summary>();
  for (const r of rows) {
    const k = key(r);
    const s = sums.get(k) ?? {
      key: k,
      firstRegistrations: 0,
      exportedUsedWithin90d: 0,
      shareExportedWithin90d: null,
      usedExports: 0,
      flaggedExports: 0,
      confirmedExports: 0,
      flaggedShare: null,
      confirmedShare: null,
    };
    s.firstRegistrations += r.firstRegistrations;
    s.exportedUsedWithin90d += r.exportedUsedWithin90d;
    s.usedExports += r.usedExports;
    s.flaggedExports += r.flaggedExports;
    s.confirmedExports += r.confirmedExports;
    sums.set(k, s);
  }
  return [...sums.values()]
    .map((s) => ({
      ...s,
      shareExportedWithin90d: share(s.exportedUsedWithin90d, s.firstRegistrations),
      flaggedShare: share(s.flaggedExports, s.usedExports),
      confirmedShare: share(s.confirmedExports, s.usedExports),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The named queries of the Insights page, for the benchmark's per-query latencies. */
export const REPORT_PARTS = [
  'rows',
  'topRegistrants',
  'topExporters',
  'destinations',
  'daysToExport',
] as const;
export type ReportPart = (typeof REPORT_PARTS)[number];

export async function runReportPart(
  conn: DuckDBConnection,
  q: ReportQuery,
  part: ReportPart,
): Promise<unknown[]> {
  const { values, inJurisdictions } = params(q);
  switch (part) {
    case 'rows':
      return all<ReportRow>(conn, rowsSql(q, inJurisdictions), values);
    case 'topRegistrants':
    case 'topExporters': {
      const col = part === 'topRegistrants' ? 'registrant_id' : 'exporter_id';
      const sql = topSql(col, inJurisdictions).replace('$top', String(q.top));
      return all<TopEntity>(conn, sql, values);
    }
    case 'destinations':
      return all<DestinationRow>(conn, destinationsSql(inJurisdictions), values);
    case 'daysToExport': {
      const got = await all<{ bucket: number; usedExports: number; flaggedExports: number }>(
        conn,
        daysSql(inJurisdictions),
        values,
      );
      return DAY_BUCKETS.map((b, i) => {
        const hit = got.find((g) => Number(g.bucket) === i);
        return {
          bucket: b.label,
          usedExports: hit?.usedExports ?? 0,
          flaggedExports: hit?.flaggedExports ?? 0,
        };
      });
    }
  }
}

/** Every figure of one range, as `zmwatch report --json` prints it and the Insights page shows it. */
export async function runReport(conn: DuckDBConnection, q: ReportQuery): Promise<Report> {
  const rows = (await runReportPart(conn, q, 'rows')) as ReportRow[];
  if (!q.by) for (const r of rows) delete r.dimension;
  return {
    query: {
      since: new Date(q.since).toISOString(),
      until: new Date(q.until).toISOString(),
      jurisdictions: q.jurisdictions,
      by: q.by ?? null,
      top: q.top,
    },
    rows,
    byMonth: summarise(rows, (r) => r.month),
    byJurisdiction: summarise(rows, (r) => r.jurisdiction),
    topRegistrants: (await runReportPart(conn, q, 'topRegistrants')) as TopEntity[],
    topExporters: (await runReportPart(conn, q, 'topExporters')) as TopEntity[],
    destinations: (await runReportPart(conn, q, 'destinations')) as DestinationRow[],
    daysToExport: (await runReportPart(conn, q, 'daysToExport')) as DaysBucket[],
  };
}
