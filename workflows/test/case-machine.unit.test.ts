// The case state machine without Temporal: a fake clock, a stub for the routing patch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CaseMachine,
  InvalidCaseActionError,
  LATEST_PATCHES,
  openingSearchAttributes,
  searchAttributeChanges,
  searchAttributeValue,
  type CaseMachineOptions,
} from '../src/case-machine.js';
import {
  caseIdFor,
  DEFAULT_CASE_CONFIG,
  type Alert,
  type AlertV2Fields,
  type CaseAlert,
  type CaseConfig,
  type CaseInput,
} from '../src/shared.js';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const config: CaseConfig = { ...DEFAULT_CASE_CONFIG, supervisors: ['sup-1'] };

function machine(opts: Partial<CaseMachineOptions> & { input?: Partial<CaseInput>; patched?: boolean } = {}) {
  const vin = randomVin();
  const clock = { now: T0 };
  const patchAsks: number[] = [];
  const m = new CaseMachine(
    { caseId: caseIdFor(vin), vin, config, ...opts.input },
    {
      now: () => clock.now,
      routingByDestination: () => {
        patchAsks.push(clock.now);
        return opts.patched ?? true;
      },
      ...(opts.presetSlaDueAt ? { presetSlaDueAt: opts.presetSlaDueAt } : {}),
    },
  );
  return { m, vin, clock, patchAsks, alert: (o: Parameters<typeof makeAlert>[1] = {}) => makeAlert(vin, o) };
}

