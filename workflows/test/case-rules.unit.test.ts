import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  caseConfigEnv,
  caseConfigFromEnv,
  DEFAULT_CASE_CONFIG,
  holdIdempotencyKey,
  maxSeverity,
  parseDuration,
  queueQuery,
  routeQueue,
  validateCaseConfig,
  CaseActionRejectedError,
} from '../src/index.js';
import { isRetriableStatus } from '../src/worker-entry.js';

const cfg = DEFAULT_CASE_CONFIG;

test('routing: CRITICAL or a priority destination goes to priority, the rest to standard, escalated to supervisor', () => {
  assert.equal(
    routeQueue(cfg, { severity: 'CRITICAL', destinationCountry: 'KZ', escalated: false }),
    'priority',
  );
  assert.equal(routeQueue(cfg, { severity: 'LOW', destinationCountry: 'RU', escalated: false }), 'priority');
  assert.equal(routeQueue(cfg, { severity: 'LOW', destinationCountry: 'ru', escalated: false }), 'priority');
  assert.equal(routeQueue(cfg, { severity: 'HIGH', destinationCountry: 'KZ', escalated: false }), 'standard');
  assert.equal(routeQueue(cfg, { severity: 'HIGH', destinationCountry: null, escalated: false }), 'standard');
  assert.equal(
    routeQueue(cfg, { severity: 'CRITICAL', destinationCountry: 'RU', escalated: true }),
    'supervisor',
  );
});

test('routing v1 (before the routing-by-destination patch) ignores the destination', () => {
  assert.equal(
    routeQueue(cfg, { severity: 'LOW', destinationCountry: 'RU', escalated: false }, false),
    'standard',
  );
  assert.equal(
    routeQueue(cfg, { severity: 'CRITICAL', destinationCountry: 'KZ', escalated: false }, false),
    'priority',
  );
});

test('severity only rises', () => {
  assert.equal(maxSeverity('LOW', 'HIGH'), 'HIGH');
  assert.equal(maxSeverity('CRITICAL', 'MEDIUM'), 'CRITICAL');
});

test('durations', () => {
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1.5s'), 1_500);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.throws(() => parseDuration('2 hours'), /not a duration/);
});

test('case config from the environment: defaults, overrides, and a message naming the bad variable', () => {
  const schema = z.object(caseConfigEnv);
  const defaults = caseConfigFromEnv(schema.parse({}));
  assert.deepEqual(defaults, DEFAULT_CASE_CONFIG);
  const custom = caseConfigFromEnv(
    schema.parse({
      ZM_SLA_CRITICAL: '30m',
      ZM_PRIORITY_DESTINATIONS: 'ru, by',
      ZM_PRIORITY_SEVERITIES: 'HIGH,CRITICAL',
      ZM_SUPERVISORS: 'sup-1,sup-2',
    }),
  );
  assert.equal(custom.slaMs.CRITICAL, 1_800_000);
  assert.deepEqual(custom.routing.priorityDestinations, ['RU', 'BY']);
  assert.deepEqual(custom.routing.prioritySeverities, ['HIGH', 'CRITICAL']);
  assert.deepEqual(custom.supervisors, ['sup-1', 'sup-2']);
  const bad = schema.safeParse({ ZM_SLA_HIGH: 'soon', ZM_PRIORITY_SEVERITIES: 'URGENT' });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues.map((i) => i.path[0]).sort(), ['ZM_PRIORITY_SEVERITIES', 'ZM_SLA_HIGH']);
});

test('config validation rejects unusable SLAs and queue names', () => {
  assert.deepEqual(validateCaseConfig(cfg), []);
  const broken = {
    ...cfg,
    slaMs: { ...cfg.slaMs, LOW: 0 },
    routing: { ...cfg.routing, standardQueue: "a' OR 1=1" },
  };
  assert.equal(validateCaseConfig(broken).length, 2);
});

test('queue queries filter open statuses by default and refuse values that could break the quoting', () => {
  const q = queueQuery('priority');
  assert.match(q, /WorkflowType = 'caseWorkflow'/);
  assert.match(q, /ZmQueue = 'priority'/);
  assert.match(q, /ZmStatus IN \('open', 'in_review', 'escalated'\)/);
  assert.match(queueQuery('standard', { assignee: null }), /ZmAssignee IS NULL/);
  assert.match(
    queueQuery('standard', { assignee: 'ana', severity: ['HIGH', 'CRITICAL'], destination: 'ru' }),
    /ZmSeverity IN \('HIGH', 'CRITICAL'\) AND ZmAssignee = 'ana' AND ZmDestination = 'RU'/,
  );
  assert.match(queueQuery('standard', { status: 'escalated' }), /ZmStatus = 'escalated'/);
  assert.match(
    queueQuery(null, { vins: ['LSVAU2180N2183294', 'LSVAU2180N2183295'] }),
    /WorkflowId IN \('case-LSVAU2180N2183294', 'case-LSVAU2180N2183295'\)/,
  );
  assert.match(queueQuery('standard', { typology: 'RING_OR_TRADER' }), /ZmTypologies = 'RING_OR_TRADER'/);
  assert.match(
    queueQuery('standard', { typology: ['RING_OR_TRADER', 'COMPLIANCE_BREACH'] }),
    /ZmTypologies IN \('RING_OR_TRADER', 'COMPLIANCE_BREACH'\)/,
  );
  assert.throws(() => queueQuery("x' OR ZmQueue != '"), CaseActionRejectedError);
  assert.throws(() => queueQuery('standard', { assignee: "ana'" }), CaseActionRejectedError);
});

test('customs statuses: 408, 429 and 5xx are retried; other 4xx are permanent', () => {
  for (const s of [408, 429, 500, 502, 503]) assert.equal(isRetriableStatus(s), true, String(s));
  for (const s of [400, 401, 403, 404, 409, 422]) assert.equal(isRetriableStatus(s), false, String(s));
  assert.equal(holdIdempotencyKey('case-X', 'run-1'), 'case-X-run-1');
});
