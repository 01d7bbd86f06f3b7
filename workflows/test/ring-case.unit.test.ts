// Ring cases without Temporal: the pure ring rules (ring-case.ts) and the case machine with an entity
// as its subject, on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaseMachine, InvalidCaseActionError, openingSearchAttributes } from '../src/case-machine.js';
import {
  isRingCaseId,
  membersNamed,
  parseRingCaseId,
  ringCaseIdFor,
  ringsReached,
  type RingDecisionInput,
  type RingEntity,
} from '../src/ring-case.js';
import { caseIdFor, DEFAULT_CASE_CONFIG, SA, type CaseAlert, type CaseConfig } from '../src/shared.js';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const config: CaseConfig = { ...DEFAULT_CASE_CONFIG, supervisors: ['sup-1'] };
const TRF: RingEntity = { kind: 'TRANSFEREE', id: '91310000ABCDEFTRF' };

/** An alert for `vin` whose transferee evidence counted `members` (listing them) and `memberCount` in all. */
function ringAlert(vin: string, members: string[], memberCount = members.length, o: Partial<CaseAlert> = {}) {
  const a = makeAlert(vin, o as Parameters<typeof makeAlert>[1]);
  a.rules.push({
    ruleId: 'ZM-ENTITY-TRANSFEREE',
    weight: 25,
    evidence: `transferee received ${memberCount}`,
    facts: {},
    numericFacts: {},
    typology: 'RING_OR_TRADER',
    entity: {
      ...TRF,
      memberCount,
      windowDays: 60,
      memberVins: [...members].sort(),
      memberVinsTruncated: memberCount > members.length,
    },
  });
  return a;
}

function ringMachine(clock = { now: T0 }) {
  const caseId = ringCaseIdFor(TRF);
  const m = new CaseMachine(
    { caseId, vin: caseId, config, ring: { ...TRF, members: [], memberCount: 0 } },
    { now: () => clock.now, routingByDestination: () => true },
  );
  return { m, clock, caseId };
}

function vehicleMachine() {
  const vin = randomVin();
  const m = new CaseMachine(
    { caseId: caseIdFor(vin), vin, config },
    { now: () => T0, routingByDestination: () => true },
  );
  m.applyAlert(makeAlert(vin, { severity: 'HIGH' }));
  return { m, vin };
}

const rejects = (f: () => void, pattern: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof InvalidCaseActionError && pattern.test(e.message));

test('ring case ids: kind in lower case, the entity id as it is (colons too); VIN keys keep case-<VIN>', () => {
  assert.equal(ringCaseIdFor(TRF), 'ring-transferee-91310000ABCDEFTRF');
  const cohort = { kind: 'COHORT', id: 'CN-SH:2026-03-04' };
  assert.equal(ringCaseIdFor(cohort), 'ring-cohort-CN-SH:2026-03-04');
  assert.deepEqual(parseRingCaseId(ringCaseIdFor(cohort)), cohort);
  assert.equal(parseRingCaseId('ring-'), null);
  assert.equal(parseRingCaseId('ring-exporter-'), null);
  assert.equal(parseRingCaseId('LSGAR5AL5JH000001'), null);
  assert.equal(caseIdFor('ring-cohort-CN-SH:2026-03-04'), 'ring-cohort-CN-SH:2026-03-04');
  const vin = randomVin();
  assert.equal(caseIdFor(vin), `case-${vin}`);
  assert.equal(isRingCaseId(vin), false);
});

test('ringsReached: entities at or above their kind’s threshold, each once; kinds without one open none', () => {
  const members = Array.from({ length: 10 }, () => randomVin());
  const a = ringAlert(members[0]!, members);
  assert.deepEqual(ringsReached(a, { TRANSFEREE: 10 }), [TRF]);
  assert.deepEqual(ringsReached(a, { TRANSFEREE: 11 }), [], 'below the threshold');
  assert.deepEqual(ringsReached(a, { EXPORTER: 1 }), [], 'no threshold for the kind');
  a.rules.push({ ...a.rules[1]!, ruleId: 'ZM-ENTITY-TRANSFEREE-AGAIN' });
  assert.deepEqual(ringsReached(a, { TRANSFEREE: 10 }), [TRF], 'the same entity twice is one ring');
  assert.deepEqual(ringsReached(makeAlert(members[0]!), { TRANSFEREE: 1 }), [], 'no entity evidence');
  // Its own VIN is a member even when the capped list leaves it out.
  const own = randomVin();
  const named = membersNamed(ringAlert(own, members, 60), TRF);
  assert.equal(named.memberCount, 60);
  assert.deepEqual(new Set(named.vins), new Set([own, ...members]));
});

