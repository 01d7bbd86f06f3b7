/**
 * What the CLI and the console need to ask a running sink for figures, without loading DuckDB:
 * the report's types, the query parser, the CSV form and the HTTP client.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_PORTS } from '@zmwatch/kit';

export type { Report, ReportRow, Summary, TopEntity, DestinationRow, DaysBucket } from './figures.js';
export {
  parseReportQuery,
  reportQueryParams,
  ReportQueryError,
  DRILL_DOWNS,
  DAY_BUCKETS,
  EXPORT_WINDOWS_DAYS,
  type ReportQuery,
  type DrillDown,
} from './report-query.js';
export { reportCsv, CSV_SECTIONS, type CsvSection } from './csv.js';
export { REPORT_PATHS } from './report-api-paths.js';
export { createReportClient, InsightsUnavailableError, type ReportClient } from './report-client.js';

/** ZM_INSIGHTS_URL: where the sink's report API answers (its default port on this host). */
export const insightsUrlEnv = z.string().url().default(`http://127.0.0.1:${DEFAULT_PORTS.insights}`);

/** Where the sink keeps its DuckDB file under a run folder (the stack's ZM_RUN_DIR, `.zmwatch`). */
export const insightsDbPath = (runDir: string): string => join(runDir, 'data', 'insights.duckdb');
