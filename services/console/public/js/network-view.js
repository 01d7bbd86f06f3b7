import { s } from './svg.js';
import { get } from './api.js';
import { badge, h, table } from './dom.js';

/**
 * The network around a case, drawn as SVG by hand (no library: a two-hop star stays readable at 60
 * vehicles with a radial layout): the vehicle in the centre, its entities on an inner ring, the other
 * vehicles that share each entity in that entity's sector of the outer ring. Every vehicle is coloured
 * by its case's severity (grey: no case) and drawn faded when its case is closed; every node links to
 * its case or entity page. A table beside it says the same for keyboard and screen-reader users.
 */
const W = 760;
const H = 600;
const R_ENTITY = 130;
const R_VEHICLE = 255;
const SEVERITY_COLOUR = { CRITICAL: '#b91c1c', HIGH: '#ea580c', MEDIUM: '#d97706', LOW: '#ca8a04' };
const NO_CASE = '#94a3b8';
const CLOSED = new Set(['confirmed', 'dismissed', 'withdrawn']);
const KIND_LABEL = {
  REGISTRANT: 'first registrant',
  TRANSFEREE: 'transferee',
  EXPORTER: 'exporter',
  COHORT: 'registration cohort',
};

export const entityHref = (e, from) =>
  `#/entities/${e.kind.toLowerCase()}/${encodeURIComponent(e.id)}${from ? `?from=${from}` : ''}`;

const colourOf = (v) => (v.case?.severity ? SEVERITY_COLOUR[v.case.severity] : NO_CASE);
const caseText = (v) => (v.case ? `${v.case.severity ?? '—'} · ${v.case.status ?? '—'}` : 'no case');

/** Positions: entities evenly on the inner ring; each vehicle in the sector of the first entity listing it. */
export function layout(net) {
  const cx = W / 2;
  const cy = H / 2;
  const n = Math.max(1, net.entities.length);
  const drawn = new Set(net.vehicles.map((v) => v.vin));
  const pos = new Map([[net.center, { x: cx, y: cy }]]);
  const sectors = net.entities.map((e, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos.set(`e:${e.kind}/${e.id}`, {
      x: cx + R_ENTITY * Math.cos(angle),
      y: cy + R_ENTITY * Math.sin(angle),
    });
    return { angle, vins: [] };
  });
  const placed = new Set([net.center]);
  net.entities.forEach((e, i) => {
    for (const vin of e.members) {
      if (!drawn.has(vin) || placed.has(vin)) continue;
      placed.add(vin);
      sectors[i].vins.push(vin);
    }
  });
  const width = (2 * Math.PI) / n;
  for (const { angle, vins } of sectors) {
    vins.forEach((vin, k) => {
      const a = vins.length === 1 ? angle : angle - width * 0.42 + (width * 0.84 * k) / (vins.length - 1);
      // Alternate two radii so neighbours in a crowded sector do not touch.
      const r = R_VEHICLE + (vins.length > 12 && k % 2 ? 32 : 0);
      pos.set(vin, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) });
    });
  }
  return pos;
}