test('a ring case opens on its first alert like a vehicle case and collects members idempotently', () => {
  const { m, clock, caseId } = ringMachine();
  const vins = Array.from({ length: 12 }, () => randomVin()).sort();
  const first = ringAlert(vins[0]!, vins.slice(0, 10), 10, { severity: 'HIGH' });
  m.applyAlert(first);
  assert.equal(m.state.status, 'open');
  assert.equal(m.state.severity, 'HIGH');
  assert.equal(m.state.queue, 'standard');
  assert.equal(m.state.slaDueAt, new Date(T0 + 8 * HOUR).toISOString());
  assert.deepEqual(m.state.ring?.members, vins.slice(0, 10));
  assert.equal(m.state.ring?.memberCount, 10);
  assert.deepEqual(
    m.state.audit.map((e) => e.action),
    ['members-added', 'opened'],
  );
  // The same alert again: a duplicate, nothing added.
  m.applyAlert(first);
  assert.deepEqual(m.state.audit.map((e) => e.action).slice(2), ['duplicate-alert-ignored']);
  // A later member's alert names two more (and itself): added once, sorted; worse evidence as usual.
  clock.now += HOUR;
  m.applyAlert(ringAlert(vins[11]!, vins.slice(0, 11), 12, { severity: 'CRITICAL' }));
  assert.deepEqual(m.state.ring?.members, vins);
  assert.equal(m.state.ring?.memberCount, 12);
  assert.equal(m.state.severity, 'CRITICAL');
  assert.equal(m.state.queue, 'priority');
  const added = m.state.audit.filter((e) => e.action === 'members-added');
  assert.equal(added.length, 2);
  assert.match(added[1]!.detail!, /^2 \(12 in all\)/);
  // A revision of a known alert naming nobody new adds no audit entry.
  m.applyAlert({ ...first, revision: 1, score: 0.9 });
  assert.equal(m.state.audit.filter((e) => e.action === 'members-added').length, 2);
  // The opening search attributes of a ring case are the machine's, under its own key.
  const opening = openingSearchAttributes(config, first, T0, {
    caseId,
    vin: caseId,
    config,
    ring: { ...TRF, members: [], memberCount: 0 },
  });
  assert.equal(opening.find((p) => p.key.name === SA.vin.name)?.value, caseId);
  assert.equal(opening.find((p) => p.key.name === SA.queue.name)?.value, 'standard');
});

test('deciding a ring case: claim and decide as any case, members action validated, told to every member', () => {
  const { m } = ringMachine();
  const vins = Array.from({ length: 10 }, () => randomVin()).sort();
  m.applyAlert(ringAlert(vins[0]!, vins));
  assert.equal(m.ringDecision(), null, 'undecided');
  rejects(() => m.checkDecide({ by: 'ana', decision: 'confirm', reason: 'ring' }), /claim the case/);
  m.checkClaim({ by: 'ana' });
  m.claim({ by: 'ana' });
  rejects(
    () => m.checkDecide({ by: 'ana', decision: 'confirm', reason: 'ring', members: 'all' as never }),
    /members must be one of annotate, decide, none/,
  );
  m.checkDecide({ by: 'ana', decision: 'confirm', reason: ' straw buyers ', members: 'decide' });
  m.decide({ by: 'ana', decision: 'confirm', reason: ' straw buyers ', members: 'decide' });
  assert.equal(m.state.status, 'confirmed');
  assert.equal(m.state.decision?.members, 'decide');
  assert.match(m.state.audit.at(-1)!.detail!, /^confirm: straw buyers; members: decide$/);
  const told = m.ringDecision();
  assert.deepEqual(told?.members, vins);
  assert.deepEqual(told?.signal, {
    ringCaseId: m.state.caseId,
    kind: 'TRANSFEREE',
    entityId: TRF.id,
    action: 'decide',
    decision: 'confirm',
    reason: 'straw buyers',
    by: 'ana',
    decidedAt: new Date(T0).toISOString(),
  });
  m.membersNotified(vins.slice(1), [vins[0]!]);
  assert.equal(m.state.audit.at(-1)!.action, 'members-notified');
  assert.match(
    m.state.audit.at(-1)!.detail!,
    new RegExp(`decide: 9 member cases; no running case for ${vins[0]}`),
  );
  // A ring case publishes no per-VIN outcome path of its own here: the workflow skips it (closeOut).
});

