import { get } from './api.js';
import { caseHref } from './case-table.js';
import { badge, h, mount, table } from './dom.js';
import { dateTime, num } from './format.js';

export const KIND_LABEL = {
  REGISTRANT: 'First registrant',
  TRANSFEREE: 'Transferee',
  EXPORTER: 'Exporter',
  COHORT: 'Registration cohort',
};

/** An entity (first registrant, transferee, exporter, cohort): its member vehicles with their cases. */
export async function renderEntity(view, ctx, kind, id) {
  const from = ctx.params.get('from');
  const data = await get(
    `/api/entities/${encodeURIComponent(kind)}/${encodeURIComponent(id)}${from ? `?from=${encodeURIComponent(from)}` : ''}`,
  );
  const counts = data.counts;
  mount(
    view,
    h(
      'div',
      { class: 'page-head' },
      from ? h('a', { class: 'back', href: `#/cases/${from}` }, `← case ${from}`) : null,
      h('h1', {}, `${KIND_LABEL[data.kind]} `, h('span', { class: 'mono' }, data.id)),
    ),
    h(
      'div',
      { class: 'summary card', 'data-testid': 'entity-summary' },
      h(
        'div',
        { class: 'fact' },
        h('div', { class: 'label' }, 'Vehicles listed'),
        h('div', { class: 'value' }, num(counts.members)),
      ),
      h(
        'div',
        { class: 'fact' },
        h('div', { class: 'label' }, 'With a case'),
        h('div', { class: 'value' }, num(counts.withCase)),
      ),
      data.memberCount !== null
        ? h(
            'div',
            { class: 'fact' },
            h('div', { class: 'label' }, 'Counted by the detector'),
            h(
              'div',
              { class: 'value' },
              `${num(data.memberCount)}${data.windowDays ? ` in ${data.windowDays} d` : ''}`,
            ),
          )
        : null,
      h(
        'div',
        { class: 'fact' },
        h('div', { class: 'label' }, 'Cases by severity'),
        h(
          'div',
          { class: 'value small' },
          Object.entries(counts.bySeverity).map(([k, n]) => [badge(k), ` ${n} `]),
        ),
      ),
      h(
        'div',
        { class: 'fact' },
        h('div', { class: 'label' }, 'Cases opened'),
        h(
          'div',
          { class: 'value small' },
          data.firstOpenedAt ? `${dateTime(data.firstOpenedAt)} – ${dateTime(data.lastOpenedAt)}` : '—',
        ),
      ),
    ),
    ringCaseCard(data),
    data.truncated
      ? h(
          'p',
          { class: 'notice' },
          'The detector counted more members than its alerts list; this page shows those it knows.',
        )
      : null,
    h(
      'div',
      { class: 'card', 'data-testid': 'entity-members' },
      memberTable(data.members, { empty: 'No member vehicle is known.' }),
    ),
  );
}

/** Member vehicles (`{vin, case}`), each linking its case: an entity page's, a ring case page's. */
export function memberTable(members, opts = {}) {
  return table(
    ['Vehicle', 'Severity', 'Status', 'Queue', 'Assignee', 'Opened'],
    members.map((m) =>
      h(
        'tr',
        { 'data-vin': m.vin },
        h('td', {}, h('a', { href: caseHref(m.vin), class: 'mono' }, m.vin)),
        h('td', {}, m.case?.severity ? badge(m.case.severity) : '—'),
        h('td', {}, m.case?.status ? badge(m.case.status.replace('_', ' '), m.case.status) : 'no case'),
        h('td', {}, m.case?.queue ?? '—'),
        h('td', {}, m.case?.assignee ?? '—'),
        h('td', {}, m.case ? dateTime(m.case.openedAt) : '—'),
      ),
    ),
    opts,
  );
}

/** The entity's ring case (one workflow per entity, opened once its members reached the threshold). */
function ringCaseCard(data) {
  const r = data.ringCase;
  return h(
    'div',
    { class: 'card', 'data-testid': 'entity-ring-case' },
    r
      ? [
          h('strong', {}, 'Ring case: '),
          h('a', { href: caseHref(r.vin), class: 'mono', 'data-testid': 'ring-case-link' }, r.vin),
          ' ',
          r.severity ? badge(r.severity) : null,
          ' ',
          r.status ? badge(r.status.replace('_', ' '), r.status) : null,
          r.assignee ? ` claimed by ${r.assignee}` : '',
        ]
      : h('span', { class: 'muted' }, 'No ring case: one opens when its members reach the ring threshold.'),
  );
}
