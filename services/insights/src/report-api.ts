import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, type Logger } from '@zmwatch/kit';
import { CSV_SECTIONS, reportCsv, type CsvSection } from './csv.js';
import { runReport } from './figures.js';
import { REPORT_PATHS } from './report-api-paths.js';
import { parseReportQuery, ReportQueryError } from './report-query.js';

/**
 * The report API on the sink's own HTTP port: the DuckDB file belongs to the sink's process (DuckDB
 * allows one writing process), so the CLI and the console ask it rather than opening the file.
 */
export function createReportRoutes(reader: () => DuckDBConnection, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (path !== REPORT_PATHS.json && path !== REPORT_PATHS.csv) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.searchParams;
    void (async () => {
      try {
        const q = parseReportQuery({
          since: p.get('since') ?? undefined,
          until: p.get('until') ?? undefined,
          jurisdiction: p.get('jurisdiction') ?? undefined,
          by: p.get('by') ?? undefined,
          top: p.get('top') ?? undefined,
        });
        const report = await runReport(reader(), q);
        if (path === REPORT_PATHS.json) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report));
          return;
        }
        const section = (p.get('section') ?? 'rows') as CsvSection;
        if (!CSV_SECTIONS.includes(section))
          throw new ReportQueryError(`section must be one of ${CSV_SECTIONS.join(', ')}`);
        res
          .writeHead(200, {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="zmwatch-insights-${section}.csv"`,
          })
          .end(reportCsv(report, section));
      } catch (err) {
        const bad = err instanceof ReportQueryError;
        if (!bad) logger.error({ err: errorMessage(err) }, 'insights report failed');
        res
          .writeHead(bad ? 400 : 500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: errorMessage(err) }));
      }
    })();
    return true;
  };
}
