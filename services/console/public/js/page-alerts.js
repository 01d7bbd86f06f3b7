import { badge, h, mount } from './dom.js';
import { dateTime, relative } from './format.js';
import { getMeta } from './meta.js';

const MAX_SHOWN = 200;

/** What a typology is called on the page (the meta lists the ones the server knows). */
export const TYPOLOGY_LABEL = {
  ZERO_MILEAGE: 'zero-mileage export',
  RING_OR_TRADER: 'straw-buyer ring / trader',
  COMPLIANCE_BREACH: 'compliance breach',
};
export const typologyLabel = (t) => TYPOLOGY_LABEL[t] ?? t;

/** The typologies an alert reached; alerts before contract v3 were zero-mileage alerts. */
const reachedTypologies = (a) =>
  a.typologies?.length ? a.typologies.filter((t) => t.reached).map((t) => t.typology) : ['ZERO_MILEAGE'];

/** Customs' live feed: server-sent events, newest first, filtered by severity and typology on the server. */
export async function renderAlerts(view, ctx) {
  const { severities, typologies } = await getMeta();
  const chosen = new Set((ctx.params.get('severity') ?? '').split(',').filter(Boolean));
  const chosenTypologies = new Set((ctx.params.get('typology') ?? '').split(',').filter(Boolean));
  const query = () => {
    const q = new URLSearchParams();
    if (chosen.size) q.set('severity', [...chosen].join(','));
    if (chosenTypologies.size) q.set('typology', [...chosenTypologies].join(','));
    return q.size ? `?${q}` : '';
  };
  const status = h('span', { class: 'conn', 'data-testid': 'feed-status' }, 'connecting…');
  const list = h('ol', { class: 'feed', 'data-testid': 'feed' });
  const empty = h('p', { class: 'muted' }, 'Waiting for alerts…');
  const filters = h(
    'form',
    { class: 'filters inline' },
    h('span', { class: 'label' }, 'Severity'),
    severities.map((s) =>
      h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          value: s,
          checked: chosen.has(s),
          onchange: (e) => {
            if (e.target.checked) chosen.add(s);
            else chosen.delete(s);
            ctx.navigate(`/alerts${query()}`);
          },
        }),
        badge(s),
      ),
    ),
    h('span', { class: 'label' }, 'Typology'),
    typologies.map((t) =>
      h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          value: t,
          name: 'typology',
          checked: chosenTypologies.has(t),
          onchange: (e) => {
            if (e.target.checked) chosenTypologies.add(t);
            else chosenTypologies.delete(t);
            ctx.navigate(`/alerts${query()}`);
          },
        }),
        ` ${typologyLabel(t)}`,
      ),
    ),
  );
  mount(
    view,
    h('div', { class: 'page-head' }, h('h1', {}, 'Live alerts'), status),
    h('div', { class: 'card' }, filters),
    h('div', { class: 'card' }, empty, list),
  );

  const source = new EventSource(`/api/alerts/stream${query()}`);
  source.addEventListener('ready', () => {
    status.textContent = 'live';
    status.className = 'conn live';
  });
  source.addEventListener('error', () => {
    status.textContent = 'reconnecting…';
    status.className = 'conn';
  });
  source.addEventListener('alert', (e) => {
    const a = JSON.parse(e.data);
    empty.remove();
    list.prepend(alertItem(a, ctx));
    while (list.children.length > MAX_SHOWN) list.lastChild.remove();
  });
  return () => source.close();
}

function alertItem(a, ctx) {
  return h(
    'li',
    { class: `alert s-${a.severity.toLowerCase()}`, 'data-vin': a.vin },
    h(
      'div',
      { class: 'alert-head' },
      badge(a.severity),
      reachedTypologies(a).map((t) => h('span', { class: 'typology', 'data-typology': t }, typologyLabel(t))),
      ctx.can('cases:read')
        ? h('a', { href: `#/cases/${a.vin}`, class: 'mono' }, a.vin)
        : h('span', { class: 'mono' }, a.vin),
      h('span', { class: 'muted' }, `score ${a.score}`),
      a.revision ? h('span', { class: 'muted' }, `revision ${a.revision}`) : null,
      a.status === 'WITHDRAWN' ? badge('withdrawn', 'withdrawn') : null,
      h('span', { class: 'muted right', title: dateTime(a.detectedAt) }, relative(a.detectedAt)),
    ),
    h(
      'div',
      { class: 'alert-body' },
      `${a.destinationCountry} · exporter ${a.exporterId}`,
      a.firstRegistrant ? ` · first registrant ${a.firstRegistrant.id}` : '',
      a.holderAtDeclaration
        ? ` · holder ${a.holderAtDeclaration.id}`
        : a.registrantId
          ? ` · registrant at declaration ${a.registrantId}`
          : '',
      a.jurisdiction ? ` · ${a.jurisdiction}` : '',
      ` · declaration ${a.declarationId}`,
    ),
    h(
      'ul',
      { class: 'alert-rules' },
      a.rules.map((r) =>
        h(
          'li',
          {},
          h('span', { class: 'mono' }, r.ruleId),
          r.typology ? h('span', { class: 'typology' }, typologyLabel(r.typology)) : null,
          ` ${r.evidence}`,
        ),
      ),
    ),
  );
}
