/** Inline SVG line chart of lag over time, rendered on the server (no chart library, no script). */
import type { ChartSeries } from '@zmwatch/ops';

export type { ChartSeries };

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  unit?: string;
}

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563'];

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** A round axis maximum (1, 2, 5 × 10^n) at or above `v`. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

export function renderLagChart(series: readonly ChartSeries[], opts: ChartOptions = {}): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 220;
  // The legend is one line per series under the title, above the plot, so labels never overlap it.
  const pad = { left: 56, right: 12, top: 30 + 14 * series.length, bottom: 28 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const all = series.flatMap((s) => s.points);
  const title = opts.title
    ? `<text x="${pad.left}" y="16" font-weight="600" fill="#0f172a">${escapeXml(opts.title)}</text>`
    : '';
  // Presentation attributes rather than a <style> element: the chart is also served under a CSP
  // that allows no inline styles.
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(opts.title ?? 'lag over time')}" font-family="system-ui, sans-serif" font-size="11" fill="#475569">`;
  const style = `<rect width="${width}" height="${height}" fill="#ffffff"/>`;
  if (all.length === 0) {
    return `${head}${style}${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no samples yet</text></svg>`;
  }
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  const vMax = niceMax(Math.max(...all.map((p) => p.v)));
  const x = (t: number) => pad.left + (t1 === t0 ? plotW : ((t - t0) / (t1 - t0)) * plotW);
  const y = (v: number) => pad.top + plotH - (v / vMax) * plotH;
  const parts: string[] = [head, style, title];
  for (let i = 0; i <= 5; i++) {
    const v = (vMax * i) / 5;
    const yy = y(v).toFixed(1);
    parts.push(`<line stroke="#e2e8f0" x1="${pad.left}" x2="${width - pad.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(
      `<text x="${pad.left - 6}" y="${yy}" text-anchor="end" dy="4">${formatValue(v)}${opts.unit ?? ''}</text>`,
    );
  }
  parts.push(
    `<line stroke="#94a3b8" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}"/>`,
  );
  parts.push(`<text x="${pad.left}" y="${height - 8}">${escapeXml(clock(t0))}</text>`);
  parts.push(
    `<text x="${width - pad.right}" y="${height - 8}" text-anchor="end">${escapeXml(clock(t1))}</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const color = PALETTE[i % PALETTE.length]!;
    const d = s.points
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"><title>${escapeXml(s.label)}</title></path>`,
    );
    // Mark the latest value (and make a one-sample series visible at all).
    const lastPoint = s.points[s.points.length - 1]!;
    parts.push(
      `<circle cx="${x(lastPoint.t).toFixed(1)}" cy="${y(lastPoint.v).toFixed(1)}" r="3" fill="${color}"/>`,
    );
    const ly = 34 + i * 14;
    parts.push(`<rect x="${pad.left}" y="${ly - 5}" width="12" height="3" fill="${color}"/>`);
    parts.push(`<text x="${pad.left + 18}" y="${ly}">${escapeXml(truncate(s.label, 80))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function formatValue(v: number): string {
  if (v >= 1_000_000) return `${+(v / 1_000_000).toFixed(1)}M`;
  if (v >= 1_000) return `${+(v / 1_000).toFixed(1)}k`;
  return String(+v.toFixed(2));
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 19) + 'Z';
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