test('members default to annotate (override too); none tells nobody; vehicle cases refuse a members choice', () => {
  const a = ringMachine();
  a.m.applyAlert(ringAlert(randomVin(), [randomVin()], 10));
  a.m.claim({ by: 'ana' });
  a.m.decide({ by: 'ana', decision: 'dismiss', reason: 'a real trader' });
  assert.equal(a.m.ringDecision()?.signal.action, 'annotate');
  const o = ringMachine();
  o.m.applyAlert(ringAlert(randomVin(), [randomVin()], 10));
  o.m.checkOverride({ by: 'sup-1', reason: 'known ring', decision: 'confirm' });
  o.m.overrideDecision({ by: 'sup-1', reason: 'known ring', decision: 'confirm' });
  assert.equal(o.m.state.decision?.members, 'annotate');
  const n = ringMachine();
  n.m.applyAlert(ringAlert(randomVin(), [randomVin()], 10));
  n.m.claim({ by: 'ana' });
  n.m.decide({ by: 'ana', decision: 'dismiss', reason: 'r', members: 'none' });
  assert.equal(n.m.ringDecision(), null);
  const v = vehicleMachine();
  v.m.claim({ by: 'ana' });
  rejects(
    () => v.m.checkDecide({ by: 'ana', decision: 'confirm', reason: 'r', members: 'annotate' }),
    /members applies to ring cases only/,
  );
  v.m.decide({ by: 'ana', decision: 'confirm', reason: 'r' });
  assert.equal(v.m.state.decision?.members, undefined, 'a vehicle decision has no members field');
  assert.equal(v.m.ringDecision(), null);
});

const told = (o: Partial<RingDecisionInput> = {}): RingDecisionInput => ({
  ringCaseId: ringCaseIdFor(TRF),
  kind: TRF.kind,
  entityId: TRF.id,
  action: 'annotate',
  decision: 'confirm',
  reason: 'straw buyers',
  by: 'ana',
  decidedAt: new Date(T0).toISOString(),
  ...o,
});

test('a member case hears its ring case: annotate records it; decide decides an open case and only notes a closed one', () => {
  const annotated = vehicleMachine();
  const before = annotated.m.revision;
  annotated.m.applyRingDecision(told());
  assert.equal(annotated.m.state.status, 'open', 'annotate changes nothing else');
  assert.equal(annotated.m.revision, before, 'no transition: neither the loop nor visibility moves');
  const entry = annotated.m.state.audit.at(-1)!;
  assert.equal(entry.action, 'ring-decision-noted');
  assert.equal(entry.by, 'ana');
  assert.equal(entry.detail, `annotate: ${ringCaseIdFor(TRF)} confirm by ana: straw buyers`);
  assert.match(annotated.m.state.notes.at(-1)!.text, /^Ring case ring-transferee-/);

  const decided = vehicleMachine();
  decided.m.claim({ by: 'someone-else' });
  decided.m.applyRingDecision(told({ action: 'decide' }));
  assert.equal(decided.m.state.status, 'confirmed');
  assert.deepEqual(decided.m.state.decision, {
    decision: 'confirm',
    reason: 'straw buyers',
    by: 'ana',
    at: new Date(T0).toISOString(),
    override: false,
    ringCaseId: ringCaseIdFor(TRF),
  });
  assert.match(decided.m.state.audit.at(-1)!.detail!, /^confirm \(ring ring-transferee-\S+\): straw buyers$/);
  assert.equal(decided.m.outcome().analyst, 'ana', 'its outcome follows as for any decision');

  // Already decided: the ring's decision is only recorded.
  decided.m.applyRingDecision(told({ action: 'decide', decision: 'dismiss' }));
  assert.equal(decided.m.state.decision?.decision, 'confirm');
  assert.match(decided.m.state.audit.at(-1)!.detail!, /the case is confirmed: not decided by the ring/);
});

test('a ring case carries its subject through continue-as-new and a reopening; a vehicle case’s input is unchanged', () => {
  const { m } = ringMachine();
  const vins = Array.from({ length: 10 }, () => randomVin()).sort();
  m.applyAlert(ringAlert(vins[0]!, vins));
  const carried = m.continueAsNew(100);
  assert.deepEqual(carried.ring?.members, vins);
  m.claim({ by: 'ana' });
  m.decide({ by: 'ana', decision: 'confirm', reason: 'r' });
  const late = randomVin();
  m.applyAlert(ringAlert(late, vins, 11));
  const reopen = m.reopenInput('run-1');
  assert.deepEqual(reopen.ring?.members, [...vins, late].sort());
  const next = new CaseMachine(reopen, { now: () => T0, routingByDestination: () => true });
  for (const a of next.reopenAlerts) next.applyAlert(a);
  assert.equal(next.state.status, 'open');
  assert.equal(next.state.ring?.members.length, 11);
  assert.deepEqual(
    next.state.previousDecisions.map((d) => d.members),
    ['annotate'],
  );
  const v = vehicleMachine();
  assert.deepEqual(Object.keys(v.m.continueAsNew(1)), ['caseId', 'vin', 'config', 'carried']);
});
