import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeEvents, recordVerdict, type DetectorEvent } from '../src/apply-events.js';
import { decideRevision, verdictFingerprint, type Published, type Verdict } from '../src/revision.js';
import { loadRuleset } from '../src/ruleset.js';
import type { EntityCounts } from '../src/entity-windows.js';
import { decideVerdicts, type EvaluationTrigger } from '../src/verdicts.js';
import type { OpenDeclaration, VinState } from '../src/vin-state.js';
import { DAY, T0, declaration, declEvent, regEvent, registration } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';

const ruleset = loadRuleset();
const policy = { minIntervalSeconds: 60 };
const NOW = 1_800_000_000;
const rules = (...ids: string[]) => ids.map((ruleId) => ({ ruleId, weight: 20 }));
const verdict = (over: Partial<Verdict> = {}): Verdict => ({
  alert: true,
  score: 60,
  severity: 'MEDIUM',
  rules: rules('A', 'B', 'C'),
  ...over,
});
const published = (v: Verdict, over: Partial<Published> = {}): Published => ({
  revision: 0,
  detectedAt: NOW * 1000,
  publishedAt: NOW - 3600,
  fingerprint: verdictFingerprint('ACTIVE', v),
  withdrawn: false,
  ...over,
});

test('decideRevision: the first alerting verdict is revision 0; a non-alerting or withdrawn one publishes nothing', () => {
  assert.deepEqual(decideRevision(undefined, verdict(), policy, NOW), {
    kind: 'publish',
    revision: 0,
    status: 'ACTIVE',
    reason: null,
  });
  assert.deepEqual(decideRevision(undefined, verdict({ alert: false }), policy, NOW), { kind: 'none' });
  assert.deepEqual(decideRevision(undefined, verdict({ withdrawnBy: 'CANCELLED' }), policy, NOW), {
    kind: 'none',
  });
});

test('decideRevision: the same score, severity and rules (in any order) is no revision; any change is the next one', () => {
  const prev = published(verdict(), { revision: 2 });
  assert.deepEqual(decideRevision(prev, verdict({ rules: rules('C', 'A', 'B') }), policy, NOW), {
    kind: 'none',
  });
  for (const changed of [
    verdict({ score: 75, severity: 'HIGH', rules: rules('A', 'B', 'C', 'D') }),
    verdict({ rules: rules('A', 'B', 'D') }), // same score, other rules
    verdict({
      rules: [
        { ruleId: 'A', weight: 40 },
        { ruleId: 'B', weight: 20 },
      ],
    }),
  ])
    assert.deepEqual(decideRevision(prev, changed, policy, NOW), {
      kind: 'publish',
      revision: 3,
      status: 'ACTIVE',
      reason: 'EVIDENCE',
    });
});

test('decideRevision: withdrawals — by customs at once, below the threshold like any change; then silent until reinstated', () => {
  const prev = published(verdict(), { revision: 1, publishedAt: NOW - 5 }); // inside the rate limit
  assert.deepEqual(decideRevision(prev, verdict({ withdrawnBy: 'REJECTED' }), policy, NOW), {
    kind: 'publish',
    revision: 2,
    status: 'WITHDRAWN',
    reason: 'REJECTED',
  });
  assert.deepEqual(decideRevision(prev, verdict({ alert: false, score: 10 }), policy, NOW), {
    kind: 'defer',
    until: NOW - 5 + 60,
  });
  const withdrawn = {
    ...prev,
    revision: 2,
    withdrawn: true,
    fingerprint: verdictFingerprint('WITHDRAWN', verdict()),
  };
  assert.deepEqual(decideRevision(withdrawn, verdict({ alert: false, score: 5 }), policy, NOW + 600), {
    kind: 'none',
  });
  assert.deepEqual(decideRevision(withdrawn, verdict({ withdrawnBy: 'CANCELLED' }), policy, NOW + 600), {
    kind: 'none',
  });
  assert.deepEqual(decideRevision(withdrawn, verdict(), policy, NOW + 600), {
    kind: 'publish',
    revision: 3,
    status: 'ACTIVE',
    reason: 'REINSTATED',
  });
});

