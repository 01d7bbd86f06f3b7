import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { createLogger } from '@zmwatch/kit';
import type { AccessAuditEvent } from '@zmwatch/schemas';
import { createAccessAudit } from '../src/audit/access-audit.js';
import { accessLogCsv, matchesQuery } from '../src/audit/access-log.js';
import { AUDITED_ROUTES } from '../src/audit/audited-routes.js';
import type { Session } from '../src/auth/sessions.js';

const logger = createLogger('test', 'silent');
const session: Session = {
  id: 's',
  user: { id: 'li', name: 'Li Wei', role: 'analyst' },
  csrfToken: 't',
  createdAt: 0,
  lastSeenAt: 0,
};

function request(headers: Record<string, string> = {}): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '10.0.0.7' });
  return { headers, socket } as unknown as IncomingMessage;
}

const view = { action: 'VIEW_CASE', subjectKind: 'case', subjectId: 'LSVAU2180N2183294' };

test('an access is recorded with who, when, what and from where, and written in one batch', async () => {
  const sent: AccessAuditEvent[][] = [];
  const audit = createAccessAudit({
    send: async (events) => void sent.push(events),
    logger,
    proxyHops: 1,
    flushIntervalMs: 60_000,
    maxBuffered: 10,
    now: () => 1_700_000_000_000,
  });
  const url = new URL('http://c/api/cases/LSVAU2180N2183294?x=1');
  audit.record(session, request({ 'x-forwarded-for': '203.0.113.9', 'user-agent': 'Chromium' }), url, view);
  audit.record(session, request(), new URL('http://c/api/cases/X'), view);
  await audit.flush();
  assert.equal(sent.length, 1);
  const [first, second] = sent[0]!;
  assert.equal(first!.userId, 'li');
  assert.equal(first!.role, 'analyst');
  assert.equal(first!.at, 1_700_000_000_000);
  assert.equal(first!.action, 'VIEW_CASE');
  assert.equal(first!.subjectId, 'LSVAU2180N2183294');
  assert.equal(first!.clientAddress, '203.0.113.9', 'the trusted proxy hop names the client');
  assert.equal(first!.userAgent, 'Chromium');
  assert.equal(first!.detail, 'x=1');
  assert.equal(second!.detail, null);
  assert.equal(second!.clientAddress, '10.0.0.7', 'no forwarded header: the socket peer');
  assert.notEqual(first!.accessId, second!.accessId);
  await audit.stop();
});

test('a failed write keeps its entries for the next attempt; beyond the buffer the oldest go, counted', async () => {
  let fail = true;
  const written: string[] = [];
  let dropped = 0;
  const audit = createAccessAudit({
    send: async (events) => {
      if (fail) throw new Error('broker down');
      written.push(...events.map((e) => e.subjectId));
    },
    logger,
    proxyHops: 0,
    flushIntervalMs: 60_000,
    maxBuffered: 3,
    onDropped: (n) => (dropped += n),
  });
  for (const id of ['a', 'b'])
    audit.record(session, request(), new URL('http://c/'), { ...view, subjectId: id });
  await assert.rejects(audit.flush(), /broker down/);
  for (const id of ['c', 'd'])
    audit.record(session, request(), new URL('http://c/'), { ...view, subjectId: id });
  assert.equal(dropped, 1, 'four entries, room for three: the oldest went');
  fail = false;
  await audit.flush();
  assert.deepEqual(written, ['b', 'c', 'd'], 'kept in order, nothing written twice');
  await audit.stop();
});

