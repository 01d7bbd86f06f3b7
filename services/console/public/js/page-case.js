import { get, post } from './api.js';
import { badge, h, mount, table, toast } from './dom.js';
import { dateTime, relative } from './format.js';
import { getMeta } from './meta.js';
import { caseHref, kindBadge } from './case-table.js';
import { networkSection } from './network-view.js';
import { typologyLabel } from './page-alerts.js';
import { KIND_LABEL, memberTable } from './page-entity.js';

/**
 * The case page: what happened to the VIN, why it was flagged, and what the analyst can do. A ring case
 * (`vin` is then its id) shows its entity and member vehicles instead of one vehicle's story.
 */
export async function renderCase(view, ctx, vin) {
  const [meta, first] = await Promise.all([getMeta(), get(`/api/cases/${encodeURIComponent(vin)}`)]);
  let data = first;

  // The page answered without its related cases (the visibility store was slow): fetch them apart.
  const fetchRelated = async () => {
    if (data.related) return;
    try {
      const { related } = await get(`/api/cases/${encodeURIComponent(vin)}/related`);
      data = { ...data, related };
    } catch (err) {
      data = { ...data, related: { error: err.message } };
    }
    if (view.isConnected) draw();
  };

  const act = async (action, body = {}) => {
    try {
      data = await post(`/api/cases/${encodeURIComponent(vin)}/${action}`, body);
      const done = {
        claim: 'Claimed: the case is yours',
        release: 'Released back to the queue',
        notes: 'Note added',
        decide: 'Decision recorded',
        reassign: 'Reassigned',
      };
      toast(done[action] ?? 'Done', 'ok');
      draw();
    } catch (err) {
      toast(err.message, 'error');
    }
  };

  const draw = () => {
    const c = data.case;
    const me = ctx.session.user.id;
    const open = meta.openCaseStatuses.includes(c.status);
    const mine = c.assignee === me;
    const ring = data.ring ?? null;
    mount(
      view,
      h('a', { href: '#/queues', class: 'back' }, '← Queues'),
      h(
        'div',
        { class: 'page-head case-head' },
        h(
          'h1',
          {},
          ring ? `Ring case · ${KIND_LABEL[ring.kind] ?? ring.kind} ` : null,
          h('span', { class: 'mono', 'data-testid': 'case-vin' }, ring ? ring.id : c.vin),
        ),
        kindBadge(c.vin),
        badge(c.severity),
        h('span', { 'data-testid': 'case-status' }, badge(c.status.replace('_', ' '), c.status)),
      ),
      freshnessNote(data.freshness),
      h(
        'div',
        { class: 'summary card' },
        fact('Queue', c.queue),
        fact('Score', String(c.score)),
        fact('Assignee', c.assignee ?? 'unassigned', 'case-assignee'),
        fact(
          'SLA due',
          c.slaDueAt ? `${relative(c.slaDueAt)} (${dateTime(c.slaDueAt)})` : '—',
          '',
          c.slaDueAt && Date.parse(c.slaDueAt) < Date.now() ? 'breached' : '',
        ),
        fact('Destination', c.destinationCountry ?? '—'),
        fact('Jurisdiction', c.jurisdiction ?? '—'),
        fact('Opened', dateTime(c.openedAt)),
        c.escalations ? fact('Escalations', String(c.escalations)) : null,
        ring ? fact('Members', `${ring.members.length} listed, ${ring.memberCount} counted`) : null,
      ),
      c.withdrawal ? withdrawalCard(c) : null,
      actions(c, open, mine),
      c.decision ? decisionCard(c.decision) : null,
      ...(ring ? ringSections(c, ring) : vehicleSections(c)),
    );
    if (!ring && !data.related) void fetchRelated();
  };

  /** A ring case: its member vehicles with their cases, notes, its members' alerts, the audit trail. */
  function ringSections(c, ring) {
    return [
      h(
        'section',
        { class: 'card', 'data-testid': 'ring-members' },
        h('h2', {}, 'Member vehicles'),
        h(
          'p',
          {},
          h('a', { href: ring.entityPath, 'data-testid': 'ring-entity' }, 'Entity page'),
          ` · ${ring.id}`,
        ),
        memberTable(ring.members, { class: 'grid compact', empty: 'No member known yet.' }),
      ),
      h(
        'div',
        { class: 'columns' },
        h(
          'section',
          { class: 'card' },
          h('h2', {}, 'Notes'),
          notes(c, meta.openCaseStatuses.includes(c.status)),
        ),
        h('section', { class: 'card' }, h('h2', {}, 'Member alerts'), revisions(data.revisions ?? [])),
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Audit trail'), audit(c.audit)),
    ];
  }

  function vehicleSections(c) {
    const open = meta.openCaseStatuses.includes(c.status);
    return [
      h(
        'div',
        { class: 'columns' },
        h('section', { class: 'card' }, h('h2', {}, 'Parties'), parties(data.parties ?? [])),
        h('section', { class: 'card' }, h('h2', {}, 'Revision history'), revisions(data.revisions ?? [])),
      ),
      h(
        'div',
        { class: 'columns' },
        h('section', { class: 'card' }, h('h2', {}, 'Timeline'), timeline(data.timeline)),
        h('section', { class: 'card' }, h('h2', {}, 'Rules that fired'), rules(data.rules)),
      ),
      h(
        'div',
        { class: 'columns' },
        h('section', { class: 'card' }, h('h2', {}, 'Notes'), notes(c, open)),
        h('section', { class: 'card' }, h('h2', {}, 'Related cases'), related(data.related)),
      ),
      networkSection(c.vin),
      h('section', { class: 'card' }, h('h2', {}, 'Facts'), factsTable(c.facts)),
      h('section', { class: 'card' }, h('h2', {}, 'Audit trail'), audit(c.audit)),
    ];
  }

  function actions(c, open, mine) {
    if (!ctx.can('cases:act') && !ctx.can('cases:supervise')) {
      return h(
        'div',
        { class: 'card readonly', 'data-testid': 'read-only' },
        'Read-only view: your role can see cases but not act on them.',
      );
    }
    if (!open) return null;
    const parts = [];
    if (ctx.can('cases:act')) {
      if (!c.assignee)
        parts.push(
          h(
            'button',
            { type: 'button', class: 'primary', 'data-testid': 'claim', onclick: () => void act('claim') },
            'Claim',
          ),
        );
      if (mine)
        parts.push(
          h(
            'button',
            { type: 'button', 'data-testid': 'release', onclick: () => void act('release') },
            'Release',
          ),
        );
      if (c.assignee && !mine) parts.push(h('span', { class: 'muted' }, `Claimed by ${c.assignee}.`));
    }
    const blocks = [h('div', { class: 'row' }, parts)];
    if (ctx.can('cases:act') && mine) {
      const form = h(
        'form',
        {
          class: 'decide',
          'data-testid': 'decide-form',
          onsubmit: (e) => {
            e.preventDefault();
            const f = new FormData(form);
            const body = { decision: f.get('decision'), reason: String(f.get('reason') ?? '') };
            if (c.ring) body.members = f.get('members');
            void act('decide', body);
          },
        },
        h('h2', {}, 'Decide'),
        h(
          'div',
          { class: 'row' },
          h(
            'label',
            { class: 'radio' },
            h('input', { type: 'radio', name: 'decision', value: 'confirm', required: true }),
            c.ring ? 'Confirm the ring' : 'Confirm zero-mileage export',
          ),
          h(
            'label',
            { class: 'radio' },
            h('input', { type: 'radio', name: 'decision', value: 'dismiss' }),
            'Dismiss',
          ),
        ),
        h(
          'label',
          {},
          'Reason (required, goes to the audit trail and the outcome)',
          h('textarea', { name: 'reason', rows: 3, required: true, maxlength: 4000 }),
        ),
        c.ring ? membersChoice() : null,
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'decide' }, 'Record decision'),
      );
      blocks.push(form);
    }
    if (ctx.can('cases:supervise')) blocks.push(reassignForm(c));
    return h('section', { class: 'card actions-card' }, blocks);
  }

  function reassignForm(c) {
    const select = h('select', { name: 'to', required: true }, h('option', { value: '' }, 'Choose…'));
    void get('/api/assignees').then(({ users }) => {
      for (const u of users)
        if (u.id !== c.assignee) select.append(h('option', { value: u.id }, `${u.name} (${u.id})`));
    });
    const form = h(
      'form',
      {
        class: 'reassign',
        onsubmit: (e) => {
          e.preventDefault();
          const f = new FormData(form);
          void act('reassign', { to: f.get('to'), reason: String(f.get('reason') ?? '') });
        },
      },
      h('h2', {}, 'Reassign (supervisor)'),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'To', select),
        h(
          'label',
          { class: 'grow' },
          'Reason',
          h('input', { name: 'reason', required: true, maxlength: 4000 }),
        ),
      ),
      h('button', { type: 'submit' }, 'Reassign'),
    );
    return form;
  }

  function notes(c, open) {
    const list = c.notes.length
      ? h(
          'ul',
          { class: 'notes' },
          c.notes.map((n) =>
            h('li', {}, h('div', { class: 'meta' }, `${n.by} · ${dateTime(n.at)}`), h('div', {}, n.text)),
          ),
        )
      : h('p', { class: 'muted' }, 'No notes yet.');
    if (!ctx.can('cases:act') || !open) return list;
    const form = h(
      'form',
      {
        class: 'note-form',
        onsubmit: (e) => {
          e.preventDefault();
          const f = new FormData(form);
          void act('notes', { text: String(f.get('text') ?? '') });
        },
      },
      h('textarea', {
        name: 'text',
        rows: 2,
        required: true,
        maxlength: 4000,
        placeholder: 'Add a note for the next analyst…',
      }),
      h('button', { type: 'submit' }, 'Add note'),
    );
    return [list, form];
  }

  draw();
}

