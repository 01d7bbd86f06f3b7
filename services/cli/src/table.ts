import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '@zmwatch/schemas';
/** Plain-text tables for terminals: left-aligned text, right-aligned numbers, long cells cut with …. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  align?: 'left' | 'right';
  /** Cells longer than this are truncated (default 48). */
  max?: number;
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((r) =>
    columns.map((c) => {
      const v = c.value(r);
      const text = v === null || v === undefined || v === '' ? '-' : String(v);
      const max = c.max ?? 48;
      return text.length > max ? `${text.slice(0, max - 1)}…` : text;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** 1234567 → "1,234,567". */
export const formatCount = (n: number | null | undefined): string =>
  n === null || n === undefined ? '-' : n.toLocaleString('en-US');

/** Milliseconds as a short human duration: 850ms, 12.3s, 4m05s, 2h10m, 3d04h. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  const neg = ms < 0;
  const a = Math.abs(ms);
  let s: string;
  if (a < SECOND_MS) s = `${Math.round(a)}ms`;
  else if (a < MINUTE_MS) s = `${(a / SECOND_MS).toFixed(1)}s`;
  else if (a < HOUR_MS)
    s = `${Math.floor(a / MINUTE_MS)}m${String(Math.floor((a % MINUTE_MS) / SECOND_MS)).padStart(2, '0')}s`;
  else if (a < DAY_MS)
    s = `${Math.floor(a / HOUR_MS)}h${String(Math.floor((a % HOUR_MS) / MINUTE_MS)).padStart(2, '0')}m`;
  else s = `${Math.floor(a / DAY_MS)}d${String(Math.floor((a % DAY_MS) / HOUR_MS)).padStart(2, '0')}h`;
  return neg ? `-${s}` : s;
}