test('the audit query filters by time range, user, action and subject', () => {
  const e: AccessAuditEvent = {
    accessId: '1',
    at: 1000,
    userId: 'li',
    role: 'analyst',
    action: 'VIEW_CASE',
    subjectKind: 'case',
    subjectId: 'LSVAU2180N2183294',
    detail: null,
    clientAddress: '10.0.0.7',
    userAgent: null,
  };
  assert.ok(matchesQuery(e, { limit: 1 }));
  assert.ok(
    matchesQuery(e, {
      limit: 1,
      since: 1000,
      until: 1001,
      userId: 'li',
      action: 'VIEW_CASE',
      subject: '2183294',
    }),
  );
  assert.ok(!matchesQuery(e, { limit: 1, since: 1001 }));
  assert.ok(!matchesQuery(e, { limit: 1, until: 1000 }), 'until is exclusive');
  assert.ok(!matchesQuery(e, { limit: 1, userId: 'wang' }));
  assert.ok(!matchesQuery(e, { limit: 1, action: 'EXPORT_CSV' }));
  assert.ok(matchesQuery(e, { limit: 1, subject: 'lsvau' }), 'subject matches regardless of case');
});

test('the CSV export quotes what needs quoting and writes times in UTC', () => {
  const csv = accessLogCsv([
    {
      accessId: '1',
      at: Date.UTC(2026, 11, 7, 9, 30),
      userId: 'li',
      role: 'supervisor',
      action: 'EXPORT_CSV',
      subjectKind: 'insights-report',
      subjectId: 'rows',
      detail: 'since=2026-01-01&by=maker',
      clientAddress: '10.0.0.7',
      userAgent: 'Mozilla/5.0 (X11, "Linux")',
    },
  ]);
  const [header, row] = csv.trimEnd().split('\r\n');
  assert.equal(header, 'at,userId,role,action,subjectKind,subjectId,clientAddress,detail,userAgent,accessId');
  assert.equal(
    row,
    '2026-12-07T09:30:00.000Z,li,supervisor,EXPORT_CSV,insights-report,rows,10.0.0.7,since=2026-01-01&by=maker,"Mozilla/5.0 (X11, ""Linux"")",1',
  );
});

test('every audited route is a route of the API', async () => {
  const { createApp } = await import('../src/app.js');
  const { Api } = await import('../src/http/api.js');
  const patterns: string[] = [];
  const original = Api.prototype.route;
  Api.prototype.route = function (this: InstanceType<typeof Api>, ...args: Parameters<typeof original>) {
    patterns.push(`${args[0]} ${args[1]}`);
    return original.apply(this, args);
  };
  try {
    const { DEFAULT_AUDIT, DEFAULT_SECURITY } = await import('../src/config.js');
    createApp(
      {
        host: '127.0.0.1',
        port: 0,
        users: [],
        secureCookie: false,
        sessionIdleMs: 1000,
        sessionMaxMs: 1000,
        brokers: [],
        temporalAddress: 'unused',
        temporalNamespace: 'default',
        casesTaskQueue: 'unused',
        queues: ['standard'],
        alertsTopic: 'unused',
        feedSize: 1,
        lag: { intervalMs: 1000, windowSize: 2, historySize: 2, groupPattern: '.*', topicPattern: '.*' },
        feedCheck: { topics: ['unused'], sample: 1, cacheMs: 1 },
        audit: DEFAULT_AUDIT,
        logLevel: 'silent',
        security: DEFAULT_SECURITY,
      },
      { withoutKafka: true, logger },
    );
  } finally {
    Api.prototype.route = original;
  }
  for (const key of AUDITED_ROUTES.keys()) assert.ok(patterns.includes(key), `${key} is a registered route`);
  assert.ok(patterns.includes('GET /api/cases/:vin'));
});

test('a view of a ring case page is recorded as VIEW_CASE with its own subject kind', () => {
  const describe = AUDITED_ROUTES.get('GET /api/cases/:vin')!;
  const url = new URL('http://x/');
  assert.deepEqual(describe({ vin: 'ring-transferee-91310000TRF' }, url), {
    action: 'VIEW_CASE',
    subjectKind: 'ring-case',
    subjectId: 'ring-transferee-91310000TRF',
  });
  assert.equal(describe({ vin: 'LSVAU2180N2183294' }, url).subjectKind, 'case');
});
