import { get } from './api.js';
import { h, mount, table } from './dom.js';
import { categoryChart } from './svg-chart.js';

/**
 * Analysts and supervisors: how big the scheme is, where, and who moves the cars. The figures are
 * the insights sink's (the same queries and JSON as `zmwatch report --json`); the range lives in the
 * URL (#/insights?since=2026-01&until=2026-04&jurisdiction=CN-GD&by=maker) so views can be shared.
 */
const FIELDS = ['since', 'until', 'jurisdiction', 'by'];
const SECTIONS = [
  ['rows', 'Rows'],
  ['topRegistrants', 'Top registrants'],
  ['topExporters', 'Top exporters'],
  ['destinations', 'Destinations'],
  ['daysToExport', 'Days to export'],
];

const count = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'));
const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

function totals(report) {
  const sum = (k) => report.byMonth.reduce((n, s) => n + s[k], 0);
  const used = sum('usedExports');
  const share = (a, b) => (b === 0 ? null : Math.round((a / b) * 1e4) / 1e4);
  return {
    firstRegistrations: sum('firstRegistrations'),
    exportedUsedWithin90d: sum('exportedUsedWithin90d'),
    usedExports: used,
    flaggedExports: sum('flaggedExports'),
    confirmedExports: sum('confirmedExports'),
    flaggedShare: share(sum('flaggedExports'), used),
    confirmedShare: share(sum('confirmedExports'), used),
  };
}

const fact = (label, value, testid) =>
  h(
    'div',
    { class: 'fact' },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value', 'data-testid': testid }, value),
  );

function entityTable(rows, what) {
  return table(
    [what, 'Flagged', 'Confirmed', 'Used exports', 'Cases'],
    rows.map((r) =>
      h(
        'tr',
        { 'data-entity': r.id },
        h('td', { class: 'mono small' }, r.id),
        h('td', { class: 'num' }, count(r.flaggedExports)),
        h('td', { class: 'num' }, count(r.confirmedExports)),
        h('td', { class: 'num' }, count(r.usedExports)),
        h(
          'td',
          { class: 'small' },
          r.sampleVins.map((vin) => [h('a', { href: `#/cases/${vin}`, class: 'mono' }, vin), ' ']),
        ),
      ),
    ),
    { empty: 'No flagged exports in this range.' },
  );
}

function rowsTable(report) {
  const by = report.query.by;
  return table(
    [
      'Month',
      'Jurisdiction',
      ...(by ? [by] : []),
      'First reg.',
      'Used ≤30d',
      '≤90d',
      '≤180d',
      '90d share',
      'Used exports',
      'Flagged',
      'Confirmed',
      'Flagged %',
      'Confirmed %',
    ],
    report.rows.map((r) =>
      h(
        'tr',
        { 'data-row': `${r.month} ${r.jurisdiction}${by ? ` ${r.dimension ?? ''}` : ''}` },
        h('td', {}, r.month),
        h('td', {}, r.jurisdiction),
        by ? h('td', { class: 'small' }, r.dimension ?? '—') : null,
        [
          r.firstRegistrations,
          r.exportedUsedWithin30d,
          r.exportedUsedWithin90d,
          r.exportedUsedWithin180d,
        ].map((n) => h('td', { class: 'num' }, count(n))),
        h('td', { class: 'num' }, pct(r.shareExportedWithin90d)),
        [r.usedExports, r.flaggedExports, r.confirmedExports].map((n) => h('td', { class: 'num' }, count(n))),
        h('td', { class: 'num' }, pct(r.flaggedShare)),
        h('td', { class: 'num' }, pct(r.confirmedShare)),
      ),
    ),
    { empty: 'No figures in this range: is the insights sink running and consuming?' },
  );
}

