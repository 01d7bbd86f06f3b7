import { currentSession, signIn, signOut } from './api.js';
import { h, mount, toast } from './dom.js';
import { renderQueues } from './page-queues.js';
import { renderCase } from './page-case.js';
import { renderBreached } from './page-breached.js';
import { renderAlerts } from './page-alerts.js';
import { renderOps } from './page-ops.js';
import { renderInsights } from './page-insights.js';
import { renderAudit } from './page-audit.js';
import { renderEntity } from './page-entity.js';

/** Hash routes: #/queues, #/cases/<VIN or ring case id>, #/breached, #/alerts, #/entities/<kind>/<id>, #/insights, #/ops, #/audit, #/login. */
const NAV = [
  { path: '/queues', label: 'Queues', permission: 'cases:read' },
  { path: '/breached', label: 'Breached SLA', permission: 'cases:supervise' },
  { path: '/alerts', label: 'Alerts', permission: 'alerts:read' },
  { path: '/insights', label: 'Insights', permission: 'insights:read' },
  { path: '/ops', label: 'Ops', permission: 'ops:read' },
  { path: '/audit', label: 'Audit', permission: 'audit:read' },
];

let session = null;
let cleanup = null;

const can = (permission) => session?.permissions.includes(permission) ?? false;

function home() {
  return NAV.find((n) => can(n.permission))?.path ?? '/login';
}

function renderChrome(path) {
  const nav = document.getElementById('nav');
  mount(
    nav,
    session
      ? NAV.filter((n) => can(n.permission)).map((n) =>
          h(
            'a',
            {
              href: `#${n.path}`,
              class:
                path.startsWith(n.path) || (n.path === '/queues' && path.startsWith('/cases'))
                  ? 'active'
                  : '',
            },
            n.label,
          ),
        )
      : [],
  );
  const who = document.getElementById('whoami');
  mount(
    who,
    session
      ? [
          h('span', { class: 'user', 'data-testid': 'whoami' }, session.user.name),
          h('span', { class: `badge role b-role-${session.user.role}` }, session.user.role),
          h('button', { class: 'link', type: 'button', onclick: () => void logout() }, 'Sign out'),
        ]
      : [],
  );
}

async function logout() {
  await signOut().catch(() => undefined);
  session = null;
  location.hash = '#/login';
}

function renderLogin(view) {
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (e) => {
        e.preventDefault();
        const data = new FormData(form);
        error.textContent = '';
        try {
          session = await signIn(String(data.get('username')), String(data.get('password')));
          location.hash = `#${home()}`;
        } catch (err) {
          error.textContent = err.message;
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Zero-mileage export watch: analysts, supervisors, ops and customs.'),
    h(
      'label',
      {},
      'Username',
      h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true }),
    ),
    h(
      'label',
      {},
      'Password',
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    ),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  mount(view, form);
}

let generation = 0;

async function route() {
  cleanup?.();
  cleanup = null;
  // Pages render asynchronously; each route() renders into its own container, so a slow render of a
  // route the user already left can only write into a detached container, never over the current page.
  const mine = ++generation;
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  const params = new URLSearchParams(query);
  const root = document.getElementById('view');
  if (!session) session = await currentSession().catch(() => null);
  if (mine !== generation) return;
  if (!session && path !== '/login') {
    location.hash = '#/login';
    return;
  }
  renderChrome(path);
  const view = h('div', { class: 'page' });
  mount(root, view);
  if (path === '/login') {
    if (session) location.hash = `#${home()}`;
    else renderLogin(view);
    return;
  }
  if (path === '/') {
    location.hash = `#${home()}`;
    return;
  }
  const ctx = { session, can, params, navigate: (p) => (location.hash = `#${p}`) };
  const keep = (done) => {
    // A render that finishes after the user moved on releases what it opened (e.g. an EventSource).
    if (mine === generation) cleanup = done;
    else done?.();
  };
  try {
    // A case key: a VIN, or a ring case id (ring-<kind>-<entity id>, URI-encoded).
    const caseMatch = /^\/cases\/([^/]+)$/.exec(path);
    const entityMatch = /^\/entities\/([a-z]+)\/([^/]+)$/.exec(path);
    if (path === '/queues' && can('cases:read')) keep(await renderQueues(view, ctx));
    else if (caseMatch && can('cases:read'))
      keep(await renderCase(view, ctx, decodeURIComponent(caseMatch[1])));
    else if (entityMatch && can('cases:read'))
      keep(await renderEntity(view, ctx, entityMatch[1], decodeURIComponent(entityMatch[2])));
    else if (path === '/breached' && can('cases:supervise')) keep(await renderBreached(view, ctx));
    else if (path === '/alerts' && can('alerts:read')) keep(await renderAlerts(view, ctx));
    else if (path === '/insights' && can('insights:read')) keep(await renderInsights(view, ctx));
    else if (path === '/ops' && can('ops:read')) keep(await renderOps(view, ctx));
    else if (path === '/audit' && can('audit:read')) keep(await renderAudit(view, ctx));
    else
      mount(
        view,
        h(
          'div',
          { class: 'card' },
          h('h1', {}, 'Not available'),
          h('p', {}, `Your role (${session.user.role}) has no page at ${path}.`),
        ),
      );
  } catch (err) {
    if (mine !== generation) return;
    if (err.status === 401) {
      session = null;
      location.hash = '#/login';
      return;
    }
    toast(err.message, 'error');
    mount(
      view,
      h(
        'div',
        { class: 'card' },
        h('h1', {}, 'Something went wrong'),
        h('p', { class: 'error' }, err.message),
      ),
    );
  }
}

window.addEventListener('hashchange', () => void route());
void route();
