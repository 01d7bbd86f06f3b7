import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CaseActionRejectedError, type CaseState, type CaseSummary } from '@zmwatch/workflows';
import { makeAlert } from '@zmwatch/test-support/cases';
import { createApp, type ConsoleApp } from '../src/app.js';
import { parseUsers } from '../src/auth/users.js';
import type { CaseBackend } from '../src/cases/case-routes.js';
import { DEFAULT_AUDIT, DEFAULT_SECURITY, DEFAULT_USERS_FILE, type ConsoleConfig } from '../src/config.js';

const VIN = 'LGXC74C47S0000001';
const METRICS_TOKEN = 'test-metrics-token-0123456789';
const OTHER_VIN = 'LGXC74C47S0000002';
/** A case whose workflow query fails as Temporal's does when no case worker polls. */
const UNQUERYABLE_VIN = 'LGXC74C47S0000003';
/** As UNQUERYABLE_VIN, but listed in the supervisor queue (the row the analyst opened it from). */
const LISTED_UNQUERYABLE_VIN = 'LGXC74C47S0000004';
const TEMPORAL_TEXT = 'Failed to query Workflow: 14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.7:7233';
/** The case's evidence: two alerts from two exporters (EXP-2 is the latest). */
const EVIDENCE = ['EXP-1', 'EXP-2'].map((exporterId) => ({
  alert: makeAlert(VIN, { exporterId }),
  appliedAt: new Date(0).toISOString(),
}));

function summary(vin: string, exporter: string): CaseSummary {
  return {
    caseId: `case-${vin}`,
    vin,
    runId: 'r',
    queue: 'standard',
    status: 'open',
    severity: 'HIGH',
    score: 0.8,
    assignee: null,
    destination: 'RU',
    registrant: null,
    exporter,
    jurisdiction: null,
    slaDueAt: null,
    openedAt: new Date(0),
    executionStatus: 'RUNNING',
  };
}
const calls: Array<{ action: string; vin: string; input: unknown }> = [];
/** Case actions only (case pages also list related cases). */
const actions = () => calls.filter((c) => c.action !== 'listQueue' && c.action !== 'listCases');

function fakeCase(overrides: Partial<CaseState> = {}): CaseState {
  return {
    caseId: `case-${VIN}`,
    vin: VIN,
    status: 'open',
    queue: 'standard',
    severity: 'HIGH',
    score: 70,
    assignee: null,
    destinationCountry: 'RU',
    registrantId: 'REG-1',
    firstRegistrantId: null,
    jurisdiction: 'CN-GD',
    openedAt: new Date(0).toISOString(),
    slaDueAt: new Date(3_600_000).toISOString(),
    escalations: 0,
    evidence: [],
    facts: {},
    notes: [],
    infoRequests: [],
    decision: null,
    withdrawal: null,
    audit: [],
    priorAlertIds: [],
    previousDecisions: [],
    reopenedFromRunId: null,
    ...overrides,
  };
}

/** The case's run: a test that counts related-case queries opens a fresh one (the console caches per run). */
const run = { openedAt: new Date(0).toISOString() };

/** In-memory stand-in for the workflows' case client: records who did what. */
const backend: CaseBackend = {
  async listQueue(queue, filters) {
    calls.push({ action: 'listQueue', vin: '', input: { queue, filters } });
    // In the standard queue the other VIN's latest exporter is EXP-1, and this case's own is EXP-2.
    const cases =
      queue === 'supervisor'
        ? [summary(LISTED_UNQUERYABLE_VIN, 'EXP-3')]
        : queue !== 'standard'
          ? []
          : filters?.exporter === 'EXP-1'
            ? [summary(OTHER_VIN, 'EXP-1')]
            : filters?.exporter === 'EXP-2'
              ? [summary(VIN, 'EXP-2'), summary(OTHER_VIN, 'EXP-2')]
              : [];
    return { cases, nextPageToken: null };
  },
  async listCases(queues, filters) {
    calls.push({ action: 'listCases', vin: '', input: { queues, filters } });
    // The other VIN's latest exporter is EXP-2, as is this case's own; the holder REG-1 is shared too.
    const exporters = [filters?.exporter ?? []].flat();
    const cases = exporters.includes('EXP-2')
      ? [summary(VIN, 'EXP-2'), summary(OTHER_VIN, 'EXP-2')]
      : filters?.registrant === 'REG-1'
        ? [summary(OTHER_VIN, 'EXP-9')]
        : [];
    return { cases, nextPageToken: null };
  },
  async listBreached() {
    return { cases: [], nextPageToken: null };
  },
  async readCase(vin) {
    if (vin === UNQUERYABLE_VIN || vin === LISTED_UNQUERYABLE_VIN) throw new Error(TEMPORAL_TEXT);
    if (vin !== VIN) return null;
    const state = fakeCase({ evidence: EVIDENCE, openedAt: run.openedAt });
    return { state, source: 'workflow', stale: false, asOf: null, note: null };
  },
  async claim(vin, input) {
    calls.push({ action: 'claim', vin, input });
    return fakeCase({ assignee: input.by, status: 'in_review', evidence: EVIDENCE, openedAt: run.openedAt });
  },
  async release(vin, input) {
    calls.push({ action: 'release', vin, input });
    throw new CaseActionRejectedError(`only the assignee (nobody) can release the case`);
  },
  async addNote(vin, input) {
    calls.push({ action: 'addNote', vin, input });
    return fakeCase();
  },
  async decide(vin, input) {
    calls.push({ action: 'decide', vin, input });
    return fakeCase({ status: 'confirmed' });
  },
  async reassign(vin, input) {
    calls.push({ action: 'reassign', vin, input });
    return fakeCase();
  },
};