export async function renderInsights(view, ctx) {
  const params = new URLSearchParams();
  for (const f of FIELDS) if (ctx.params.get(f)) params.set(f, ctx.params.get(f));
  const report = await get(`/api/insights/report?${params}`);
  const t = totals(report);

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const next = new URLSearchParams();
        for (const f of FIELDS) {
          const v = String(data.get(f) ?? '').trim();
          if (v) next.set(f, v);
        }
        ctx.navigate(`/insights?${next}`);
      },
    },
    h(
      'label',
      {},
      'Since (month)',
      h('input', { name: 'since', type: 'month', value: ctx.params.get('since') ?? '' }),
    ),
    h(
      'label',
      {},
      'Until (excl.)',
      h('input', { name: 'until', type: 'month', value: ctx.params.get('until') ?? '' }),
    ),
    h(
      'label',
      {},
      'Jurisdictions',
      h('input', {
        name: 'jurisdiction',
        placeholder: 'CN-GD,CN-SH',
        value: ctx.params.get('jurisdiction') ?? '',
      }),
    ),
    h(
      'label',
      {},
      'Drill down by',
      h(
        'select',
        { name: 'by' },
        ['', 'maker', 'exporter', 'destination'].map((b) =>
          h('option', { value: b, selected: (ctx.params.get('by') ?? '') === b }, b || '—'),
        ),
      ),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply')),
  );

  const csvLinks = h(
    'p',
    { class: 'small' },
    'CSV: ',
    SECTIONS.map(([section, label]) => {
      const q = new URLSearchParams(params);
      q.set('section', section);
      return [
        h(
          'a',
          {
            href: `/api/insights/report.csv?${q}`,
            download: `zmwatch-insights-${section}.csv`,
            'data-csv': section,
          },
          label,
        ),
        ' ',
      ];
    }),
  );

  const overTime = h('div', { 'data-testid': 'chart-share-over-time' });
  const perJurisdiction = h('div', { 'data-testid': 'chart-per-jurisdiction' });
  const destinations = h('div', { 'data-testid': 'chart-destinations' });

  mount(
    view,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Insights'),
      h(
        'p',
        { class: 'muted' },
        'Cohorts by month of first registration; exports by month of declaration; jurisdiction of registration.',
      ),
    ),
    h('div', { class: 'card' }, form, csvLinks),
    h(
      'div',
      { class: 'card summary', 'data-testid': 'insights-totals' },
      fact('First registrations', count(t.firstRegistrations), 'total-first-registrations'),
      fact('Exported used ≤ 90 days', count(t.exportedUsedWithin90d), 'total-exported-90d'),
      fact('Used-car exports', count(t.usedExports), 'total-used-exports'),
      fact('Flagged', count(t.flaggedExports), 'total-flagged'),
      fact('Confirmed', count(t.confirmedExports), 'total-confirmed'),
      fact('Zero-mileage share (flagged)', pct(t.flaggedShare), 'total-flagged-share'),
      fact('Zero-mileage share (confirmed)', pct(t.confirmedShare), 'total-confirmed-share'),
    ),
    h(
      'div',
      { class: 'columns' },
      h('div', { class: 'card' }, overTime),
      h('div', { class: 'card' }, perJurisdiction),
    ),
    h(
      'div',
      { class: 'columns' },
      h('div', { class: 'card' }, destinations),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Days from first registration to used export'),
        table(
          ['Days', 'Used exports', 'Flagged'],
          report.daysToExport.map((b) =>
            h(
              'tr',
              {},
              h('td', {}, b.bucket),
              h('td', { class: 'num' }, count(b.usedExports)),
              h('td', { class: 'num' }, count(b.flaggedExports)),
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        { class: 'card', 'data-testid': 'top-registrants' },
        h('h2', {}, 'Top first registrants by flagged exports'),
        entityTable(report.topRegistrants, 'Registrant'),
      ),
      h(
        'div',
        { class: 'card', 'data-testid': 'top-exporters' },
        h('h2', {}, 'Top exporters by flagged exports'),
        entityTable(report.topExporters, 'Exporter'),
      ),
    ),
    h(
      'div',
      { class: 'card', 'data-testid': 'insights-rows' },
      h('h2', {}, 'Per month and jurisdiction'),
      rowsTable(report),
    ),
  );

  if (report.byMonth.length)
    overTime.append(
      categoryChart({
        kind: 'lines',
        format: pct,
        title:
          'Zero-mileage share of used-car exports, and share of first registrations exported used within 90 days',
        labels: report.byMonth.map((s) => s.key),
        series: [
          { label: 'flagged', color: '#dc2626', values: report.byMonth.map((s) => s.flaggedShare) },
          { label: 'confirmed', color: '#7c3aed', values: report.byMonth.map((s) => s.confirmedShare) },
          {
            label: 'exported ≤ 90 d',
            color: '#2563eb',
            values: report.byMonth.map((s) => s.shareExportedWithin90d),
          },
        ],
      }),
    );
  if (report.byJurisdiction.length)
    perJurisdiction.append(
      categoryChart({
        format: count,
        integers: true,
        title: 'Flagged used-car exports per jurisdiction',
        labels: report.byJurisdiction.map((s) => s.key),
        series: [
          {
            label: 'used exports',
            color: '#64748b',
            values: report.byJurisdiction.map((s) => s.usedExports),
          },
          { label: 'flagged', color: '#dc2626', values: report.byJurisdiction.map((s) => s.flaggedExports) },
        ],
      }),
    );
  if (report.destinations.length)
    destinations.append(
      categoryChart({
        format: count,
        integers: true,
        title: 'Destination mix of used-car exports',
        labels: report.destinations.map((d) => d.destination),
        series: [
          { label: 'used exports', color: '#0891b2', values: report.destinations.map((d) => d.usedExports) },
          { label: 'flagged', color: '#dc2626', values: report.destinations.map((d) => d.flaggedExports) },
        ],
      }),
    );
}