test('decideRevision: a change inside the minimum interval is deferred to its end, then published', () => {
  const prev = published(verdict(), { publishedAt: NOW - 10 });
  const up = verdict({ score: 95, severity: 'CRITICAL' });
  assert.deepEqual(decideRevision(prev, up, policy, NOW), { kind: 'defer', until: NOW + 50 });
  assert.equal(decideRevision(prev, up, policy, NOW + 50).kind, 'publish');
  assert.equal(decideRevision(prev, up, { minIntervalSeconds: 0 }, NOW).kind, 'publish');
});

// ---- the same through the merge and decideVerdicts, as the processor and the quality model run it ----

const VIN = vinFor('revisions');
const sec = (ms: number) => Math.floor(ms / 1000);

/** Merge events at `atMs`, decide, record: what one batch does (publishing assumed acknowledged). */
function step(
  state: VinState | undefined,
  events: DetectorEvent[],
  atMs: number,
  velocity = 1,
  entity?: { counts: EntityCounts; trigger: EvaluationTrigger },
) {
  const merged = mergeEvents(state, events, ruleset, sec(atMs));
  const subject = { vin: VIN, vinCheckDigitValid: true, state: merged.state, registrantVelocity: velocity };
  if (entity?.trigger === 'entity') merged.due.push(...merged.state.declarations.filter(isEvaluated));
  const outcomes = decideVerdicts(
    subject,
    merged,
    ruleset,
    policy,
    atMs,
    entity && (() => entity.counts),
    entity?.trigger,
  );
  for (const o of outcomes)
    recordVerdict(merged.state, o.declarationId, o.alerted, ruleset.version, o.published);
  return { state: merged.state, alerts: outcomes.flatMap((o) => (o.alert ? [o.alert] : [])), outcomes };
}

test('a late pending-export transfer raises the alert to a new revision with the same id, parties and timeline typed', () => {
  const reg = registration(VIN, { party: { id: 'TRADER-1', type: 'TRADING_COMPANY' } });
  const decl = declaration(VIN, {
    eventTime: T0 + 20 * DAY,
    declaredOdometerKm: 20,
    destinationCountry: 'AE',
  });
  const t = T0 + 21 * DAY;
  const first = step(undefined, [regEvent(reg, t), declEvent(decl, t)], t);
  assert.equal(first.alerts.length, 1);
  const a0 = first.alerts[0]!;
  assert.deepEqual([a0.revision, a0.status, a0.revisionReason, a0.revisedAt], [0, 'ACTIVE', null, null]);
  assert.deepEqual(a0.firstRegistrant, { id: 'TRADER-1', type: 'TRADING_COMPANY' });
  assert.deepEqual(a0.holderAtDeclaration, { id: 'TRADER-1', type: 'TRADING_COMPANY' });
  assert.deepEqual(a0.exporter, { id: decl.exporterId, type: decl.exporterType });
  assert.equal(
    a0.rules.find((r) => r.ruleId === 'ZM-RAPID-EXPORT')!.numericFacts.daysSinceFirstRegistration,
    20,
  );

  const transfer = registration(VIN, {
    eventType: 'TRANSFER',
    eventTime: T0 + 5 * DAY,
    pendingExport: true,
    party: { id: 'EXPORTER-9', type: 'LICENSED_EXPORTER' },
  });
  const later = t + 3600_000;
  const second = step(first.state, [regEvent(transfer, later)], later);
  assert.equal(second.alerts.length, 1);
  const a1 = second.alerts[0]!;
  assert.equal(a1.alertId, a0.alertId);
  assert.deepEqual(
    [a1.revision, a1.status, a1.revisionReason, a1.revisedAt],
    [1, 'ACTIVE', 'EVIDENCE', later],
  );
  assert.equal(a1.detectedAt, a0.detectedAt);
  assert.ok(a1.score > a0.score);
  assert.ok(a1.rules.some((r) => r.ruleId === 'ZM-EXPORT-PREPARATION'));
  assert.deepEqual(a1.firstRegistrant, { id: 'TRADER-1', type: 'TRADING_COMPANY' });
  assert.deepEqual(a1.holderAtDeclaration, { id: 'EXPORTER-9', type: 'LICENSED_EXPORTER' });
  assert.equal(a1.registrantId, 'EXPORTER-9');
  assert.deepEqual(
    a1.timeline.map((e) => [e.kind, e.eventTime, e.partyId, e.flags]),
    [
      ['FIRST_REGISTRATION', T0, 'TRADER-1', ['NEW']],
      ['TRANSFER', T0 + 5 * DAY, 'EXPORTER-9', ['PENDING_EXPORT']],
      ['DECLARATION', T0 + 20 * DAY, decl.exporterId, ['USED', 'DEST:AE', 'AFTER_SALES_REF']],
    ],
  );
  assert.equal(a1.timeline.at(-1)!.odometerKm, 20);

  // The same transfer again (a duplicate, a replayed batch): nothing new.
  assert.equal(step(second.state, [regEvent(transfer, later + 1000)], later + 1000).alerts.length, 0);
});