/**
 * Says plainly when the page may be behind the case: it shows what the case worker last wrote (or only
 * the queue summary) because the worker is busy or down. Nothing is shown when it is current.
 */
function freshnessNote(f) {
  if (!f || !f.stale) return null;
  return h(
    'div',
    { class: 'card notice', role: 'status', 'data-testid': 'case-stale' },
    h('strong', {}, 'May be seconds old. '),
    f.note ?? '',
    f.asOf ? ` (as of ${dateTime(f.asOf)})` : '',
    ' ',
    h('a', { href: '#', onclick: (e) => (e.preventDefault(), location.reload()) }, 'Reload'),
  );
}

function fact(label, value, testid = '', cls = '') {
  return h(
    'div',
    { class: `fact ${cls}` },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value', 'data-testid': testid || undefined }, value),
  );
}

/** The detector's revision reasons (alert contract v2), in words; others are shown as they come. */
const REVISION_REASONS = {
  EVIDENCE: 'evidence changed',
  REINSTATED: 'reinstated',
  CANCELLED: 'declaration cancelled',
  REJECTED: 'declaration rejected',
  BELOW_THRESHOLD: 'score fell below the alert threshold',
};
const reasonText = (reason) => REVISION_REASONS[reason] ?? reason;

/** Every alert of the case was withdrawn: closed when nobody had claimed it, else the assignee's to decide. */
function withdrawalCard(c) {
  const w = c.withdrawal;
  return h(
    'section',
    { class: 'card withdrawal', role: 'alert', 'data-testid': 'withdrawal' },
    h('strong', {}, 'Declaration withdrawn'),
    ` on ${dateTime(w.at)}${w.reason ? ` (${reasonText(w.reason)})` : ''}: alert ${w.alertId} revision ${w.revision}. `,
    c.status === 'withdrawn'
      ? 'Nobody had claimed the case, so it closed without a decision.'
      : `No active alert is left; ${c.assignee ?? 'the assignee'} decides the case.`,
  );
}