const config: ConsoleConfig = {
  host: '127.0.0.1',
  port: 0,
  users: parseUsers(readFileSync(DEFAULT_USERS_FILE, 'utf8'), 'example'),
  secureCookie: false,
  sessionIdleMs: 60_000,
  sessionMaxMs: 600_000,
  brokers: [],
  temporalAddress: 'unused',
  temporalNamespace: 'default',
  casesTaskQueue: 'unused',
  queues: ['priority', 'standard', 'supervisor'],
  alertsTopic: 'unused',
  feedSize: 10,
  lag: { intervalMs: 1000, windowSize: 5, historySize: 10, groupPattern: '.*', topicPattern: '.*' },
  feedCheck: { topics: ['unused'], sample: 10, cacheMs: 1000 },
  audit: DEFAULT_AUDIT,
  logLevel: 'silent',
  security: { ...DEFAULT_SECURITY, metricsToken: METRICS_TOKEN, metricsListener: undefined },
};

let app: ConsoleApp;
before(async () => {
  app = createApp(config, { cases: backend, withoutKafka: true });
  await app.start();
});
after(() => app.stop());

interface Signed {
  cookie: string;
  csrf: string;
}

async function signIn(user: string, password = `${user}-demo`): Promise<Signed> {
  const res = await fetch(`${app.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: body.csrfToken };
}

function call(
  path: string,
  who?: Signed,
  init: { method?: string; body?: unknown; csrf?: string | null; origin?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (who) headers.cookie = who.cookie;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const csrf = init.csrf === undefined ? who?.csrf : init.csrf;
  if (csrf) headers['x-csrf-token'] = csrf;
  if (init.origin) headers.origin = init.origin;
  return fetch(`${app.url}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

test('every response carries the security headers; the UI shell loads its script from a file', async () => {
  const res = await fetch(`${app.url}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const html = await res.text();
  assert.match(html, /<script type="module" src="\/js\/main.js"><\/script>/);
  assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
  assert.equal(
    (await fetch(`${app.url}/js/../../src/app.ts`)).status,
    404,
    'no path traversal out of public/',
  );
});

test('no case data without a session', async () => {
  const res = await call(`/api/cases/${VIN}`);
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { error: 'sign in first' });
  assert.equal((await call('/api/cases?queue=standard')).status, 401);
});

test('a wrong password is refused without saying which part was wrong', async () => {
  const res = await fetch(`${app.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'analyst', password: 'nope' }),
  });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { error: 'wrong username or password' });
  const form = await fetch(`${app.url}/api/login`, {
    method: 'POST',
    body: 'username=analyst&password=analyst-demo',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 415, 'HTML forms (cross-site login CSRF) cannot sign in');
});

