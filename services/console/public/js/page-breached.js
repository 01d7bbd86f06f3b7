import { get } from './api.js';
import { h, mount } from './dom.js';
import { caseTable } from './case-table.js';

/** Supervisors: escalated cases and open ones already past their SLA. */
export async function renderBreached(view) {
  const data = await get('/api/cases/breached?pageSize=100');
  mount(
    view,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Breached SLA'),
      h(
        'p',
        { class: 'muted' },
        'Escalated cases and open cases past their SLA. Open a case to reassign it.',
      ),
    ),
    h('div', { class: 'card' }, caseTable(data.cases, { empty: 'No case has breached its SLA.' })),
  );
}