/** The case's parties, labelled for what the alert says they are. */
function parties(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No parties known.');
  return h(
    'dl',
    { class: 'kv parties', 'data-testid': 'parties' },
    list.flatMap((p) => [
      h('dt', {}, p.label),
      h('dd', { 'data-role': p.role }, h('span', { class: 'mono' }, p.id), p.type ? ` ${p.type}` : ''),
    ]),
  );
}

/** Every revision of the case's alerts, newest first. */
function revisions(list) {
  const rows = table(
    ['Revision', 'Time', 'Severity', 'Score', 'Status', 'Reason'],
    [...list]
      .reverse()
      .map((r) =>
        h(
          'tr',
          { 'data-alert': r.alertId, 'data-revision': String(r.revision) },
          h('td', { class: 'num' }, String(r.revision)),
          h('td', { title: `applied to the case ${dateTime(r.appliedAt)}` }, dateTime(r.at)),
          h('td', {}, badge(r.severity)),
          h('td', { class: 'num' }, String(r.score)),
          h('td', {}, r.status === 'WITHDRAWN' ? badge('withdrawn', 'withdrawn') : 'active'),
          h('td', {}, r.reason ? reasonText(r.reason) : r.revision === 0 ? 'first alert' : '—'),
        ),
      ),
    { class: 'grid compact', empty: 'No alerts.' },
  );
  return h('div', { 'data-testid': 'revisions' }, rows);
}

/** What deciding a ring case does to its members' cases (ring-case.ts `RING_MEMBERS_ACTIONS`). */
const MEMBERS_CHOICES = [
  ['annotate', 'Annotate the member cases (record this decision on each; they stay as they are)'],
  ['decide', 'Decide the open member cases the same way (decided ones are only annotated)'],
  ['none', 'Leave the member cases alone'],
];