test('the session cookie is HttpOnly and SameSite=Strict', async () => {
  const res = await fetch(`${app.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'analyst', password: 'analyst-demo' }),
  });
  const cookie = res.headers.get('set-cookie')!;
  assert.match(cookie, /^zm_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
});

test('an analyst claims and decides as themself; the actor is the signed-in user', async () => {
  const ana = await signIn('analyst');
  calls.length = 0;
  const claim = await call(`/api/cases/${VIN.toLowerCase()}/claim`, ana, { body: {} });
  assert.equal(claim.status, 200);
  const decide = await call(`/api/cases/${VIN}/decide`, ana, {
    body: { decision: 'confirm', reason: 'odometer 3 km, 6 days', by: 'someone-else' },
  });
  assert.equal(decide.status, 200);
  assert.deepEqual(actions(), [
    { action: 'claim', vin: VIN, input: { by: 'analyst' } },
    {
      action: 'decide',
      vin: VIN,
      input: { by: 'analyst', decision: 'confirm', reason: 'odometer 3 km, 6 days' },
    },
  ]);
});

test('state-changing calls need the CSRF token and the same origin', async () => {
  const ana = await signIn('analyst');
  calls.length = 0;
  const noToken = await call(`/api/cases/${VIN}/claim`, ana, { body: {}, csrf: null });
  assert.equal(noToken.status, 403);
  assert.match(((await noToken.json()) as { error: string }).error, /CSRF/);
  const wrongToken = await call(`/api/cases/${VIN}/claim`, ana, { body: {}, csrf: 'x'.repeat(43) });
  assert.equal(wrongToken.status, 403);
  const otherSite = await call(`/api/cases/${VIN}/claim`, ana, { body: {}, origin: 'https://evil.example' });
  assert.equal(otherSite.status, 403);
  assert.equal(actions().length, 0, 'nothing reached the case workflow');
});

test('a case page lists related cases with one listing per relation, not itself, and its actions reuse them', async () => {
  const ana = await signIn('analyst');
  calls.length = 0;
  run.openedAt = new Date(60_000).toISOString();
  const res = await call(`/api/cases/${VIN}`, ana);
  assert.equal(res.status, 200);
  type Row = { vin: string; exporter: string };
  const body = (await res.json()) as {
    related: { byFirstRegistrant: Row[]; byHolder: Row[]; byExporter: Row[] };
  };
  assert.deepEqual(
    body.related.byExporter.map((c) => [c.vin, c.exporter]),
    [[OTHER_VIN, 'EXP-2']],
  );
  assert.deepEqual(
    body.related.byHolder.map((c) => c.vin),
    [OTHER_VIN],
  );
  assert.deepEqual(body.related.byFirstRegistrant, [], 'a v1 case does not know its first registrant');
  const queries = calls
    .filter((c) => c.action === 'listCases')
    .map((c) => c.input as { queues: string[]; filters: { exporter?: string[]; status?: string[] } });
  assert.equal(queries.length, 2, 'one query for the holder, one for the exporters (no first registrant)');
  assert.ok(queries.every((q) => q.queues.length === config.queues.length));
  assert.deepEqual(queries.find((q) => q.filters.exporter)?.filters.exporter, ['EXP-2', 'EXP-1']);
  assert.ok(
    queries.every((q) => q.filters.status?.includes('dismissed')),
    'decided cases count too',
  );
  const before = calls.length;
  assert.equal((await call(`/api/cases/${VIN}/claim`, ana, { body: {} })).status, 200);
  assert.equal(
    calls.slice(before).filter((c) => c.action === 'listCases').length,
    0,
    'a claim does not recompute related cases',
  );
});

test('a customs viewer can read a case but the API refuses their decision', async () => {
  const customs = await signIn('customs');
  assert.equal((await call(`/api/cases/${VIN}`, customs)).status, 200);
  calls.length = 0;
  const res = await call(`/api/cases/${VIN}/decide`, customs, { body: { decision: 'dismiss', reason: 'x' } });
  assert.equal(res.status, 403);
  assert.match(((await res.json()) as { error: string }).error, /customs role may not/);
  assert.equal(actions().length, 0);
});

test('ops sees ops, not cases; analysts do not see ops', async () => {
  const ops = await signIn('ops');
  assert.equal((await call('/api/cases?queue=standard', ops)).status, 403);
  const ana = await signIn('analyst');
  assert.equal((await call('/api/ops/lag', ana)).status, 403);
  assert.equal((await call('/api/ops/feeds', ana)).status, 403, 'the feed check is for ops');
  const feeds = await call('/api/ops/feeds', ops);
  assert.equal(feeds.status, 503, 'ops may ask; without Kafka the console says so');
  assert.match(((await feeds.json()) as { error: string }).error, /not connected to Kafka/);
  assert.equal((await call('/api/cases/breached', ana)).status, 403, 'breached view is for supervisors');
});

test('bad input gets a 4xx with a clear message', async () => {
  const ana = await signIn('analyst');
  const cases: Array<[string, Parameters<typeof call>[2], number, RegExp]> = [
    [`/api/cases/NOTAVIN`, {}, 400, /not a VIN/],
    [`/api/cases/${VIN}/decide`, { body: { decision: 'maybe', reason: 'x' } }, 400, /decision must be/],
    [`/api/cases/${VIN}/decide`, { body: { decision: 'confirm', reason: '  ' } }, 400, /reason is required/],
    [`/api/cases/${VIN}/notes`, { body: { text: 'x'.repeat(5000) } }, 400, /longer than 4000/],
    [`/api/cases?queue=standard&severity=URGENT`, {}, 400, /unknown severity/],
    [`/api/cases?queue=standard&typology=STRAW_BUYER`, {}, 400, /unknown typology "STRAW_BUYER"/],
    [`/api/cases/LGXC74C47S0000002`, {}, 404, /no case for VIN/],
    // Ring case ids are case keys: a known entity kind and a safe id, else a 400 before Temporal.
    [`/api/cases/ring-trader-X1`, {}, 400, /ring case id is ring-<exporter\|transferee/],
    [`/api/cases/ring-exporter-${encodeURIComponent('a b')}`, {}, 400, /not an entity id/],
    [`/api/cases/ring-exporter-EXP-NONE`, {}, 404, /no ring case ring-exporter-EXP-NONE/],
    [
      `/api/cases/${VIN}/decide`,
      { body: { decision: 'confirm', reason: 'x', members: 'all' } },
      400,
      /members must be one of annotate, decide, none/,
    ],
    [`/api/cases/${VIN}/release`, { body: {} }, 409, /only the assignee/],
    [`/api/nothing`, {}, 404, /no API route/],
    [`/api/cases/${VIN}`, { method: 'DELETE' }, 405, /not allowed/],
  ];
  for (const [path, init, status, message] of cases) {
    const res = await call(path, ana, init);
    assert.equal(res.status, status, path);
    assert.match(((await res.json()) as { error: string }).error, message, path);
  }
  const raw = await fetch(`${app.url}/api/cases/${VIN}/notes`, {
    method: 'POST',
    headers: { cookie: ana.cookie, 'x-csrf-token': ana.csrf, 'content-type': 'application/json' },
    body: '{not json',
  });
  assert.equal(raw.status, 400);
  assert.deepEqual(await raw.json(), { error: 'request body is not valid JSON' });
});

test("a case Temporal cannot answer for is a 503 naming the likely cause, never Temporal's own text", async () => {
  const ana = await signIn('analyst');
  const res = await call(`/api/cases/${UNQUERYABLE_VIN}`, ana);
  assert.equal(res.status, 503);
  const { error } = (await res.json()) as { error: string };
  assert.match(error, /could not read case-LGXC74C47S0000003: .*case worker running.*logged as [0-9a-f]{8}/);
  assert.doesNotMatch(error, /UNAVAILABLE|ECONNREFUSED|10\.0\.0\.7|Failed to query/);
});

test('a case Temporal cannot answer for, but listed in a queue this console served, is its queue row marked stale, not a 503', async () => {
  const sup = await signIn('supervisor');
  assert.equal((await call('/api/cases?queue=supervisor', sup)).status, 200);
  const res = await call(`/api/cases/${LISTED_UNQUERYABLE_VIN}`, sup);
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    case: { vin: string; evidence: unknown[] };
    freshness: { source: string; stale: boolean; note: string };
  };
  assert.equal(body.case.vin, LISTED_UNQUERYABLE_VIN);
  assert.deepEqual(body.case.evidence, []);
  assert.equal(body.freshness.source, 'summary');
  assert.equal(body.freshness.stale, true);
  assert.match(body.freshness.note, /only its queue summary/);
});

test('a supervisor reassigns to a known analyst only', async () => {
  const sup = await signIn('supervisor');
  calls.length = 0;
  const bad = await call(`/api/cases/${VIN}/reassign`, sup, { body: { to: 'customs', reason: 'x' } });
  assert.equal(bad.status, 400);
  const ok = await call(`/api/cases/${VIN}/reassign`, sup, { body: { to: 'analyst2', reason: 'holiday' } });
  assert.equal(ok.status, 200);
  assert.deepEqual(actions(), [
    { action: 'reassign', vin: VIN, input: { by: 'supervisor', to: 'analyst2', reason: 'holiday' } },
  ]);
});

test('sign-out ends the session', async () => {
  const ana = await signIn('analyst');
  assert.equal((await call('/api/logout', ana, { body: {} })).status, 200);
  assert.equal((await call('/api/session', ana)).status, 401);
});

test('health and metrics are served', async () => {
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
  const metrics = await (
    await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  assert.match(metrics, /zm_console_http_requests_total\{route="\/api\/cases\/:vin",status="401"/);
});

test('by default /metrics is not on the user-facing port but on the loopback metrics listener', async () => {
  const plain = createApp(
    { ...config, security: { ...DEFAULT_SECURITY, metricsListener: { host: '127.0.0.1', port: 0 } } },
    { cases: backend, withoutKafka: true },
  );
  await plain.start();
  try {
    const res = await fetch(`${plain.url}/metrics`, { headers: { authorization: 'Bearer anything' } });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /ZM_CONSOLE_METRICS_PORT/);
    assert.match(plain.metricsUrl!, /^http:\/\/127\.0\.0\.1:\d+$/);
    const scraped = await fetch(`${plain.metricsUrl}/metrics`);
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /^zm_console_sessions\{/m);
    assert.equal((await fetch(`${plain.metricsUrl}/readyz`)).status, 200);
  } finally {
    await plain.stop();
  }
});