test('a cancellation after the alert publishes a WITHDRAWN revision at once; a re-declaration reinstates it', () => {
  const reg = registration(VIN);
  const decl = declaration(VIN, { eventTime: T0 + 20 * DAY, declaredOdometerKm: 3 });
  const t = T0 + 21 * DAY;
  const first = step(undefined, [regEvent(reg, t), declEvent(decl, t)], t);
  const id = first.alerts[0]!.alertId;
  const cancel = declaration(VIN, { eventType: 'CANCELLED', eventTime: T0 + 20 * DAY + 1000 });
  const c = step(first.state, [declEvent(cancel, t + 1000)], t + 1000); // inside the rate limit
  assert.deepEqual(
    c.alerts.map((a) => [a.alertId, a.revision, a.status, a.revisionReason]),
    [[id, 1, 'WITHDRAWN', 'CANCELLED']],
  );
  assert.equal(c.alerts[0]!.timeline.at(-1)!.kind, 'CANCELLATION');
  assert.equal(
    step(c.state, [declEvent(cancel, t + 2000)], t + 2000).alerts.length,
    0,
    'no second withdrawal',
  );
  const again = declaration(VIN, { eventType: 'DECLARED', eventTime: T0 + 30 * DAY, declaredOdometerKm: 3 });
  const r = step(c.state, [declEvent(again, t + 3600_000)], t + 3600_000);
  assert.deepEqual(
    r.alerts.map((a) => [a.alertId, a.revision, a.status, a.revisionReason]),
    [[id, 2, 'ACTIVE', 'REINSTATED']],
  );
});

test('rate limit: a second change inside the interval is deferred (header deadline), then published by a sweep with the latest evidence', () => {
  const decl = declaration(VIN, { eventTime: T0 + 20 * DAY, declaredOdometerKm: 3 });
  const t = T0 + 21 * DAY;
  const first = step(undefined, [regEvent(registration(VIN), t), declEvent(decl, t)], t);
  const plate = registration(VIN, { eventType: 'TEMP_EXPORT_PLATE', eventTime: T0 + 10 * DAY });
  const soon = t + 5_000;
  const deferred = step(first.state, [regEvent(plate, soon)], soon);
  assert.equal(deferred.alerts.length, 0);
  assert.equal(deferred.outcomes[0]!.deferred, true);
  const due = sec(t) + policy.minIntervalSeconds;
  const d = deferred.state.declarations[0]!;
  assert.ok(d.status === 'alerted' && d.published?.revisionDueAt === due);
  // Not due before its time, due (with no events: the sweeper) at it.
  assert.equal(mergeEvents(deferred.state, [], ruleset, due - 1).due.length, 0);
  const swept = step(deferred.state, [], due * 1000);
  assert.deepEqual(
    swept.alerts.map((a) => [a.revision, a.rules.some((r) => r.ruleId === 'ZM-EXPORT-PREPARATION')]),
    [[1, true]],
  );
  const after = swept.state.declarations[0]!;
  assert.ok(after.status === 'alerted' && after.published?.revisionDueAt === undefined);
});

test('velocity re-check: an event-driven evaluation is evaluated once more a grace period later, which picks up a velocity others raised', () => {
  const decl = declaration(VIN, {
    eventTime: T0 + 200 * DAY,
    // 1.5 km a day: hardly driven, as the velocity rule requires (maxKmPerDay).
    declaredOdometerKm: 300,
    declaredCondition: 'USED',
  });
  const t = T0 + 201 * DAY;
  const first = step(undefined, [regEvent(registration(VIN), t), declEvent(decl, t)], t, 1);
  const d = first.state.declarations[0]!;
  assert.ok(d.status !== 'cancelled' && d.recheckAt === sec(t) + ruleset.timing.gracePeriodSeconds);
  const recheck = step(first.state, [], d.recheckAt! * 1000, 500);
  const after = recheck.state.declarations[0]!;
  assert.ok(after.status !== 'cancelled' && after.recheckAt === undefined, 'one re-check only');
  assert.equal(
    recheck.outcomes[0]!.evaluation.rules.some((r) => r.ruleId === 'ZM-REGISTRANT-VELOCITY'),
    true,
  );
});

