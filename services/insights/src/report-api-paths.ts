/** Paths of the sink's report API (GET; query string: since, until, jurisdiction, by, top; CSV: section). */
export const REPORT_PATHS = { json: '/api/insights/report', csv: '/api/insights/report.csv' } as const;
