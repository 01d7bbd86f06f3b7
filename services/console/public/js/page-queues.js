import { get } from './api.js';
import { h, mount } from './dom.js';
import { caseTable } from './case-table.js';
import { dateTime } from './format.js';
import { getMeta } from './meta.js';
import { typologyLabel } from './page-alerts.js';

/** A case status as the status filter names it. */
const statusLabel = (s) =>
  s === 'open' ? 'Open, unclaimed' : s.charAt(0).toUpperCase() + s.slice(1).replaceAll('_', ' ');

/** A filter of several choices: checkboxes named `name`, those in the comma list `chosen` checked. */
function checkGroup(legend, name, values, chosen, text = (v) => v) {
  const selected = new Set((chosen ?? '').split(',').filter(Boolean));
  return h(
    'fieldset',
    { class: 'sev' },
    h('legend', {}, legend),
    values.map((v) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name, value: v, checked: selected.has(v) }),
        text(v),
      ),
    ),
  );
}

/** Analysts' queues: filters and sort live in the URL (#/queues?queue=…&severity=…) so views can be shared. */
export async function renderQueues(view, ctx) {
  const [{ queues }, meta] = await Promise.all([get('/api/queues'), getMeta()]);
  const statuses = [['', 'Open (all)'], ...meta.caseStatuses.map((s) => [s, statusLabel(s)])];
  const p = ctx.params;
  const queue = p.get('queue') ?? queues[0];
  const tokens = (p.get('pages') ?? '').split('.').filter(Boolean); // page tokens of the pages before this one
  const query = new URLSearchParams();
  for (const k of [
    'severity',
    'status',
    'destination',
    'registrant',
    'exporter',
    'jurisdiction',
    'typology',
    'assignee',
    'sort',
  ]) {
    if (p.get(k)) query.set(k, p.get(k));
  }
  query.set('queue', queue);
  query.set('pageSize', '25');
  if (tokens.length) query.set('pageToken', tokens[tokens.length - 1]);
  const data = await get(`/api/cases?${query}`);

  const go = (changes) => {
    const next = new URLSearchParams(p);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    ctx.navigate(`/queues?${next}`);
  };

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        const f = new FormData(form);
        go({
          severity: f.getAll('severity').join(','),
          status: String(f.get('status') ?? ''),
          destination: String(f.get('destination') ?? '').trim(),
          registrant: String(f.get('registrant') ?? '').trim(),
          exporter: String(f.get('exporter') ?? '').trim(),
          jurisdiction: String(f.get('jurisdiction') ?? '').trim(),
          typology: f.getAll('typology').join(','),
          assignee: String(f.get('assignee') ?? ''),
          sort: String(f.get('sort') ?? 'sla'),
          pages: '',
        });
      },
    },
    checkGroup('Severity', 'severity', meta.severities, p.get('severity')),
    // A case is listed when it holds any chosen typology (ZmTypologies).
    checkGroup('Typology', 'typology', meta.typologies, p.get('typology'), (t) => ` ${typologyLabel(t)}`),
    h(
      'label',
      {},
      'Status',
      h(
        'select',
        { name: 'status' },
        statuses.map(([v, l]) => h('option', { value: v, selected: (p.get('status') ?? '') === v }, l)),
      ),
    ),
    h(
      'label',
      {},
      'Destination',
      h('input', {
        name: 'destination',
        value: p.get('destination') ?? '',
        placeholder: 'RU',
        size: 4,
        maxlength: 2,
      }),
    ),
    h(
      'label',
      {},
      'Registrant',
      h('input', { name: 'registrant', value: p.get('registrant') ?? '', placeholder: 'party id' }),
    ),
    h(
      'label',
      {},
      'Exporter',
      h('input', { name: 'exporter', value: p.get('exporter') ?? '', placeholder: 'party id' }),
    ),
    h(
      'label',
      {},
      'Jurisdiction',
      h('input', { name: 'jurisdiction', value: p.get('jurisdiction') ?? '', placeholder: 'CN-GD', size: 7 }),
    ),
    h(
      'label',
      {},
      'Assignee',
      h(
        'select',
        { name: 'assignee' },
        [
          ['', 'Anyone'],
          ['me', 'Me'],
          ['none', 'Unassigned'],
        ].map(([v, l]) => h('option', { value: v, selected: (p.get('assignee') ?? '') === v }, l)),
      ),
    ),
    h(
      'label',
      {},
      'Sort',
      h(
        'select',
        { name: 'sort' },
        [
          ['sla', 'SLA due (soonest)'],
          ['age', 'Age (oldest)'],
          ['severity', 'Severity'],
        ].map(([v, l]) => h('option', { value: v, selected: (p.get('sort') ?? 'sla') === v }, l)),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { href: `#/queues?queue=${queue}`, class: 'button' }, 'Reset'),
    ),
  );

  const tabs = h(
    'div',
    { class: 'tabs', role: 'tablist' },
    queues.map((q) =>
      h(
        'a',
        { href: `#/queues?queue=${encodeURIComponent(q)}`, class: q === queue ? 'active' : '', role: 'tab' },
        q,
      ),
    ),
  );

  const pager = h(
    'div',
    { class: 'pager' },
    h(
      'span',
      { class: 'muted' },
      `Page ${tokens.length + 1} · ${data.cases.length} case${data.cases.length === 1 ? '' : 's'}`,
    ),
    h(
      'button',
      {
        type: 'button',
        disabled: tokens.length === 0,
        onclick: () => go({ pages: tokens.slice(0, -1).join('.') }),
      },
      '← Previous',
    ),
    h(
      'button',
      {
        type: 'button',
        disabled: !data.nextPageToken,
        onclick: () => go({ pages: [...tokens, data.nextPageToken].join('.') }),
      },
      'Next →',
    ),
  );

  mount(
    view,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Escalation queues'),
      h('button', { type: 'button', onclick: () => go({}) }, 'Refresh'),
    ),
    tabs,
    h('div', { class: 'card' }, form),
    data.stale
      ? h(
          'div',
          { class: 'card notice', role: 'status', 'data-testid': 'queue-stale' },
          h('strong', {}, 'May be seconds old. '),
          `Temporal's visibility store is slow to answer: this is the listing as of ${dateTime(data.asOf)}.`,
        )
      : null,
    h('div', { class: 'card', 'data-testid': 'queue' }, caseTable(data.cases), pager),
  );
}
