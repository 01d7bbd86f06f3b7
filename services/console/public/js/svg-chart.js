import { s } from './svg.js';

/**
 * Category charts (months, jurisdictions, destinations) drawn as SVG: every category has its label
 * under the axis (rotated when there are many or they are long, abbreviated with the full text in a
 * tooltip), and every category is a focusable group whose values show on hover and keyboard focus and
 * are read out by screen readers. No library: uPlot draws its axes on a canvas, where the labels of
 * bar charts went missing and nothing could be focused or checked.
 */
const WIDTH = 640;
const PLOT_HEIGHT = 200;
const MARGIN = { left: 56, right: 12, top: 30 };
const CHAR_PX = 6.5;
const MAX_ROTATED_CHARS = 16;

function niceMax(max) {
  if (!(max > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

/** Short enough to fit: the whole label, or its start and an ellipsis. */
export function abbreviate(label, maxChars) {
  return label.length <= maxChars ? label : `${label.slice(0, Math.max(1, maxChars - 1))}…`;
}

/**
 * @param {{ title: string, labels: string[], series: {label: string, color: string, values: (number|null)[]}[],
 *           kind?: 'bars'|'lines', format: (v: number|null) => string, integers?: boolean }} opts
 *   integers: counts, so the four grid steps are whole numbers
 */
export function categoryChart({ title, labels, series, kind = 'bars', format, integers = false }) {
  const n = labels.length;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const band = plotW / Math.max(1, n);
  const longest = Math.max(0, ...labels.map((l) => l.length));
  const rotate = longest * CHAR_PX > band - 4;
  const maxChars = rotate ? MAX_ROTATED_CHARS : Math.max(2, Math.floor((band - 4) / CHAR_PX));
  const shownChars = Math.min(longest, maxChars);
  const bottom = rotate ? Math.ceil(shownChars * CHAR_PX * 0.75) + 16 : 22;
  const height = MARGIN.top + PLOT_HEIGHT + bottom;
  const values = series.flatMap((x) => x.values).filter((v) => v !== null && v !== undefined);
  const raw = niceMax(Math.max(0, ...values));
  const top = integers ? Math.max(4, Math.ceil(raw / 4) * 4) : raw;
  const y = (v) => MARGIN.top + PLOT_HEIGHT - (v / top) * PLOT_HEIGHT;
  const cx = (i) => MARGIN.left + band * (i + 0.5);

  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: '100%',
    class: 'category-chart',
    role: 'group',
    'aria-label': title,
  });
  // Grid and y axis: five ticks from 0 to the rounded-up maximum.
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    svg.append(
      s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: MARGIN.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, format(v)),
    );
  }
  // Legend.
  let lx = MARGIN.left;
  for (const x of series) {
    svg.append(
      s('rect', { x: lx, y: 8, width: 10, height: 10, fill: x.color }),
      s('text', { x: lx + 14, y: 17, class: 'legend' }, x.label),
    );
    lx += 24 + x.label.length * CHAR_PX;
  }
  if (kind === 'lines') {
    for (const x of series) {
      const pts = x.values
        .map((v, i) => (v === null || v === undefined ? null : `${cx(i)},${y(v)}`))
        .filter(Boolean);
      svg.append(s('polyline', { points: pts.join(' '), fill: 'none', stroke: x.color, 'stroke-width': 2 }));
    }
  }
  const barW = (band * 0.8) / Math.max(1, series.length);
  labels.forEach((label, i) => {
    const spoken = series.map((x) => `${x.label} ${format(x.values[i] ?? null)}`).join(', ');
    const group = s('g', {
      class: 'category',
      tabindex: 0,
      role: 'img',
      'aria-label': `${label}: ${spoken}`,
    });
    group.append(
      s(
        'title',
        {},
        `${label}\n${series.map((x) => `${x.label}: ${format(x.values[i] ?? null)}`).join('\n')}`,
      ),
      s('rect', { x: MARGIN.left + band * i, y: MARGIN.top, width: band, height: PLOT_HEIGHT, class: 'hit' }),
    );
    series.forEach((x, k) => {
      const v = x.values[i];
      if (v === null || v === undefined) return;
      if (kind === 'bars') {
        const x0 = MARGIN.left + band * i + band * 0.1 + barW * k;
        group.append(
          s('rect', { x: x0, y: y(v), width: Math.max(1, barW - 1), height: y(0) - y(v), fill: x.color }),
        );
      } else group.append(s('circle', { cx: cx(i), cy: y(v), r: 3, fill: x.color }));
    });
    const highest = Math.max(0, ...series.map((x) => x.values[i] ?? 0));
    group.append(
      s(
        'text',
        { x: cx(i), y: Math.max(MARGIN.top - 2, y(highest) - 6), 'text-anchor': 'middle', class: 'value' },
        series.map((x) => format(x.values[i] ?? null)).join(' / '),
      ),
    );
    const ly = MARGIN.top + PLOT_HEIGHT + 14;
    group.append(
      s(
        'text',
        rotate
          ? {
              x: cx(i),
              y: ly,
              'text-anchor': 'end',
              transform: `rotate(-45 ${cx(i)} ${ly})`,
              class: 'category-label',
              'data-label': label,
            }
          : { x: cx(i), y: ly, 'text-anchor': 'middle', class: 'category-label', 'data-label': label },
        abbreviate(label, maxChars),
      ),
    );
    svg.append(group);
  });
  return wrap(title, svg);
}

function wrap(title, svg) {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  figure.append(caption, svg);
  return figure;
}