function picture(net) {
  const pos = layout(net);
  const byVin = new Map(net.vehicles.map((v) => [v.vin, v]));
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: '100%',
    class: 'network',
    role: 'img',
    'aria-label': `Network of ${net.center}: ${net.entities.length} entities, ${net.vehicles.length} vehicles (the table below lists them)`,
  });
  const edges = s('g', { class: 'edges' });
  const nodes = s('g', { class: 'nodes' });
  svg.append(edges, nodes);
  const c = pos.get(net.center);
  for (const e of net.entities) {
    const p = pos.get(`e:${e.kind}/${e.id}`);
    edges.append(s('line', { x1: c.x, y1: c.y, x2: p.x, y2: p.y, class: 'edge strong' }));
    for (const vin of e.members) {
      const q = pos.get(vin);
      if (!q || vin === net.center) continue;
      edges.append(s('line', { x1: p.x, y1: p.y, x2: q.x, y2: q.y, class: 'edge' }));
    }
    const label = `${KIND_LABEL[e.kind]} ${e.id}${e.memberCount !== null ? ` (${e.memberCount})` : ''}`;
    nodes.append(
      s(
        'a',
        { href: entityHref(e, net.center), class: 'entity-node', 'data-entity': `${e.kind}/${e.id}` },
        s('title', {}, label),
        s('rect', { x: p.x - 9, y: p.y - 9, width: 18, height: 18, rx: 3 }),
        s(
          'text',
          { x: p.x, y: p.y - 13, 'text-anchor': 'middle' },
          label.length > 34 ? `${label.slice(0, 33)}…` : label,
        ),
      ),
    );
  }
  for (const [vin, p] of pos) {
    if (vin.startsWith('e:')) continue;
    const v = byVin.get(vin) ?? { vin, case: null };
    const centre = vin === net.center;
    nodes.append(
      s(
        'a',
        {
          href: `#/cases/${vin}`,
          class: `vehicle-node${centre ? ' centre' : ''}${v.case && CLOSED.has(v.case.status) ? ' closed' : ''}`,
          'data-vin': vin,
        },
        s('title', {}, `${vin}: ${caseText(v)}`),
        s('circle', { cx: p.x, cy: p.y, r: centre ? 13 : 7, fill: colourOf(v) }),
        s(
          'text',
          { x: p.x, y: p.y + (centre ? 27 : 18), 'text-anchor': 'middle' },
          centre ? vin : vin.slice(-6),
        ),
      ),
    );
  }
  return svg;
}

function legend() {
  return h(
    'p',
    { class: 'small muted network-legend' },
    'Vehicles: ',
    Object.entries(SEVERITY_COLOUR).map(([sev, colour]) => [
      h('span', { class: `swatch swatch-${sev.toLowerCase()}`, title: colour }),
      ` ${sev.toLowerCase()} `,
    ]),
    h('span', { class: 'swatch swatch-none' }),
    ' no case · faded: case closed · squares: shared entities (count of members the detector saw)',
  );
}

function entityTable(net) {
  const byVin = new Map(net.vehicles.map((v) => [v.vin, v]));
  return table(
    ['Shared', 'Entity', 'Members counted', 'Rules', 'Vehicles'],
    net.entities.map((e) =>
      h(
        'tr',
        { 'data-entity': `${e.kind}/${e.id}` },
        h('td', {}, KIND_LABEL[e.kind]),
        h('td', { class: 'mono small' }, h('a', { href: entityHref(e, net.center) }, e.id)),
        h(
          'td',
          { class: 'num' },
          e.memberCount === null ? '—' : `${e.memberCount}${e.windowDays ? ` in ${e.windowDays} d` : ''}`,
        ),
        h('td', { class: 'small' }, e.rules.join(', ') || '—'),
        h(
          'td',
          { class: 'small' },
          e.members.map((vin) => {
            const v = byVin.get(vin);
            return [
              h('a', { href: `#/cases/${vin}`, class: 'mono' }, vin),
              ' ',
              v?.case ? badge(v.case.severity ?? '—') : h('span', { class: 'muted' }, v ? 'no case' : ''),
              ' ',
            ];
          }),
          e.truncated
            ? h('span', { class: 'muted' }, `… and ${e.memberCount - e.members.length} more`)
            : null,
        ),
      ),
    ),
    { empty: 'No shared entity is known for this vehicle.' },
  );
}

/** The network card of a case page; loads after the page so the case shows first. */
export function networkSection(vin) {
  const body = h('div', { 'data-testid': 'network' }, h('p', { class: 'muted' }, 'Loading the network…'));
  get(`/api/cases/${vin}/network`)
    .then((net) => {
      const parts = [
        picture(net),
        legend(),
        net.capped
          ? h(
              'p',
              { class: 'notice' },
              'More vehicles share these entities than are drawn; the table lists every one the alerts name.',
            )
          : null,
        entityTable(net),
      ];
      body.replaceChildren(...parts.filter(Boolean));
    })
    .catch((err) =>
      body.replaceChildren(h('p', { class: 'error' }, `The network could not be loaded: ${err.message}`)),
    );
  return h('section', { class: 'card' }, h('h2', {}, 'Network: vehicles that share an identifier'), body);
}
