import type { Report } from './figures.js';
import { REPORT_PATHS } from './report-api-paths.js';
import { reportQueryParams, type ReportQuery } from './report-query.js';

export class InsightsUnavailableError extends Error {
  override readonly name = 'InsightsUnavailableError';
}

/** Asks a running sink (ZM_INSIGHTS_URL) for a report: `zmwatch report` and the console use this. */
export function createReportClient(baseUrl: string, timeoutMs = 30_000) {
  async function get(path: string, q: ReportQuery, extra: Record<string, string> = {}): Promise<Response> {
    const params = reportQueryParams(q);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    const url = `${baseUrl.replace(/\/$/, '')}${path}?${params}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new InsightsUnavailableError(
        `the insights sink at ${baseUrl} did not answer (${(err as Error).message}); is it running?`,
      );
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new Error(`insights sink answered ${res.status}: ${body.error ?? res.statusText}`);
    }
    return res;
  }
  return {
    async report(q: ReportQuery): Promise<Report> {
      return (await (await get(REPORT_PATHS.json, q)).json()) as Report;
    },
    async csv(q: ReportQuery, section: string): Promise<string> {
      return (await get(REPORT_PATHS.csv, q, { section })).text();
    },
  };
}

export type ReportClient = ReturnType<typeof createReportClient>;