// ---- the reach-back's reason: ENTITY, also when the rate limit holds the change back ----

const isEvaluated = (d: VinState['declarations'][number]): d is OpenDeclaration =>
  d.status === 'evaluated' || d.status === 'alerted';

/** A ring member: 10 points of its own (rapid export, third tier), the ring's entities give the rest. */
function ringMember() {
  const reg = registration(VIN, { party: { id: 'P-1', type: 'INDIVIDUAL' }, jurisdiction: 'CN-SH' });
  const decl = declaration(VIN, { eventTime: T0 + 100 * DAY, declaredOdometerKm: 400 });
  const cohort = (count: number) => ({ jurisdiction: 'CN-SH', day: Math.floor(T0 / DAY), count });
  const t = T0 + 101 * DAY;
  const withCohort: EntityCounts = { cohort: cohort(4) };
  const first = step(undefined, [regEvent(reg, t), declEvent(decl, t)], t, 1, {
    counts: withCohort,
    trigger: 'events',
  });
  assert.equal(first.alerts[0]?.revision, 0, 'the cohort alone makes it alert');
  const ring: EntityCounts = { ...withCohort, transferee: { id: 'T-1', count: 5 } };
  return { t, first, ring };
}

test('reach-back: a change only a re-check request caused is revision n+1 with reason ENTITY', () => {
  const { t, first, ring } = ringMember();
  const later = t + 3600_000;
  const r = step(first.state, [], later, 1, { counts: ring, trigger: 'entity' });
  assert.deepEqual(
    r.alerts.map((a) => [a.revision, a.revisionReason]),
    [[1, 'ENTITY']],
  );
});

test('reach-back held back by the rate limit: the sweeper publishes it with reason ENTITY; an own event in between makes it EVIDENCE', () => {
  const { t, first, ring } = ringMember();
  const soon = t + 5_000;
  const held = step(first.state, [], soon, 1, { counts: ring, trigger: 'entity' });
  assert.equal(held.alerts.length, 0);
  const d = held.state.declarations[0]!;
  assert.ok(d.status === 'alerted' && d.published?.revisionDueForEntity === true);
  const due = sec(t) + policy.minIntervalSeconds;
  const swept = step(held.state, [], due * 1000, 1, { counts: ring, trigger: 'deadline' });
  assert.deepEqual(
    swept.alerts.map((a) => [a.revision, a.revisionReason]),
    [[1, 'ENTITY']],
  );
  const after = swept.state.declarations[0]!;
  assert.ok(after.status === 'alerted' && after.published?.revisionDueForEntity === undefined);

  // An event of the VIN's own while the entity change waits: the revision is about both, EVIDENCE.
  const plate = registration(VIN, { eventType: 'TEMP_EXPORT_PLATE', eventTime: T0 + 10 * DAY });
  const mixed = step(held.state, [regEvent(plate, soon + 1000)], soon + 1000, 1, {
    counts: ring,
    trigger: 'events',
  });
  assert.equal(mixed.alerts.length, 0);
  const m = mixed.state.declarations[0]!;
  assert.ok(m.status === 'alerted' && m.published?.revisionDueForEntity === undefined);
  const sweptMixed = step(mixed.state, [], due * 1000, 1, { counts: ring, trigger: 'deadline' });
  assert.deepEqual(
    sweptMixed.alerts.map((a) => [a.revision, a.revisionReason]),
    [[1, 'EVIDENCE']],
  );

  // A change the VIN's own event caused, held back: a later re-check request does not make it ENTITY.
  const own = step(first.state, [regEvent(plate, soon)], soon, 1, {
    counts: { cohort: ring.cohort! },
    trigger: 'events',
  });
  const ownThenEntity = step(own.state, [], soon + 1000, 1, { counts: ring, trigger: 'entity' });
  const o = ownThenEntity.state.declarations[0]!;
  assert.ok(o.status === 'alerted' && o.published?.revisionDueAt === due);
  assert.equal(o.published?.revisionDueForEntity, undefined);
});
