// Case workflow against the real Temporal dev server of the local stack with a real worker, a real
// Kafka topic for outcomes and a real local HTTP server standing in for customs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { CaseActionRejectedError, caseIdFor } from '../src/index.js';
import { caseViewSinks, WORKFLOWS_PATH } from '../src/worker-entry.js';
import { useCaseEnv } from './support/case-env.js';
import { caseWhereOn } from './support/case-where.js';
import { eventually, makeAlert, runId, testCaseConfig } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';

const run = runId();
const config = testCaseConfig(run);
const ctx = useCaseEnv(run);
const caseWhere = caseWhereOn({ getCase: (key) => ctx.env.cases.getCase(key) }, 15_000);

async function inQueue(queue: string, vin: string, filters = {}) {
  return eventually(
    async () => {
      const page = await ctx.env.cases.listQueue(queue, filters, { pageSize: 100 });
      return page.cases.find((c) => c.vin === vin);
    },
    15_000,
    `${vin} visible in queue ${queue}`,
  );
}

async function rejection(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => assert.fail('expected the update to be rejected'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CaseActionRejectedError, `expected CaseActionRejectedError, got ${String(err)}`);
  return err.message;
}

describe('case workflow (real dev server)', { timeout: 120_000 }, () => {
  test('an alert opens a case routed by severity and destination, visible by a visibility query on its queue', async () => {
    const standardVin = randomVin();
    const ruVin = randomVin();
    const criticalVin = randomVin();
    const r1 = await ctx.env.cases.signalAlert(
      makeAlert(standardVin, { severity: 'HIGH', destinationCountry: 'KZ' }),
      config,
    );
    await ctx.env.cases.signalAlert(
      makeAlert(ruVin, { severity: 'MEDIUM', destinationCountry: 'RU' }),
      config,
    );
    await ctx.env.cases.signalAlert(
      makeAlert(criticalVin, { severity: 'CRITICAL', destinationCountry: 'AE' }),
      config,
    );
    assert.equal(r1.started, true);
    assert.equal(r1.caseId, caseIdFor(standardVin));

    const s = await inQueue(config.routing.standardQueue, standardVin);
    assert.equal(s.status, 'open');
    assert.equal(s.severity, 'HIGH');
    assert.equal(s.assignee, null);
    assert.ok(s.slaDueAt instanceof Date);
    await inQueue(config.routing.priorityQueue, ruVin);
    await inQueue(config.routing.priorityQueue, criticalVin);

    const c = await caseWhere(standardVin, (x) => x.evidence.length === 1, 'case state');
    assert.equal(c.queue, config.routing.standardQueue);
    assert.equal(c.audit[0]?.action, 'opened');
    assert.equal(c.audit[0]?.by, 'system');
    assert.match(c.audit[0]!.at, /^\d{4}-\d\d-\d\dT/);
    // The escalator's start attributes already match: opening the case costs no upsert at all.
    const upserts = async (vin: string) =>
      ((await ctx.env.client.workflow.getHandle(caseIdFor(vin)).fetchHistory()).events ?? []).flatMap((e) =>
        Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
      );
    assert.deepEqual(await upserts(standardVin), []);
    // The RU case was routed by the v2 (patched) rule: its history carries the patch marker.
    await caseWhere(ruVin, (x) => x.evidence.length === 1, 'RU case');
    assert.deepEqual(await upserts(ruVin), ['TemporalChangeVersion']);
    assert.equal(c.slaDueAt, s.slaDueAt!.toISOString());
  });

  test('duplicate alerts make one case with the evidence once; new evidence raises severity and moves the case', async () => {
    const vin = randomVin();
    const first = makeAlert(vin, { severity: 'MEDIUM', destinationCountry: 'KZ' });
    const results = await Promise.all([1, 2, 3].map(() => ctx.env.cases.signalAlert(first, config)));
    assert.equal(new Set(results.map((r) => r.runId)).size, 1, 'one run for the VIN');
    assert.equal(results.filter((r) => r.started).length, 1, 'exactly one signal started the case');
    const c1 = await caseWhere(
      vin,
      (c) => c.audit.filter((a) => a.action === 'duplicate-alert-ignored').length === 2,
      'duplicates seen',
    );
    assert.equal(c1.evidence.length, 1);
    assert.equal(c1.queue, config.routing.standardQueue);

    const worse = makeAlert(vin, { severity: 'CRITICAL', score: 0.97, destinationCountry: 'KZ' });
    const r = await ctx.env.cases.signalAlert(worse, config);
    assert.equal(r.started, false);
    const c2 = await caseWhere(vin, (c) => c.evidence.length === 2, 'second evidence');
    assert.equal(c2.severity, 'CRITICAL');
    assert.equal(c2.score, 0.97);
    assert.equal(c2.queue, config.routing.priorityQueue);
    assert.ok(c2.audit.some((a) => a.action === 'rerouted'));
    const moved = await inQueue(config.routing.priorityQueue, vin);
    assert.equal(moved.severity, 'CRITICAL');
  });

  test('a case is found by the exporter of its latest alert (ZmExporter)', async () => {
    const vin = randomVin();
    const [first, second] = [`EXP-${run}-A`, `EXP-${run}-B`];
    const queue = config.routing.standardQueue;
    await ctx.env.cases.signalAlert(makeAlert(vin, { severity: 'HIGH', exporterId: first }), config);
    const found = await inQueue(queue, vin, { exporter: first, status: ['open'] });
    assert.equal(found.exporter, first);
    const none = await ctx.env.cases.listQueue(queue, { exporter: `EXP-${run}-none` });
    assert.equal(none.cases.length, 0);

    // Same severity, score and destination: only the exporter changes, so its upsert is the patched one.
    await ctx.env.cases.signalAlert(makeAlert(vin, { severity: 'HIGH', exporterId: second }), config);
    await caseWhere(vin, (c) => c.evidence.length === 2, 'second alert');
    await inQueue(queue, vin, { exporter: second });
    const history = await ctx.env.client.workflow.getHandle(caseIdFor(vin)).fetchHistory();
    const upserted = (history.events ?? []).flatMap((e) =>
      Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
    );
    assert.deepEqual(upserted.sort(), ['TemporalChangeVersion', 'ZmExporter']);
    const stale = await ctx.env.cases.listQueue(queue, { exporter: first });
    assert.equal(
      stale.cases.some((c) => c.vin === vin),
      false,
    );
  });

  test('a queue filtered by typology (ZmTypologies) lists the cases holding it; an alert that adds or withdraws one moves the case in or out', async () => {
    const queue = config.routing.standardQueue;
    const verdict = (typology: string, reached = true) => ({
      typology,
      score: reached ? 60 : 10,
      severity: reached ? ('HIGH' as const) : null,
      reached,
    });
    const [zmVin, ringVin, complianceVin, v2Vin] = [randomVin(), randomVin(), randomVin(), randomVin()];
    const mine = [zmVin, ringVin, complianceVin, v2Vin];
    await Promise.all([
      ctx.env.cases.signalAlert(makeAlert(zmVin, { severity: 'HIGH' }), config),
      ctx.env.cases.signalAlert(
        makeAlert(ringVin, {
          severity: 'HIGH',
          typologies: [verdict('ZERO_MILEAGE', false), verdict('RING_OR_TRADER')],
        }),
        config,
      ),
      ctx.env.cases.signalAlert(
        makeAlert(complianceVin, { severity: 'HIGH', typologies: [verdict('COMPLIANCE_BREACH')] }),
        config,
      ),
      // An alert written before contract v3: no verdicts, so a zero-mileage case.
      ctx.env.cases.signalAlert(makeAlert(v2Vin, { severity: 'HIGH', typologies: [] }), config),
    ]);
    const listed = async (typology: string | string[]) =>
      (await ctx.env.cases.listQueue(queue, { typology, vins: mine }, { pageSize: 100 })).cases
        .map((c) => c.vin)
        .sort();
    const until = (typology: string | string[], vins: string[]) =>
      eventually(
        async () => ((await listed(typology)).join() === [...vins].sort().join() ? true : undefined),
        20_000,
        `${String(typology)} lists ${vins.join(', ')}`,
      );
    await until('ZERO_MILEAGE', [zmVin, v2Vin]);
    await until('RING_OR_TRADER', [ringVin]);
    await until('COMPLIANCE_BREACH', [complianceVin]);
    await until(['RING_OR_TRADER', 'COMPLIANCE_BREACH'], [ringVin, complianceVin]);
    const row = (await ctx.env.cases.listQueue(queue, { vins: [ringVin] })).cases[0];
    assert.deepEqual(row?.typologies, ['RING_OR_TRADER'], 'the queue row shows the typologies');
    // Preset by the escalator: opening these cases cost no upsert (nor a patch marker).
    const upserted = async (vin: string) =>
      ((await ctx.env.client.workflow.getHandle(caseIdFor(vin)).fetchHistory()).events ?? []).flatMap((e) =>
        Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
      );
    await caseWhere(ringVin, (c) => c.evidence.length === 1, 'ring case opened');
    assert.deepEqual(await upserted(ringVin), []);

    // A second declaration of the zero-mileage car reaches the ring typology: same severity, score
    // and exporter, so the upsert is ZmTypologies alone, behind its patch.
    const ring = makeAlert(zmVin, { severity: 'HIGH', typologies: [verdict('RING_OR_TRADER')] });
    await ctx.env.cases.signalAlert(ring, config);
    await until('RING_OR_TRADER', [ringVin, zmVin]);
    await until('ZERO_MILEAGE', [zmVin, v2Vin]);
    assert.deepEqual((await upserted(zmVin)).sort(), ['TemporalChangeVersion', 'ZmTypologies']);

    // That alert withdrawn: the case holds zero-mileage only again.
    await ctx.env.cases.signalAlert(
      { ...ring, revision: 1, status: 'WITHDRAWN', revisionReason: 'declaration cancelled' },
      config,
    );
    await until('RING_OR_TRADER', [ringVin]);
    const back = await caseWhere(zmVin, (c) => c.evidence.length === 3, 'withdrawal applied');
    assert.equal(back.status, 'open');
  });

  test('revisions: a higher severity moves the case to its queue, a withdrawal closes it out of every queue; related by first registrant in one query', async () => {
    const vin = randomVin();
    const firstRegistrant = `REG-${run}-FIRST`;
    const a = {
      ...makeAlert(vin, { severity: 'MEDIUM', destinationCountry: 'KZ' }),
      revision: 0,
      status: 'ACTIVE' as const,
      revisionReason: null,
      firstRegistrant: { id: firstRegistrant, type: 'TRADING_COMPANY' as const },
    };
    await ctx.env.cases.signalAlert(a, config);
    await inQueue(config.routing.standardQueue, vin);
    const related = await eventually(async () => {
      const page = await ctx.env.cases.listCases(
        [config.routing.standardQueue, config.routing.priorityQueue],
        {
          firstRegistrant,
        },
      );
      return page.cases.find((c) => c.vin === vin);
    });
    assert.equal(related.firstRegistrant, firstRegistrant);

    await ctx.env.cases.signalAlert({ ...a, revision: 1, severity: 'CRITICAL', score: 0.97 }, config);
    const raised = await caseWhere(vin, (c) => c.severity === 'CRITICAL', 'raised');
    assert.equal(raised.queue, config.routing.priorityQueue);
    assert.ok(raised.audit.some((e) => e.action === 'severity-raised'));
    await inQueue(config.routing.priorityQueue, vin);

    await ctx.env.cases.signalAlert({ ...a, revision: 0, severity: 'LOW' }, config);
    await ctx.env.cases.signalAlert(
      { ...a, revision: 2, status: 'WITHDRAWN', revisionReason: 'declaration cancelled' },
      config,
    );
    const closed = await caseWhere(vin, (c) => c.status === 'withdrawn', 'withdrawn');
    assert.equal(closed.severity, 'CRITICAL', 'the older revision was ignored');
    assert.equal(closed.decision, null);
    assert.equal(closed.withdrawal?.reason, 'declaration cancelled');
    await eventually(
      async () => {
        const page = await ctx.env.cases.listQueue(config.routing.priorityQueue, {}, { pageSize: 100 });
        return page.cases.some((c) => c.vin === vin) ? undefined : true;
      },
      15_000,
      'withdrawn case gone from its queue',
    );
    const listed = await inQueue(config.routing.priorityQueue, vin, { status: ['withdrawn'] });
    assert.equal(listed.status, 'withdrawn');
  });

  test('claim and decide: validators reject bad input before it reaches the case', async () => {
    const vin = randomVin();
    await ctx.env.cases.signalAlert(makeAlert(vin), config);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');

    assert.match(
      await rejection(ctx.env.cases.decide(vin, { by: 'ana', decision: 'dismiss', reason: 'x' })),
      /claim the case/,
    );
    const claimed = await ctx.env.cases.claim(vin, { by: 'ana' });
    assert.equal(claimed.status, 'in_review');
    assert.equal(claimed.assignee, 'ana');
    assert.match(await rejection(ctx.env.cases.claim(vin, { by: 'bob' })), /already claimed by ana/);
    assert.match(
      await rejection(ctx.env.cases.decide(vin, { by: 'ana', decision: 'confirm', reason: '   ' })),
      /reason is required/,
    );
    assert.match(
      await rejection(ctx.env.cases.decide(vin, { by: 'bob', decision: 'confirm', reason: 'looks bad' })),
      /only the assignee/,
    );
    assert.match(
      await rejection(ctx.env.cases.decide(vin, { by: 'ana', decision: 'maybe' as never, reason: 'hmm' })),
      /decision must be confirm or dismiss/,
    );
    assert.match(await rejection(ctx.env.cases.addNote(vin, { by: 'ana', text: '' })), /text is required/);
    assert.match(
      await rejection(ctx.env.cases.reassign(vin, { by: 'ana', to: 'bob', reason: 'holiday' })),
      /not a supervisor/,
    );

    const noted = await ctx.env.cases.addNote(vin, {
      by: 'ana',
      text: 'registrant exported 40 cars this month',
    });
    assert.equal(noted.notes.length, 1);
    const asked = await ctx.env.cases.requestInfo(vin, { by: 'ana', question: 'odometer photo?' });
    assert.equal(asked.infoRequests[0]?.question, 'odometer photo?');
    const released = await ctx.env.cases.release(vin, { by: 'ana' });
    assert.equal(released.status, 'open');
    assert.equal(released.assignee, null);
    await ctx.env.cases.claim(vin, { by: 'bob' });
    const decided = await ctx.env.cases.decide(vin, {
      by: 'bob',
      decision: 'dismiss',
      reason: 'legitimate dealer transfer',
    });
    assert.equal(decided.status, 'dismissed');
    assert.deepEqual(decided.decision && { d: decided.decision.decision, by: decided.decision.by }, {
      d: 'dismiss',
      by: 'bob',
    });
    assert.match(
      await rejection(
        ctx.env.cases.decide(vin, { by: 'bob', decision: 'confirm', reason: 'changed my mind' }),
      ),
      /case is dismissed/,
    );

    // Rejected updates never entered the history: the audit trail has exactly the accepted actions.
    const actions = decided.audit.map((a) => `${a.by}:${a.action}`);
    assert.deepEqual(actions, [
      'system:opened',
      'ana:claimed',
      'ana:note-added',
      'ana:info-requested',
      'ana:released',
      'bob:claimed',
      'bob:decided',
    ]);
    assert.equal(
      await eventually(
        async () => {
          const page = await ctx.env.cases.listQueue(config.routing.standardQueue, {}, { pageSize: 100 });
          return page.cases.some((c) => c.vin === vin) ? undefined : true;
        },
        15_000,
        'dismissed case leaves the open queue',
      ),
      true,
    );
  });

  test('confirm publishes the outcome to Kafka and recommends a hold to customs exactly once, though the first call fails', async () => {
    const vin = randomVin();
    const alert = makeAlert(vin, { severity: 'CRITICAL' });
    await ctx.env.cases.signalAlert(alert, config);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');
    ctx.customs.script([500]);
    const before = ctx.customs.requests.length;
    await ctx.env.cases.claim(vin, { by: 'ana' });
    await ctx.env.cases.decide(vin, {
      by: 'ana',
      decision: 'confirm',
      reason: 'registered 6 days before export, 12 km',
    });

    const done = await caseWhere(
      vin,
      (c) => c.audit.some((a) => a.action === 'customs-notified'),
      'customs notified',
      30_000,
    );
    assert.equal(done.status, 'confirmed');
    const calls = ctx.customs.requests.slice(before).filter((r) => r.body.vin === vin);
    assert.deepEqual(
      calls.map((r) => r.status),
      [500, 201],
      'one failure, then one accepted hold',
    );
    assert.equal(new Set(calls.map((r) => r.idempotencyKey)).size, 1, 'the retry reuses the idempotency key');
    assert.match(calls[0]!.idempotencyKey!, new RegExp(`^case-${vin}-`));
    assert.equal([...ctx.customs.holds.values()].filter((h) => h.vin === vin).length, 1, 'exactly one hold');
    assert.deepEqual(calls[1]!.body.alertIds, [alert.alertId]);

    const outcomes = (await ctx.env.readOutcomes(1)).filter((o) => o.key === vin);
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]!.outcome.decision, 'CONFIRMED');
    assert.equal(outcomes[0]!.outcome.caseId, caseIdFor(vin));
    assert.equal(outcomes[0]!.outcome.analyst, 'ana');
    assert.deepEqual(outcomes[0]!.outcome.alertIds, [alert.alertId]);
  });

  test('dismiss records the reason as feedback (a DISMISSED outcome) and never calls customs', async () => {
    const vin = randomVin();
    await ctx.env.cases.signalAlert(makeAlert(vin), config);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');
    await ctx.env.cases.claim(vin, { by: 'ana' });
    await ctx.env.cases.decide(vin, {
      by: 'ana',
      decision: 'dismiss',
      reason: 'rule ZM-EXPORT-WITHIN-DAYS misfires on demo cars',
    });
    await caseWhere(vin, (c) => c.audit.some((a) => a.action === 'outcome-published'), 'outcome published');
    const outcomes = await ctx.env.readOutcomes(2);
    const mine = outcomes.filter((o) => o.key === vin);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.outcome.decision, 'DISMISSED');
    assert.equal(mine[0]!.outcome.reason, 'rule ZM-EXPORT-WITHIN-DAYS misfires on demo cars');
    assert.equal(ctx.customs.requests.filter((r) => r.body.vin === vin).length, 0);
  });

  test('a 4xx from customs is permanent: no retries, the failure is audited and supervisors are notified', async () => {
    const vin = randomVin();
    await ctx.env.cases.signalAlert(makeAlert(vin), config);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');
    ctx.customs.script([422]);
    const before = ctx.customs.requests.length;
    await ctx.env.cases.claim(vin, { by: 'ana' });
    await ctx.env.cases.decide(vin, { by: 'ana', decision: 'confirm', reason: 'clear zero-mileage pattern' });
    const c = await caseWhere(
      vin,
      (x) => x.audit.some((a) => a.action === 'customs-notification-failed'),
      'customs failure audited',
    );
    assert.match(c.audit.find((a) => a.action === 'customs-notification-failed')!.detail!, /422/);
    assert.equal(ctx.customs.requests.slice(before).filter((r) => r.body.vin === vin).length, 1);
    await eventually(
      async () =>
        ctx.env.notifications.find((n) => n.vin === vin && n.kind === 'customs-notification-failed'),
      10_000,
      'notification',
    );
  });

  test('an SLA breach escalates to the supervisor queue and notifies; a supervisor reassigns and overrides', async () => {
    const short = testCaseConfig(run, { slaMs: { CRITICAL: 1_500, HIGH: 2_000, MEDIUM: 3_000, LOW: 4_000 } });
    const vin = randomVin();
    await ctx.env.cases.signalAlert(makeAlert(vin, { severity: 'HIGH' }), short);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');
    await ctx.env.cases.claim(vin, { by: 'ana' });

    const escalated = await caseWhere(vin, (c) => c.status === 'escalated', 'SLA breach', 15_000);
    assert.equal(escalated.queue, short.routing.supervisorQueue);
    assert.equal(escalated.escalations, 1);
    assert.equal(escalated.slaDueAt, null);
    assert.ok(escalated.audit.some((a) => a.action === 'sla-breached'));
    const n = await eventually(
      async () => ctx.env.notifications.find((x) => x.vin === vin && x.kind === 'sla-breached'),
      10_000,
      'breach notification',
    );
    assert.equal(n.queue, short.routing.supervisorQueue);
    const row = await inQueue(short.routing.supervisorQueue, vin, { status: 'escalated' });
    assert.equal(row.status, 'escalated');
    const breached = await eventually(
      async () => {
        const page = await ctx.env.cases.listBreached({}, { pageSize: 1000 });
        return page.cases.find((c) => c.vin === vin);
      },
      15_000,
      'listed as breached',
    );
    assert.equal(breached.queue, short.routing.supervisorQueue);

    const reassigned = await ctx.env.cases.reassign(vin, { by: 'sup-1', to: 'carl', reason: 'ana is out' });
    assert.equal(reassigned.assignee, 'carl');
    assert.equal(reassigned.status, 'in_review');
    assert.ok(reassigned.slaDueAt, 'a reassigned case gets a fresh SLA');
    const overridden = await ctx.env.cases.override(vin, {
      by: 'sup-1',
      reason: 'known exporter ring',
      decision: 'dismiss',
    });
    assert.equal(overridden.status, 'dismissed');
    assert.equal(overridden.decision?.override, true);
    assert.equal(overridden.decision?.by, 'sup-1');
  });

  test('a decided case absorbs replays of its alerts, and a new alert reopens it as a new run', async () => {
    const vin = randomVin();
    const a1 = makeAlert(vin, { severity: 'MEDIUM' });
    const first = await ctx.env.cases.signalAlert(a1, config);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');
    await ctx.env.cases.claim(vin, { by: 'ana' });
    await ctx.env.cases.decide(vin, { by: 'ana', decision: 'dismiss', reason: 'not zero mileage' });
    await caseWhere(vin, (c) => c.audit.some((a) => a.action === 'outcome-published'), 'closed');

    const replay = await ctx.env.cases.signalAlert(a1, config);
    assert.equal(replay.started, false);
    const still = await caseWhere(
      vin,
      (c) => c.audit.some((a) => a.action === 'duplicate-alert-ignored'),
      'replay ignored',
    );
    assert.equal(still.status, 'dismissed');

    const a2 = makeAlert(vin, { severity: 'HIGH', declarationId: 'DEC-NEW' });
    await ctx.env.cases.signalAlert(a2, config);
    const reopened = await caseWhere(
      vin,
      (c) => c.status === 'open' && c.reopenedFromRunId !== null,
      'reopened',
    );
    assert.equal(reopened.reopenedFromRunId, first.runId);
    assert.deepEqual(
      reopened.evidence.map((e) => e.alert.alertId),
      [a2.alertId],
    );
    assert.deepEqual(reopened.priorAlertIds, [a1.alertId]);
    assert.equal(reopened.previousDecisions[0]?.decision, 'dismiss');
    assert.equal(reopened.audit[0]?.action, 'reopened');
    const desc = await ctx.env.client.workflow.getHandle(caseIdFor(vin)).describe();
    assert.notEqual(desc.runId, first.runId, 'the reopened case is a new run');
    await inQueue(config.routing.standardQueue, vin);
    // A replay of the first alert does not touch the reopened case either.
    await ctx.env.cases.signalAlert(a1, config);
    const after = await caseWhere(
      vin,
      (c) => c.audit.some((a) => a.action === 'duplicate-alert-ignored'),
      'replay ignored after reopen',
    );
    assert.equal(after.evidence.length, 1);
  });

  test('after its retention a decided case ends; the next alert starts a new run (workflow id reuse)', async () => {
    const brief = testCaseConfig(run, { closedRetentionMs: 500 });
    const vin = randomVin();
    const first = await ctx.env.cases.signalAlert(makeAlert(vin), brief);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');
    await ctx.env.cases.claim(vin, { by: 'ana' });
    await ctx.env.cases.decide(vin, { by: 'ana', decision: 'dismiss', reason: 'ok' });
    const handle = ctx.env.client.workflow.getHandle(caseIdFor(vin), first.runId);
    const result = await handle.result();
    assert.equal(result.status, 'dismissed');
    const next = await ctx.env.cases.signalAlert(makeAlert(vin), brief);
    assert.equal(next.started, true);
    assert.notEqual(next.runId, first.runId);
  });

  test('a long case continues as new with its state when the history grows', async () => {
    const small = testCaseConfig(run, { maxHistoryEvents: 100 });
    const vin = randomVin();
    const first = await ctx.env.cases.signalAlert(makeAlert(vin), small);
    await caseWhere(vin, (c) => c.evidence.length === 1, 'case opened');
    for (let i = 0; i < 40; i++) {
      // Alternate destinations so every alert changes a search attribute (more history per signal).
      await ctx.env.cases.signalAlert(makeAlert(vin, { destinationCountry: i % 2 ? 'KZ' : 'GE' }), small);
    }
    const c = await caseWhere(vin, (x) => x.evidence.length === 41, 'all evidence', 30_000);
    assert.ok(c.audit.some((a) => a.action === 'continued-as-new'));
    const desc = await ctx.env.client.workflow.getHandle(caseIdFor(vin)).describe();
    assert.notEqual(desc.runId, first.runId);
    assert.ok(desc.historyLength < 100);
    // Search attributes carry over to the new run: the case is still in its queue.
    const row = await inQueue(small.routing.standardQueue, vin);
    assert.equal(row.runId, desc.runId);
  });

  test('every history this file produced replays deterministically with the current workflow code', async () => {
    const histories = ctx.env.client.workflow
      .list({ query: `TaskQueue = '${ctx.env.taskQueue}'` })
      .intoHistories();
    const results = Worker.runReplayHistories(
      { workflowsPath: WORKFLOWS_PATH, sinks: caseViewSinks() },
      histories,
    );
    let n = 0;
    for await (const r of results) {
      n++;
      assert.equal(r.error, undefined, `replay of ${r.workflowId} failed: ${String(r.error)}`);
    }
    assert.ok(n >= 5, `replayed ${n} histories`);
  });
});
