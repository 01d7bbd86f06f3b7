import { existsSync } from 'node:fs';
import {
  createReportClient,
  InsightsUnavailableError,
  CSV_SECTIONS,
  DRILL_DOWNS,
  parseReportQuery,
  reportCsv,
  ReportQueryError,
  type CsvSection,
  type Report,
  type ReportQuery,
} from '@zmwatch/insights/client';
import { str, type CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatCount, formatTable } from '../table.js';

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);

export function formatReport(r: Report): string {
  const by = r.query.by;
  const out = [
    `insights ${r.query.since.slice(0, 10)} .. ${r.query.until.slice(0, 10)}` +
      `${r.query.jurisdictions.length ? ` (${r.query.jurisdictions.join(', ')})` : ''}` +
      ' — cohorts by month of first registration, exports by month of declaration',
    '',
    formatTable(
      r.rows,
      [
        { header: 'month', value: (x) => x.month },
        { header: 'jurisdiction', value: (x) => x.jurisdiction },
        ...(by ? [{ header: by, value: (x: Report['rows'][number]) => x.dimension ?? null, max: 32 }] : []),
        { header: 'first reg', value: (x) => formatCount(x.firstRegistrations), align: 'right' },
        { header: 'used ≤30d', value: (x) => formatCount(x.exportedUsedWithin30d), align: 'right' },
        { header: '≤90d', value: (x) => formatCount(x.exportedUsedWithin90d), align: 'right' },
        { header: '≤180d', value: (x) => formatCount(x.exportedUsedWithin180d), align: 'right' },
        { header: '90d share', value: (x) => pct(x.shareExportedWithin90d), align: 'right' },
        { header: 'used exports', value: (x) => formatCount(x.usedExports), align: 'right' },
        { header: 'flagged', value: (x) => formatCount(x.flaggedExports), align: 'right' },
        { header: 'confirmed', value: (x) => formatCount(x.confirmedExports), align: 'right' },
        { header: 'flagged %', value: (x) => pct(x.flaggedShare), align: 'right' },
        { header: 'confirmed %', value: (x) => pct(x.confirmedShare), align: 'right' },
      ],
      '(no figures in this range: is the insights sink consuming?)',
    ),
  ];
  const top = (title: string, rows: Report['topExporters']) =>
    out.push(
      '',
      title,
      formatTable(rows, [
        { header: 'id', value: (x) => x.id, max: 40 },
        { header: 'flagged', value: (x) => formatCount(x.flaggedExports), align: 'right' },
        { header: 'confirmed', value: (x) => formatCount(x.confirmedExports), align: 'right' },
        { header: 'used exports', value: (x) => formatCount(x.usedExports), align: 'right' },
        { header: 'cases (VIN)', value: (x) => x.sampleVins.join(' '), max: 60 },
      ]),
    );
  top('top first registrants by flagged exports', r.topRegistrants);
  top('top exporters by flagged exports', r.topExporters);
  out.push(
    '',
    'destinations',
    formatTable(r.destinations, [
      { header: 'destination', value: (x) => x.destination },
      { header: 'used exports', value: (x) => formatCount(x.usedExports), align: 'right' },
      { header: 'share', value: (x) => pct(x.shareOfUsedExports), align: 'right' },
      { header: 'flagged', value: (x) => formatCount(x.flaggedExports), align: 'right' },
      { header: 'flagged %', value: (x) => pct(x.flaggedShare), align: 'right' },
    ]),
    '',
    'days from first registration to used export',
    formatTable(r.daysToExport, [
      { header: 'days', value: (x) => x.bucket },
      { header: 'used exports', value: (x) => formatCount(x.usedExports), align: 'right' },
      { header: 'flagged', value: (x) => formatCount(x.flaggedExports), align: 'right' },
    ]),
  );
  return out.join('\n');
}

/**
 * From the running sink; when none answers (a demo that has ended), from its DuckDB file opened
 * read-only with the same queries. DuckDB is loaded only then.
 */
async function fetchReport(url: string, db: string, query: ReportQuery): Promise<Report> {
  try {
    return await createReportClient(url).report(query);
  } catch (err) {
    if (!(err instanceof InsightsUnavailableError) || !existsSync(db)) throw err;
    const { openReadOnly, runReport } = await import('@zmwatch/insights');
    const file = await openReadOnly(db);
    try {
      return await runReport(file.reader, query);
    } finally {
      file.close();
    }
  }
}

export const reportCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['report'],
    summary:
      'insights figures per month and jurisdiction (first registrations, used exports within 30/90/180 days, zero-mileage share, top entities, destinations) from the insights sink, or its file when none runs',
    usage: `[--since YYYY-MM[-DD]] [--until YYYY-MM[-DD]] [--jurisdiction CN-GD,...] [--by ${DRILL_DOWNS.join('|')}] [--top N] [--csv ${CSV_SECTIONS.join('|')}]`,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      jurisdiction: { type: 'string' },
      by: { type: 'string' },
      top: { type: 'string' },
      csv: { type: 'string' },
    },
    async run({ io, config, values, json }) {
      let query;
      try {
        query = parseReportQuery({
          since: str(values, 'since'),
          until: str(values, 'until'),
          jurisdiction: str(values, 'jurisdiction'),
          by: str(values, 'by'),
          top: str(values, 'top'),
        });
      } catch (err) {
        if (err instanceof ReportQueryError) throw new UsageError(`--${err.message}`);
        throw err;
      }
      const csv = str(values, 'csv');
      if (csv !== undefined && !CSV_SECTIONS.includes(csv as CsvSection))
        throw new UsageError(`--csv must be one of ${CSV_SECTIONS.join(', ')}`);
      const report = await fetchReport(config.insightsUrl, config.insightsDb, query);
      if (csv !== undefined) io.out(reportCsv(report, csv as CsvSection).trimEnd());
      else io.out(json ? JSON.stringify(report) : formatReport(report));
      return EXIT.ok;
    },
  },
];
