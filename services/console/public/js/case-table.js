import { badge, h, table } from './dom.js';
import { relative } from './format.js';
import { typologyLabel } from './page-alerts.js';

/** A ring case's key is its id (`ring-<kind>-<entity id>`); a vehicle case's, its VIN. */
export const isRingKey = (key) => key.startsWith('ring-');
export const caseHref = (key) => `#/cases/${encodeURIComponent(key)}`;

/** The kind of a queue row: a vehicle's case, or a ring case (one per entity many vehicles share). */
export const kindBadge = (key) => (isRingKey(key) ? badge('ring', 'ring') : badge('vehicle', 'vehicle'));

/** Queue rows, shared by the queues and breached-SLA pages. */
export function caseTable(cases, opts = {}) {
  const now = Date.now();
  return table(
    [
      'Case',
      'Kind',
      'Severity',
      'Typology',
      'Status',
      'Score',
      'Destination',
      // ZmRegistrant: who held the registration when the car was declared for export (often the
      // exporter), not who first registered it.
      'Holder at declaration',
      'Jurisdiction',
      'Assignee',
      'SLA due',
      'Opened',
    ],
    cases.map((c) =>
      h(
        'tr',
        { 'data-vin': c.vin, 'data-kind': isRingKey(c.vin) ? 'ring' : 'vehicle' },
        h('td', {}, h('a', { href: caseHref(c.vin), class: 'mono' }, c.vin)),
        h('td', {}, kindBadge(c.vin)),
        h('td', {}, c.severity ? badge(c.severity) : '—'),
        // ZmTypologies; empty for a case opened before the attribute and not changed since.
        h(
          'td',
          { 'data-testid': 'typologies' },
          c.typologies?.length
            ? c.typologies.map((t) => h('span', { class: 'typology', 'data-typology': t }, typologyLabel(t)))
            : '—',
        ),
        h('td', {}, c.status ? badge(c.status.replace('_', ' '), c.status) : '—'),
        h('td', { class: 'num' }, c.score ?? '—'),
        h('td', {}, c.destination ?? '—'),
        h('td', { class: 'mono small' }, c.registrant ?? '—'),
        h('td', {}, c.jurisdiction ?? '—'),
        h('td', {}, c.assignee ?? h('span', { class: 'muted' }, 'unassigned')),
        h(
          'td',
          { class: c.slaDueAt && Date.parse(c.slaDueAt) < now ? 'breached' : '' },
          c.slaDueAt ? relative(c.slaDueAt, now) : '—',
        ),
        h('td', {}, relative(c.openedAt, now)),
      ),
    ),
    { empty: opts.empty ?? 'No cases match.' },
  );
}