const rejects = (f: () => void, pattern: RegExp) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidCaseActionError, `expected InvalidCaseActionError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });

test('the first alert opens the case: routed, SLA started from workflow time, audited, one revision', () => {
  const { m, alert, patchAsks } = machine();
  assert.equal(m.hasEvidence, false);
  const a = alert({ severity: 'HIGH', destinationCountry: 'KZ', score: 0.7 });
  m.applyAlert(a);
  assert.equal(m.revision, 1);
  assert.equal(m.state.queue, 'standard');
  assert.equal(m.state.status, 'open');
  assert.equal(m.state.severity, 'HIGH');
  assert.equal(m.state.score, 0.7);
  assert.equal(m.state.openedAt, new Date(T0).toISOString());
  assert.equal(m.state.slaDueAt, new Date(T0 + 8 * HOUR).toISOString());
  assert.deepEqual(
    m.state.audit.map((e) => [e.by, e.action, e.detail]),
    [['system', 'opened', `${a.alertId} HIGH score=0.7 -> standard`]],
  );
  assert.deepEqual(patchAsks, [], 'the patch is not asked when the destination does not change the queue');
  assert.equal(m.slaRemainingMs(), 8 * HOUR);
});

test('routing: a priority destination asks the patch; runs from before it route by severity only', () => {
  const v2 = machine({ patched: true });
  v2.m.applyAlert(v2.alert({ severity: 'MEDIUM', destinationCountry: 'RU' }));
  assert.equal(v2.m.state.queue, 'priority');
  assert.equal(v2.patchAsks.length, 1);
  const v1 = machine({ patched: false });
  v1.m.applyAlert(v1.alert({ severity: 'MEDIUM', destinationCountry: 'RU' }));
  assert.equal(v1.m.state.queue, 'standard');
  const critical = machine();
  critical.m.applyAlert(critical.alert({ severity: 'CRITICAL', destinationCountry: 'RU' }));
  assert.equal(critical.m.state.queue, 'priority');
  assert.equal(critical.patchAsks.length, 0);
});

test('the escalator’s preset SLA due time is kept when it is not later than the workflow’s', () => {
  const earlier = new Date(T0 + 8 * HOUR - 250);
  const kept = machine({ presetSlaDueAt: earlier });
  kept.m.applyAlert(kept.alert({ severity: 'HIGH' }));
  assert.equal(kept.m.state.slaDueAt, earlier.toISOString());
  const later = machine({ presetSlaDueAt: new Date(T0 + 9 * HOUR) });
  later.m.applyAlert(later.alert({ severity: 'HIGH' }));
  assert.equal(later.m.state.slaDueAt, new Date(T0 + 8 * HOUR).toISOString());
});

test('duplicates are audited and change nothing; worse evidence raises severity, tightens the SLA and reroutes', () => {
  const { m, alert, clock } = machine();
  const first = alert({ severity: 'MEDIUM', destinationCountry: 'KZ', score: 0.9 });
  m.applyAlert(first);
  m.applyAlert(first);
  assert.equal(m.revision, 1);
  assert.equal(m.state.evidence.length, 1);
  assert.equal(m.state.audit[1]?.action, 'duplicate-alert-ignored');

  clock.now += HOUR;
  m.applyAlert(alert({ severity: 'CRITICAL', score: 0.5, destinationCountry: 'KZ' }));
  assert.equal(m.revision, 2);
  assert.equal(m.state.severity, 'CRITICAL');
  assert.equal(m.state.score, 0.9, 'score never lowers');
  assert.equal(m.state.slaDueAt, new Date(T0 + 3 * HOUR).toISOString(), 'now + 2 h beats the MEDIUM 48 h');
  assert.equal(m.state.queue, 'priority');
  assert.deepEqual(
    m.state.audit.slice(2).map((e) => e.action),
    ['evidence-added', 'rerouted'],
  );

  clock.now += HOUR;
  m.applyAlert(alert({ severity: 'LOW', destinationCountry: 'KZ' }));
  assert.equal(m.state.severity, 'CRITICAL', 'severity never lowers');
  assert.equal(m.state.slaDueAt, new Date(T0 + 3 * HOUR).toISOString(), 'the SLA never loosens');
});

test('claim, note, info request, release and decide: validators first, then the transition', () => {
  const { m, alert } = machine();
  rejects(() => m.checkClaim({ by: 'ana' }), /no evidence yet/);
  m.applyAlert(alert());
  rejects(() => m.checkDecide({ by: 'ana', decision: 'dismiss', reason: 'x' }), /claim the case/);
  rejects(() => m.checkClaim({ by: ' ' }), /by is required/);
  m.checkClaim({ by: 'ana' });
  m.claim({ by: 'ana' });
  assert.equal(m.state.status, 'in_review');
  assert.equal(m.state.assignee, 'ana');
  rejects(() => m.checkClaim({ by: 'bob' }), /already claimed by ana/);
  rejects(() => m.checkDecide({ by: 'ana', decision: 'confirm', reason: '  ' }), /reason is required/);
  rejects(() => m.checkDecide({ by: 'bob', decision: 'confirm', reason: 'r' }), /only the assignee/);
  rejects(
    () => m.checkDecide({ by: 'ana', decision: 'maybe' as never, reason: 'r' }),
    /decision must be confirm or dismiss/,
  );
  rejects(() => m.checkAddNote({ by: 'ana', text: '' }), /text is required/);
  rejects(() => m.checkAddNote({ by: 'ana', text: 'x'.repeat(4001) }), /longer than 4000/);
  rejects(() => m.checkRequestInfo({ by: 'bob', question: 'q' }), /only the assignee/);
  rejects(() => m.checkReassign({ by: 'ana', to: 'bob', reason: 'r' }), /not a supervisor/);

  const before = m.revision;
  m.addNote({ by: 'ana', text: 'a note' });
  m.requestInfo({ by: 'ana', question: 'odometer photo?' });
  assert.equal(m.revision, before, 'notes and questions do not wake the main loop');
  m.checkRelease({ by: 'ana' });
  m.release({ by: 'ana' });
  assert.equal(m.state.status, 'open');
  assert.equal(m.state.assignee, null);
  m.claim({ by: 'bob' });
  m.checkDecide({ by: 'bob', decision: 'dismiss', reason: ' dealer transfer ' });
  m.decide({ by: 'bob', decision: 'dismiss', reason: ' dealer transfer ' });
  assert.equal(m.decided, true);
  assert.equal(m.state.status, 'dismissed');
  assert.equal(m.state.slaDueAt, null);
  assert.equal(m.slaRemainingMs(), null);
  assert.equal(m.state.decision?.reason, 'dealer transfer');
  rejects(() => m.checkDecide({ by: 'bob', decision: 'confirm', reason: 'r' }), /case is dismissed/);
  assert.deepEqual(
    m.state.audit.map((a) => `${a.by}:${a.action}`),
    [
      'system:opened',
      'ana:claimed',
      'ana:note-added',
      'ana:info-requested',
      'ana:released',
      'bob:claimed',
      'bob:decided',
    ],
  );
  assert.equal(m.holdRecommendation('run-1'), null, 'a dismissal recommends no hold');
  assert.equal(m.outcome().decision, 'dismiss');
});

test('an SLA breach escalates to the supervisor queue; release keeps it escalated; a claim restarts the SLA', () => {
  const { m, alert, clock } = machine();
  m.applyAlert(alert({ severity: 'HIGH' }));
  m.claim({ by: 'ana' });
  clock.now += 8 * HOUR;
  assert.equal(m.slaRemainingMs(), 0);
  const n = m.breachSla();
  assert.equal(m.state.status, 'escalated');
  assert.equal(m.state.queue, 'supervisor');
  assert.equal(m.state.escalations, 1);
  assert.equal(m.state.slaDueAt, null);
  assert.equal(m.slaRemainingMs(), null, 'no timer while escalated');
  assert.deepEqual(
    { kind: n.kind, queue: n.queue, slaDueAt: n.slaDueAt, escalations: n.escalations },
    {
      kind: 'sla-breached',
      queue: 'supervisor',
      slaDueAt: new Date(T0 + 8 * HOUR).toISOString(),
      escalations: 1,
    },
  );
  m.release({ by: 'ana' });
  assert.equal(m.state.status, 'escalated');
  // New evidence while escalated stays with the supervisors.
  m.applyAlert(alert({ severity: 'CRITICAL', destinationCountry: 'RU' }));
  assert.equal(m.state.queue, 'supervisor');
  assert.equal(m.state.slaDueAt, null);
  clock.now += HOUR;
  m.claim({ by: 'carl' });
  assert.equal(m.state.status, 'in_review');
  assert.equal(m.state.slaDueAt, new Date(clock.now + 2 * HOUR).toISOString(), 'fresh CRITICAL SLA');
});

test('supervisors reassign (fresh SLA) and override severity and decision', () => {
  const { m, alert, clock } = machine();
  m.applyAlert(alert({ severity: 'LOW', destinationCountry: 'KZ' }));
  m.claim({ by: 'ana' });
  clock.now += HOUR;
  rejects(() => m.checkReassign({ by: 'sup-1', to: 'ana', reason: 'r' }), /already assigned to ana/);
  m.checkReassign({ by: 'sup-1', to: 'carl', reason: 'ana is out' });
  m.reassign({ by: 'sup-1', to: 'carl', reason: 'ana is out' });
  assert.equal(m.state.assignee, 'carl');
  assert.equal(m.state.slaDueAt, new Date(clock.now + 7 * 24 * HOUR).toISOString());

  rejects(() => m.checkOverride({ by: 'sup-1', reason: 'r' }), /needs a decision or a severity/);
  rejects(() => m.checkOverride({ by: 'sup-1', reason: 'r', severity: 'HUGE' as never }), /unknown severity/);
  rejects(() => m.checkOverride({ by: 'carl', reason: 'r', severity: 'HIGH' }), /not a supervisor/);
  const r = m.revision;
  m.overrideSeverity({ by: 'sup-1', reason: 'same', severity: 'LOW' });
  assert.equal(m.revision, r, 'overriding to the same severity is no change');
  m.overrideSeverity({ by: 'sup-1', reason: 'ring member', severity: 'CRITICAL' });
  assert.equal(m.revision, r + 1);
  assert.equal(m.state.queue, 'priority');
  assert.equal(m.state.slaDueAt, new Date(clock.now + 2 * HOUR).toISOString());
  assert.deepEqual(
    m.state.audit.slice(-2).map((a) => `${a.by}:${a.action}:${a.detail}`),
    ['sup-1:overridden:severity LOW -> CRITICAL: ring member', 'sup-1:rerouted:standard -> priority'],
  );
  m.overrideDecision({ by: 'sup-1', reason: 'obvious', decision: 'confirm' });
  assert.equal(m.state.decision?.override, true);
  assert.equal(m.state.status, 'confirmed');
  const hold = m.holdRecommendation('run-9');
  assert.equal(hold?.runId, 'run-9');
  assert.equal(hold?.severity, 'CRITICAL');
  m.outcomePublished();
  const n = m.customsFailed('422 Unprocessable');
  assert.equal(n.kind, 'customs-notification-failed');
  assert.equal(m.state.audit.at(-1)?.action, 'customs-notification-failed');
});

test('after the decision: replays are absorbed, new alerts wait to reopen the case as a new run', () => {
  const { m, alert } = machine();
  const a1 = alert({ severity: 'MEDIUM' });
  m.applyAlert(a1);
  m.claim({ by: 'ana' });
  m.decide({ by: 'ana', decision: 'dismiss', reason: 'not zero mileage' });
  const r = m.revision;
  m.applyAlert(a1);
  const a2 = alert({ severity: 'HIGH', declarationId: 'DEC-NEW' });
  m.applyAlert(a2);
  m.applyAlert(a2);
  assert.equal(m.revision, r);
  assert.deepEqual(m.lateAlerts, [a2]);
  const next = m.reopenInput('run-1');
  assert.deepEqual(next.reopen?.priorAlertIds, [a1.alertId]);
  assert.equal(next.reopen?.previousDecisions[0]?.decision, 'dismiss');

  const reopened = new CaseMachine(next, { now: () => T0 + HOUR, routingByDestination: () => true });
  for (const a of reopened.reopenAlerts) reopened.applyAlert(a);
  assert.equal(reopened.state.reopenedFromRunId, 'run-1');
  assert.equal(reopened.state.audit[0]?.action, 'reopened');
  reopened.applyAlert(a1);
  assert.equal(reopened.state.evidence.length, 1, 'an alert of an earlier run is a replay');
  assert.equal(m.result().status, 'dismissed');
});

test('continue-as-new carries the state as it is', () => {
  const { m, alert } = machine();
  m.applyAlert(alert());
  const next = m.continueAsNew(5001);
  assert.equal(m.state.audit.at(-1)?.detail, 'history 5001 events');
  const carried = new CaseMachine(next, { now: () => T0, routingByDestination: () => true });
  assert.deepEqual(carried.state, m.state);
  assert.equal(carried.hasEvidence, true);
});

test('search attributes: only differences; an exporter-only change asks its patch, otherwise rides along', () => {
  const { m, alert } = machine();
  m.applyAlert(alert({ severity: 'HIGH', exporterId: 'EXP-A' }));
  const visible = new Map<string, string>();
  let asks = 0;
  const changes = () =>
    searchAttributeChanges(visible, m.state, { exporterAlone: () => (asks++, true), typologies: () => true });
  const all = changes();
  // Every attribute but ZmAssignee (null, as a missing attribute is); the sample alert is v2, so
  // ZmFirstRegistrant is among them, and v3, so ZmTypologies is.
  assert.equal(all.length, 13);
  assert.ok(!all.some((p) => p.key.name === 'ZmAssignee'));
  assert.equal(asks, 0, 'the exporter rides along with other changes');
  for (const p of all) visible.set(p.key.name, searchAttributeValue(p.value));
  assert.deepEqual(changes(), []);

  m.applyAlert(alert({ severity: 'HIGH', exporterId: 'EXP-B' }));
  assert.deepEqual(
    changes().map((p) => p.key.name),
    ['ZmExporter'],
  );
  assert.equal(asks, 1);
  const unpatched = searchAttributeChanges(visible, m.state, {
    ...LATEST_PATCHES,
    exporterAlone: () => false,
  });
  assert.deepEqual(unpatched, [], 'runs from before the patch make no exporter-only upsert');
  assert.equal(searchAttributeValue(new Date(T0)), JSON.stringify(new Date(T0).toISOString()));
});

test('opening search attributes: the escalator presets what the machine decides, so the first task upserts nothing', () => {
  const vin = randomVin();
  const alert = makeAlert(vin, { severity: 'MEDIUM', destinationCountry: 'RU', jurisdiction: 'CN-SH' });
  const preset = openingSearchAttributes(config, alert, T0);
  const byName = new Map(preset.map((p) => [p.key.name, p.value]));
  assert.equal(byName.get('ZmQueue'), 'priority', 'v2 routing');
  assert.equal(byName.get('ZmStatus'), 'open');
  assert.equal(byName.get('ZmSeverityRank'), 2);
  assert.deepEqual(byName.get('ZmSlaDueAt'), new Date(T0 + 48 * HOUR));
  assert.equal(byName.get('ZmExporter'), alert.exporterId);
  assert.deepEqual(byName.get('ZmTypologies'), ['ZERO_MILEAGE']);
  assert.equal(byName.has('ZmAssignee'), false, 'no null attributes at start');

  // The workflow's first task, a little later, with the preset as its visible attributes.
  const visible = new Map(preset.map((p) => [p.key.name, searchAttributeValue(p.value)]));
  const m = new CaseMachine(
    { caseId: caseIdFor(vin), vin, config },
    { now: () => T0 + 300, routingByDestination: () => true, presetSlaDueAt: new Date(T0 + 48 * HOUR) },
  );
  m.applyAlert(alert);
  assert.deepEqual(
    searchAttributeChanges(visible, m.state, {
      exporterAlone: () => assert.fail('no patch asked'),
      typologies: () => assert.fail('no patch asked'),
    }),
    [],
  );
});

// --- alert revisions (contract v2: same alertId, higher revision; WITHDRAWN when the declaration goes) ---

type RevisionFields = Partial<AlertV2Fields> & Partial<Alert>;
const revise = (a: CaseAlert, revision: number, fields: RevisionFields = {}): CaseAlert => ({
  ...a,
  revision,
  status: 'ACTIVE',
  revisionReason: null,
  ...fields,
});
const actions = (m: CaseMachine, from = 0) => m.state.audit.slice(from).map((e) => e.action);

test('a higher-severity revision re-routes the case, tightens its SLA and is audited; equal and older revisions are duplicates', () => {
  const { m, alert, clock } = machine();
  const a = alert({ severity: 'MEDIUM', score: 40, destinationCountry: 'KZ' });
  m.applyAlert(a);
  clock.now += HOUR;
  const r1 = revise(a, 1, {
    severity: 'CRITICAL',
    score: 90,
    revisionReason: 'late pending-export transfer',
  });
  m.applyAlert(r1);
  assert.equal(m.state.severity, 'CRITICAL');
  assert.equal(m.state.score, 90);
  assert.equal(m.state.queue, 'priority');
  assert.equal(m.state.slaDueAt, new Date(T0 + 3 * HOUR).toISOString(), 'now + 2 h beats the MEDIUM 48 h');
  assert.deepEqual(actions(m, 1), ['revised', 'severity-raised', 'rerouted']);
  assert.match(m.state.audit[1]!.detail!, /rev 1 CRITICAL score=90 \(late pending-export transfer\)/);
  assert.equal(m.state.audit[2]!.detail, `MEDIUM -> CRITICAL (${a.alertId} rev 1)`);
  assert.equal(m.state.evidence.length, 2, 'the evidence is the revision history');

  const r = m.revision;
  m.applyAlert(r1);
  m.applyAlert(revise(a, 0, { severity: 'LOW' }));
  m.applyAlert(a);
  assert.equal(m.revision, r, 'equal and older revisions change nothing');
  assert.deepEqual(actions(m, 4), [
    'duplicate-alert-ignored',
    'duplicate-alert-ignored',
    'duplicate-alert-ignored',
  ]);
  assert.equal(m.state.evidence.length, 2);
  assert.equal(m.state.severity, 'CRITICAL');
});

test('a lower-severity revision moves an unclaimed case down (queue, SLA from opening) and is only recorded on a claimed one', () => {
  const open = machine();
  const a = open.alert({ severity: 'CRITICAL', score: 90, destinationCountry: 'KZ' });
  open.m.applyAlert(a);
  open.clock.now += HOUR;
  open.m.applyAlert(revise(a, 1, { severity: 'MEDIUM', score: 40 }));
  assert.equal(open.m.state.severity, 'MEDIUM');
  assert.equal(open.m.state.score, 40);
  assert.equal(open.m.state.queue, 'standard');
  assert.equal(open.m.state.slaDueAt, new Date(T0 + 48 * HOUR).toISOString());
  assert.deepEqual(actions(open.m, 1), ['revised', 'severity-lowered', 'rerouted']);

  const claimed = machine();
  const b = claimed.alert({ severity: 'CRITICAL', score: 90, destinationCountry: 'KZ' });
  claimed.m.applyAlert(b);
  claimed.m.claim({ by: 'ana' });
  const due = claimed.m.state.slaDueAt;
  claimed.m.applyAlert(revise(b, 1, { severity: 'LOW', score: 10 }));
  assert.equal(claimed.m.state.severity, 'CRITICAL');
  assert.equal(claimed.m.state.queue, 'priority');
  assert.equal(claimed.m.state.slaDueAt, due);
  assert.equal(claimed.m.state.assignee, 'ana');
  assert.deepEqual(actions(claimed.m, 2), ['revised', 'severity-lower-recorded']);
  assert.match(claimed.m.state.audit.at(-1)!.detail!, /says LOW; the case stays CRITICAL \(claimed by ana\)/);

  const overridden = machine();
  const c = overridden.alert({ severity: 'MEDIUM', destinationCountry: 'KZ' });
  overridden.m.applyAlert(c);
  overridden.m.overrideSeverity({ by: 'sup-1', reason: 'known ring', severity: 'HIGH' });
  overridden.m.applyAlert(revise(c, 1, { severity: 'LOW' }));
  assert.equal(overridden.m.state.severity, 'HIGH', 'a supervisor’s severity is not undone by a revision');
});

test('a withdrawal closes an unclaimed case as withdrawn: no decision, no SLA; a new alert reopens it, a revision does not', () => {
  const { m, alert } = machine();
  const a = alert({ severity: 'HIGH' });
  m.applyAlert(a);
  m.applyAlert(revise(a, 1, { status: 'WITHDRAWN', revisionReason: 'declaration cancelled' }));
  assert.equal(m.state.status, 'withdrawn');
  assert.equal(m.closed, true);
  assert.equal(m.decided, false);
  assert.equal(m.state.slaDueAt, null);
  assert.equal(m.slaRemainingMs(), null);
  assert.deepEqual(m.state.withdrawal, {
    at: new Date(T0).toISOString(),
    alertId: a.alertId,
    revision: 1,
    reason: 'declaration cancelled',
  });
  assert.deepEqual(actions(m, 1), ['revised', 'declaration-withdrawn']);
  rejects(() => m.checkClaim({ by: 'ana' }), /case is withdrawn/);
  assert.equal(m.result().status, 'withdrawn');
  assert.equal(m.result().decision, null);

  const r = m.revision;
  m.applyAlert(revise(a, 2, { status: 'WITHDRAWN' }));
  assert.equal(m.revision, r, 'a revision after the case closed moves nothing');
  assert.equal(m.state.audit.at(-1)?.action, 'revised');
  const fresh = alert({ severity: 'LOW', declarationId: 'DEC-NEXT' });
  m.applyAlert(fresh);
  assert.deepEqual(m.lateAlerts, [fresh]);
  const next = m.reopenInput('run-w');
  assert.deepEqual(next.reopen?.previousDecisions, []);
  assert.deepEqual(next.reopen?.priorAlertIds, [a.alertId]);
});

test('a withdrawal on a claimed case leaves it with its assignee, with a note and the withdrawal shown; releasing it closes it', () => {
  const { m, alert } = machine();
  const a = alert({ severity: 'HIGH' });
  m.applyAlert(a);
  m.claim({ by: 'ana' });
  m.applyAlert(revise(a, 1, { status: 'WITHDRAWN', revisionReason: 'declaration rejected' }));
  assert.equal(m.state.status, 'in_review');
  assert.equal(m.state.assignee, 'ana');
  assert.equal(m.state.withdrawal?.reason, 'declaration rejected');
  assert.equal(m.state.notes.length, 1);
  assert.equal(m.state.notes[0]?.by, 'system');
  assert.match(m.state.notes[0]!.text, /^Declaration withdrawn: .* rev 1 \(declaration rejected\)/);
  assert.deepEqual(actions(m, 2), ['revised', 'declaration-withdrawn']);
  m.applyAlert(revise(a, 2, { status: 'WITHDRAWN' }));
  assert.equal(m.state.notes.length, 1, 'one note per withdrawal');
  m.checkDecide({ by: 'ana', decision: 'dismiss', reason: 'withdrawn' });
  m.release({ by: 'ana' });
  assert.equal(m.state.status, 'withdrawn');
  assert.equal(m.closed, true);
});

test('a case with two declarations stays open when one is withdrawn, and follows the remaining one', () => {
  const { m, alert } = machine();
  const a = alert({ severity: 'CRITICAL', score: 90, destinationCountry: 'KZ' });
  const b = alert({ severity: 'MEDIUM', score: 40, destinationCountry: 'KZ', declarationId: 'DEC-B' });
  m.applyAlert(a);
  m.applyAlert(b);
  m.applyAlert(revise(a, 1, { status: 'WITHDRAWN' }));
  assert.equal(m.state.status, 'open');
  assert.equal(m.state.withdrawal, null);
  assert.equal(m.state.severity, 'MEDIUM');
  assert.equal(m.state.queue, 'standard');
  m.applyAlert(revise(b, 1, { status: 'WITHDRAWN' }));
  assert.equal(m.state.status, 'withdrawn');
});

test('revisions sit behind their patch: a run from before them ignores one as a duplicate, and the patch is asked only for a higher revision', () => {
  const vin = randomVin();
  let asks = 0;
  const m = new CaseMachine(
    { caseId: caseIdFor(vin), vin, config },
    { now: () => T0, routingByDestination: () => true, alertRevisions: () => (asks++, false) },
  );
  const a = makeAlert(vin, { severity: 'LOW', destinationCountry: 'KZ' });
  m.applyAlert(a);
  m.applyAlert(a);
  assert.equal(asks, 0);
  m.applyAlert(revise(a, 1, { severity: 'CRITICAL' }));
  assert.equal(asks, 1);
  assert.equal(m.state.severity, 'LOW');
  assert.equal(m.state.evidence.length, 1);
  assert.equal(m.state.audit.at(-1)?.action, 'duplicate-alert-ignored');
});

test('v2 parties: the holder is ZmRegistrant, the first registrant ZmFirstRegistrant; v1 alerts set no first registrant', () => {
  const { m, alert } = machine();
  const a = {
    ...alert({ registrantId: 'HOLDER-1' }),
    firstRegistrant: { id: 'FIRST-1', type: 'TRADING_COMPANY' },
    holderAtDeclaration: { id: 'HOLDER-1', type: 'LICENSED_EXPORTER' },
  } satisfies CaseAlert;
  m.applyAlert(a);
  assert.equal(m.state.registrantId, 'HOLDER-1');
  assert.equal(m.state.firstRegistrantId, 'FIRST-1');
  const sa = searchAttributeChanges(new Map(), m.state, LATEST_PATCHES);
  assert.equal(sa.find((p) => p.key.name === 'ZmFirstRegistrant')?.value, 'FIRST-1');
  const v1 = machine();
  // A v1 alert read with the v2 schema: the typed parties are null.
  v1.m.applyAlert(v1.alert({ firstRegistrant: null, holderAtDeclaration: null, exporter: null }));
  assert.equal(v1.m.state.firstRegistrantId, null);
  assert.ok(
    !searchAttributeChanges(new Map(), v1.m.state, LATEST_PATCHES).some(
      (p) => p.key.name === 'ZmFirstRegistrant',
    ),
  );
});

test('an alert reinstated after its withdrawal closed the case reopens it as a new run, with that alert as new evidence', () => {
  const { m, alert } = machine();
  const a = alert({ severity: 'HIGH' });
  m.applyAlert(a);
  m.applyAlert(revise(a, 1, { status: 'WITHDRAWN', revisionReason: 'CANCELLED' }));
  assert.equal(m.state.status, 'withdrawn');
  const back = revise(a, 2, { status: 'ACTIVE', severity: 'CRITICAL', revisionReason: 'REINSTATED' });
  m.applyAlert(back);
  assert.deepEqual(m.lateAlerts, [back]);
  const next = m.reopenInput('run-r');
  assert.deepEqual(next.reopen?.priorAlertIds, []);
  const reopened = new CaseMachine(next, { now: () => T0 + HOUR, routingByDestination: () => true });
  for (const r of reopened.reopenAlerts) reopened.applyAlert(r);
  assert.equal(reopened.state.status, 'open');
  assert.equal(reopened.state.severity, 'CRITICAL');
  assert.equal(reopened.state.audit[0]?.action, 'reopened');
  reopened.applyAlert(revise(a, 1, { status: 'WITHDRAWN' }));
  assert.equal(reopened.state.status, 'open', 'the older withdrawal is a duplicate');
});

// --- typologies (contract v3: the typologies an alert reached; ZmTypologies, a KeywordList) ---

const verdict = (typology: string, reached: boolean) => ({
  typology,
  score: reached ? 50 : 5,
  severity: reached ? ('HIGH' as const) : null,
  reached,
});

test('ZmTypologies is the sorted union of the reached typologies of the latest active revisions, behind its patch', () => {
  const { m, alert } = machine();
  const visible = new Map<string, string>();
  let asks = 0;
  const changes = (typologies = true) =>
    searchAttributeChanges(visible, m.state, {
      exporterAlone: () => assert.fail('the exporter does not change here'),
      typologies: () => (asks++, typologies),
    });
  const sync = () => {
    const c = changes();
    for (const p of c) visible.set(p.key.name, searchAttributeValue(p.value));
    return c;
  };
  const typologiesOf = (c: ReturnType<typeof changes>) => c.find((p) => p.key.name === 'ZmTypologies')?.value;

  const zm = alert({ severity: 'HIGH', score: 60 });
  m.applyAlert(zm);
  assert.deepEqual(typologiesOf(sync()), ['ZERO_MILEAGE']);
  assert.equal(asks, 1);

  // A second declaration that reaches the ring typology (and not compliance): only ZmTypologies moves.
  const ring = alert({
    severity: 'MEDIUM',
    score: 30,
    typologies: [verdict('RING_OR_TRADER', true), verdict('COMPLIANCE_BREACH', false)],
  });
  m.applyAlert(ring);
  const added = sync();
  assert.deepEqual(
    added.map((p) => [p.key.name, p.value]),
    [['ZmTypologies', ['RING_OR_TRADER', 'ZERO_MILEAGE']]],
  );
  assert.equal(asks, 2);
  assert.deepEqual(changes(), [], 'the same set is the same value: nothing to upsert, no patch asked');
  assert.equal(asks, 2);

  // Its later revision reaches compliance instead; then the ring alert is withdrawn.
  m.applyAlert(revise(ring, 1, { typologies: [verdict('COMPLIANCE_BREACH', true)] }));
  assert.deepEqual(typologiesOf(sync()), ['COMPLIANCE_BREACH', 'ZERO_MILEAGE']);
  m.applyAlert(revise(ring, 2, { status: 'WITHDRAWN', typologies: [verdict('COMPLIANCE_BREACH', true)] }));
  assert.deepEqual(typologiesOf(sync()), ['ZERO_MILEAGE'], 'a withdrawn revision no longer counts');

  // A run from before the attribute: a change of typologies never upserts it, even beside other changes.
  m.applyAlert(alert({ severity: 'CRITICAL', score: 90, typologies: [verdict('RING_OR_TRADER', true)] }));
  const unpatched = changes(false);
  assert.ok(unpatched.length > 0, 'severity, queue and SLA moved');
  assert.ok(!unpatched.some((p) => p.key.name === 'ZmTypologies'));
});

test('an alert written before contract v3 (no typology verdicts) counts as ZERO_MILEAGE; a case with no active alert has none', () => {
  const { m, alert } = machine();
  // A v2 alert read with the v3 schema: `typologies` defaults to [].
  const v2 = alert({ typologies: [] });
  m.applyAlert(v2);
  assert.deepEqual(
    openingSearchAttributes(config, v2, T0).find((p) => p.key.name === 'ZmTypologies')?.value,
    ['ZERO_MILEAGE'],
  );
  const visible = new Map([['ZmTypologies', searchAttributeValue(['ZERO_MILEAGE'])]]);
  assert.ok(
    !searchAttributeChanges(visible, m.state, LATEST_PATCHES).some((p) => p.key.name === 'ZmTypologies'),
  );
  m.applyAlert(revise(v2, 1, { status: 'WITHDRAWN' }));
  assert.equal(m.state.status, 'withdrawn');
  const withdrawn = searchAttributeChanges(visible, m.state, LATEST_PATCHES);
  assert.deepEqual(
    withdrawn.filter((p) => p.key.name === 'ZmTypologies').map((p) => p.value),
    [null],
    'removed from visibility',
  );
});
