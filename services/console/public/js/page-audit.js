import { get } from './api.js';
import { h, mount } from './dom.js';
import { dateTime, num } from './format.js';

const ACTIONS = ['', 'VIEW_CASE', 'VIEW_ENTITY', 'EXPORT_CSV', 'VIEW_AUDIT'];
const FILTERS = ['user', 'subject', 'action', 'since', 'until'];

function subjectLink(e) {
  if (e.subjectKind === 'case' || e.subjectKind === 'ring-case')
    return h('a', { href: `#/cases/${encodeURIComponent(e.subjectId)}` }, e.subjectId);
  if (e.subjectKind === 'entity') return h('a', { href: `#/entities/${e.subjectId}` }, e.subjectId);
  return `${e.subjectKind}: ${e.subjectId}`;
}

/** Supervisors: who viewed which case or entity page and who exported what, from where; CSV export. */
export async function renderAudit(view, ctx) {
  const query = new URLSearchParams();
  for (const f of FILTERS) if (ctx.params.get(f)) query.set(f, ctx.params.get(f));
  const page = await get(`/api/audit?${query}`);
  const input = (name, attrs = {}) =>
    h('label', {}, name, ' ', h('input', { name, value: ctx.params.get(name) ?? '', ...attrs }));
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (ev) => {
        ev.preventDefault();
        const next = new URLSearchParams();
        for (const [k, v] of new FormData(ev.target)) if (String(v).trim()) next.set(k, String(v).trim());
        ctx.navigate(`/audit?${next}`);
      },
    },
    input('user', { placeholder: 'user id' }),
    input('subject', { placeholder: 'VIN, entity, section' }),
    h(
      'label',
      {},
      'action ',
      h(
        'select',
        { name: 'action' },
        ACTIONS.map((a) =>
          h('option', { value: a, selected: (ctx.params.get('action') ?? '') === a }, a || 'any'),
        ),
      ),
    ),
    input('since', { placeholder: '2026-12-01' }),
    input('until', { placeholder: '2026-12-08' }),
    h('button', { type: 'submit' }, 'Filter'),
    h(
      'a',
      { class: 'button', href: `/api/audit.csv?${query}`, download: 'zmwatch-access-audit.csv' },
      'Export CSV',
    ),
  );
  mount(
    view,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Access audit'),
      h(
        'p',
        { class: 'muted' },
        `Every view of a case or entity page and every CSV export: who, when, what, from where. Kept ${num(page.retentionDays)} days. Newest first.`,
      ),
    ),
    h('div', { class: 'card' }, form),
    page.truncated
      ? h(
          'p',
          { class: 'notice', role: 'status' },
          `Only the newest ${num(page.scanned)} records were read: narrow the time range to see older ones.`,
        )
      : null,
    page.undecodable > 0
      ? h(
          'p',
          { class: 'notice', role: 'status' },
          `${num(page.undecodable)} audit record(s) could not be decoded.`,
        )
      : null,
    h(
      'div',
      { class: 'card' },
      page.entries.length === 0
        ? h('p', { class: 'muted' }, 'No access matches.')
        : h(
            'table',
            { class: 'audit' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['When', 'User', 'Role', 'Action', 'What', 'From', 'Detail'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              page.entries.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', {}, dateTime(new Date(e.at).toISOString())),
                  h('td', {}, e.userId),
                  h('td', {}, e.role),
                  h('td', {}, e.action),
                  h('td', {}, subjectLink(e)),
                  h('td', {}, e.clientAddress),
                  h('td', { class: 'muted' }, e.detail ?? ''),
                ),
              ),
            ),
          ),
    ),
  );
}
