import type { Report } from './figures.js';

/** The report's tables that can be exported, one CSV each. */
export const CSV_SECTIONS = [
  'rows',
  'topRegistrants',
  'topExporters',
  'destinations',
  'daysToExport',
] as const;
export type CsvSection = (typeof CSV_SECTIONS)[number];

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet does not run it. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = Array.isArray(v) ? v.join(' ') : String(v);
  if (/^[=+\-@]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One table of a report as CSV (header line first, CRLF line ends). */
export function reportCsv(report: Report, section: CsvSection = 'rows'): string {
  const rows = report[section] as unknown as ReadonlyArray<Record<string, unknown>>;
  const columns = rows.length
    ? Object.keys(rows[0]!)
    : section === 'rows'
      ? ['month', 'jurisdiction']
      : ['id'];
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