function membersChoice() {
  return h(
    'fieldset',
    { class: 'members-choice', 'data-testid': 'decide-members' },
    h('legend', {}, 'Member cases'),
    MEMBERS_CHOICES.map(([value, label], i) =>
      h(
        'label',
        { class: 'radio' },
        h('input', { type: 'radio', name: 'members', value, checked: i === 0 }),
        label,
      ),
    ),
  );
}

function decisionCard(d) {
  return h(
    'section',
    { class: `card decision d-${d.decision}`, 'data-testid': 'decision' },
    h('strong', {}, d.decision === 'confirm' ? 'Confirmed' : 'Dismissed'),
    ` by ${d.by} ${d.override ? '(supervisor override) ' : ''}on ${dateTime(d.at)}: `,
    h('q', {}, d.reason),
    d.members ? ` Member cases: ${d.members}.` : '',
    d.ringCaseId
      ? [
          ' Decided with its ring case ',
          h('a', { href: caseHref(d.ringCaseId), class: 'mono' }, d.ringCaseId),
          '.',
        ]
      : '',
  );
}

function timeline(entries) {
  if (!entries.length) return h('p', { class: 'muted' }, 'No events.');
  return h(
    'ol',
    { class: 'timeline' },
    entries.map((e) =>
      h(
        'li',
        { class: `t-${e.kind}` },
        h('div', { class: 'when' }, dateTime(e.at)),
        h('div', { class: 'what' }, h('strong', {}, e.title)),
        h('div', { class: 'detail' }, e.detail),
      ),
    ),
  );
}

function rules(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No rules fired.');
  return h(
    'ul',
    { class: 'rules' },
    list.map((r) =>
      h(
        'li',
        {},
        h(
          'div',
          { class: 'rule-head' },
          h('span', { class: 'mono' }, r.ruleId),
          r.typology
            ? h(
                'span',
                { class: 'typology', title: 'the typology this rule supports' },
                typologyLabel(r.typology),
              )
            : null,
          h('span', { class: 'weight' }, `+${r.weight}`),
        ),
        h('div', {}, r.evidence),
        Object.keys(r.facts).length
          ? h(
              'dl',
              { class: 'kv' },
              Object.entries(r.facts).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
            )
          : null,
        h('div', { class: 'muted small' }, `declaration ${r.declarationId} · alert ${r.alertId}`),
      ),
    ),
  );
}

function related(rel) {
  if (!rel) return h('p', { class: 'muted' }, 'Looking up related cases…');
  if (rel.error) return h('p', { class: 'muted' }, `Related cases could not be listed: ${rel.error}`);
  return [
    h('h3', {}, 'Same first registrant'),
    relatedList(rel.byFirstRegistrant ?? [], 'No other case with this first registrant.'),
    h('h3', {}, 'Same holder at declaration'),
    relatedList(rel.byHolder ?? [], 'No other case with this holder.'),
    h('h3', {}, 'Same exporter'),
    relatedList(rel.byExporter, 'No other case with this exporter.', (c) => ` ${c.exporter ?? ''}`),
  ];
}

function relatedList(cases, emptyText, suffix = () => '') {
  if (!cases.length) return h('p', { class: 'muted' }, emptyText);
  return h(
    'ul',
    { class: 'plain' },
    cases.map((c) =>
      h(
        'li',
        {},
        h('a', { href: `#/cases/${c.vin}`, class: 'mono' }, c.vin),
        ' ',
        badge(c.severity ?? '—', c.severity ?? 'none'),
        ' ',
        c.status ?? '',
        suffix(c),
      ),
    ),
  );
}

function factsTable(facts) {
  const entries = Object.entries(facts ?? {});
  return table(
    ['Fact', 'Value'],
    entries.map(([k, v]) => h('tr', {}, h('td', { class: 'mono small' }, k), h('td', {}, v))),
    { empty: 'No facts.', class: 'grid compact' },
  );
}

function audit(entries) {
  return table(
    ['When', 'Who', 'Action', 'Detail'],
    [...entries]
      .reverse()
      .map((a) =>
        h(
          'tr',
          {},
          h('td', {}, dateTime(a.at)),
          h('td', {}, a.by),
          h('td', {}, a.action),
          h('td', {}, a.detail ?? ''),
        ),
      ),
    { class: 'grid compact', empty: 'No audit entries.' },
  );
}
