import {
  createReportClient,
  CSV_SECTIONS,
  InsightsUnavailableError,
  parseReportQuery,
  ReportQueryError,
  type CsvSection,
  type ReportQuery,
} from '@zmwatch/insights/client';
import type { Api } from '../http/api.js';
import { badRequest, HttpError } from '../http/http-error.js';
import { sendJson } from '../http/respond.js';

function queryOf(url: URL): ReportQuery {
  const p = url.searchParams;
  try {
    return parseReportQuery({
      since: p.get('since') ?? undefined,
      until: p.get('until') ?? undefined,
      jurisdiction: p.get('jurisdiction') ?? undefined,
      by: p.get('by') ?? undefined,
      top: p.get('top') ?? undefined,
    });
  } catch (err) {
    if (err instanceof ReportQueryError) throw badRequest(err.message);
    throw err;
  }
}

/**
 * The Insights page's data: the insights sink's figures (the same queries as `zmwatch report`),
 * asked of the sink at `insightsUrl`, as JSON or as one table in CSV.
 */
export function registerInsightsRoutes(api: Api, insightsUrl: string | undefined): void {
  const client = () => {
    if (!insightsUrl) throw new HttpError(503, 'no insights sink configured (ZM_INSIGHTS_URL)');
    return createReportClient(insightsUrl);
  };
  const unavailable = (err: unknown): never => {
    if (err instanceof InsightsUnavailableError) throw new HttpError(503, err.message);
    throw err;
  };

  api.route('GET', '/api/insights/report', 'insights:read', async ({ res, url }) => {
    const report = await client().report(queryOf(url)).catch(unavailable);
    sendJson(res, 200, report);
  });

  api.route('GET', '/api/insights/report.csv', 'insights:read', async ({ res, url }) => {
    const section = (url.searchParams.get('section') ?? 'rows') as CsvSection;
    if (!CSV_SECTIONS.includes(section))
      throw badRequest(`section must be one of ${CSV_SECTIONS.join(', ')}`);
    const csv = await client().csv(queryOf(url), section).catch(unavailable);
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="zmwatch-insights-${section}.csv"`,
      'cache-control': 'no-store',
    });
    res.end(csv);
  });
}
