// The pure decisions of a case page read (src/case-read.ts): when the projection the worker wrote is
// current, when it may be behind (and the page says why), and the queue summary as a last resort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaseMachine } from '../src/case-machine.js';
import { judgeProjection, summaryRead } from '../src/case-read.js';
import type { CaseSummary } from '../src/case-summary.js';
import { CASE_VIEW_VERSION, parseCaseView, type CaseViewRecord } from '../src/case-view-store.js';
import { makeAlert, testCaseConfig } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';

const vin = randomVin();
const machine = new CaseMachine(
  { caseId: `case-${vin}`, vin, config: testCaseConfig('read') },
  { now: () => Date.parse('2026-12-07T10:00:00Z'), routingByDestination: () => true },
);
machine.applyAlert(makeAlert(vin));
const view: CaseViewRecord = {
  v: CASE_VIEW_VERSION,
  state: machine.state,
  runId: 'run-1',
  publishedAt: Date.parse('2026-12-07T10:00:01Z'),
};

const summary: CaseSummary = {
  caseId: `case-${vin}`,
  vin,
  runId: 'run-1',
  queue: 'priority-read',
  status: 'in_review',
  severity: 'HIGH',
  score: 0.8,
  assignee: 'ana',
  destination: 'RU',
  registrant: 'REG-1',
  firstRegistrant: null,
  exporter: 'EXP-42',
  jurisdiction: 'CN-GD',
  slaDueAt: new Date('2026-12-07T12:00:00Z'),
  openedAt: new Date('2026-12-07T10:00:00Z'),
  executionStatus: 'RUNNING',
};
const described = (over: { runId?: string; pendingWorkflowTask?: boolean } = {}) => ({
  runId: over.runId ?? 'run-1',
  pendingWorkflowTask: over.pendingWorkflowTask ?? false,
  summary,
});

test('the projection of the latest run with no pending workflow task is current: no note', () => {
  const r = judgeProjection(view, described());
  assert.equal(r.source, 'projection');
  assert.equal(r.stale, false);
  assert.equal(r.note, null);
  assert.equal(r.asOf, '2026-12-07T10:00:01.000Z');
  assert.equal(r.state.evidence.length, 1);
});

test('a pending workflow task (events the worker has not applied) makes the projection stale, saying the worker is busy', () => {
  const r = judgeProjection(view, described({ pendingWorkflowTask: true }));
  assert.equal(r.stale, true);
  assert.match(r.note!, /case worker has not applied the latest/);
  assert.equal(r.state, view.state, 'what the worker last wrote is still shown');
});

test('a newer run than the projection, or no answer from Temporal in time, is stale too', () => {
  assert.match(judgeProjection(view, described({ runId: 'run-2' })).note!, /newer run/);
  const late = judgeProjection(view, undefined);
  assert.equal(late.stale, true);
  assert.match(late.note!, /did not confirm in time/);
});

test('the queue summary becomes a case with no evidence, marked stale, keeping what the queue row shows', () => {
  const r = summaryRead(summary, new Date('2026-12-07T10:00:05Z'));
  assert.equal(r.source, 'summary');
  assert.equal(r.stale, true);
  assert.match(r.note!, /only its queue summary/);
  assert.deepEqual(
    [r.state.status, r.state.queue, r.state.severity, r.state.assignee, r.state.destinationCountry],
    ['in_review', 'priority-read', 'HIGH', 'ana', 'RU'],
  );
  assert.equal(r.state.slaDueAt, '2026-12-07T12:00:00.000Z');
  assert.deepEqual(r.state.evidence, []);
});

test('a stored record of another format version, or not JSON, reads as no projection', () => {
  assert.deepEqual(parseCaseView(JSON.stringify(view)), view);
  assert.equal(parseCaseView(JSON.stringify({ ...view, v: 99 })), null);
  assert.equal(parseCaseView('{not json'), null);
  assert.equal(parseCaseView(null), null);
});
