// Ring cases on the real Temporal dev server of the local stack, with a real worker: a ring case opens
// beside its members' vehicle cases, collects its members from their alerts, is claimed and decided as
// any case, and its decision decides or annotates the members' cases (signals from its workflow).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { Alert } from '@zmwatch/schemas';
import { caseIdFor, ringCaseIdFor, type RingEntity } from '../src/index.js';
import { caseViewSinks, WORKFLOWS_PATH } from '../src/worker-entry.js';
import { useCaseEnv } from './support/case-env.js';
import { caseWhereOn } from './support/case-where.js';
import { eventually, makeAlert, runId, testCaseConfig } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';

const run = runId();
const config = testCaseConfig(run);
const ctx = useCaseEnv(run);
const caseWhere = caseWhereOn({ getCase: (key) => ctx.env.cases.getCase(key) });

/** A member's alert naming every VIN of `members` as sharing the transferee `ring`. */
function memberAlert(vin: string, ring: RingEntity, members: string[]): Alert {
  const a = makeAlert(vin, { severity: 'HIGH' });
  a.rules.push({
    ruleId: 'ZM-ENTITY-TRANSFEREE',
    weight: 25,
    evidence: `transferee received ${members.length}`,
    facts: {},
    numericFacts: {},
    typology: 'RING_OR_TRADER',
    entity: {
      ...ring,
      memberCount: members.length,
      windowDays: 60,
      memberVins: [...members].sort(),
      memberVinsTruncated: false,
    },
  });
  return a;
}

/** Opens each member's vehicle case and the ring case, as the escalator does for each alert. */
async function openRing(ring: RingEntity, members: string[], named = members) {
  for (const vin of members) {
    const alert = memberAlert(vin, ring, named);
    await ctx.env.cases.signalAlert(alert, config);
    await ctx.env.cases.signalRingAlert(alert, ring, config);
  }
  const id = ringCaseIdFor(ring);
  await caseWhere(id, (c) => c.ring?.members.length === named.length, 'the ring case has every member');
  for (const vin of members) await caseWhere(vin, (c) => c.evidence.length === 1, `case of ${vin}`);
  return id;
}

describe('ring cases (real dev server)', { timeout: 180_000 }, () => {
  test('a ring case opens beside its members’ cases in the queue, and deciding it decides the open members', async () => {
    const ring = { kind: 'TRANSFEREE', id: `TRF-${run}-A` };
    const members = [randomVin(), randomVin(), randomVin()];
    const id = await openRing(ring, members);
    const c = await ctx.env.cases.getCase(id);
    assert.equal(c?.caseId, `ring-transferee-TRF-${run}-A`);
    assert.deepEqual(c?.ring?.members, [...members].sort());
    assert.equal(c?.status, 'open');
    assert.equal(c?.evidence.length, 3, 'each member alert is evidence of the ring');
    // In the queue beside the vehicle cases (the same visibility query), keyed by its id.
    const row = await eventually(
      async () =>
        (await ctx.env.cases.listQueue(config.routing.standardQueue, {}, { pageSize: 100 })).cases.find(
          (x) => x.caseId === id,
        ),
      15_000,
      'the ring case in its queue',
    );
    assert.equal(row.vin, id);

    // One member was decided by its own analyst before the ring.
    const [decidedVin, ...openVins] = members;
    await ctx.env.cases.claim(decidedVin!, { by: 'ana-2' });
    await ctx.env.cases.decide(decidedVin!, { by: 'ana-2', decision: 'dismiss', reason: 'genuine resale' });

    await ctx.env.cases.claim(id, { by: 'ana' });
    const decided = await ctx.env.cases.decide(id, {
      by: 'ana',
      decision: 'confirm',
      reason: 'one trading company took 3 new cars from individuals',
      members: 'decide',
    });
    assert.equal(decided.status, 'confirmed');
    assert.equal(decided.decision?.members, 'decide');
    for (const vin of openVins) {
      // Decided, then (as for any decision) its outcome published.
      const m = await caseWhere(
        vin,
        (x) => x.audit.some((e) => e.action === 'outcome-published'),
        `member ${vin} decided by the ring, its outcome published`,
      );
      assert.equal(m.status, 'confirmed');
      assert.equal(m.decision?.ringCaseId, id);
      assert.equal(m.decision?.by, 'ana');
      assert.ok(m.audit.some((e) => e.action === 'decided' && e.detail?.includes(`(ring ${id})`)));
    }
    const kept = await caseWhere(
      decidedVin!,
      (x) => x.audit.some((e) => e.action === 'ring-decision-noted'),
      'the decided member noted the ring decision',
    );
    assert.equal(kept.status, 'dismissed', 'a decided member keeps its decision');
    const after = await caseWhere(
      id,
      (x) => x.audit.some((e) => e.action === 'members-notified'),
      'the ring recorded that it told its members',
    );
    assert.match(
      after.audit.find((e) => e.action === 'members-notified')!.detail!,
      /^decide: 3 member cases$/,
    );
    // The members' outcomes are on the topic (the ring publishes none of its own).
    const outcomes = await ctx.env.readOutcomes(3);
    assert.deepEqual(
      outcomes.map((o) => o.key).sort(),
      [...members].sort(),
      'one outcome per member, none for the ring',
    );
  });

  test('annotate records the ring’s decision on every member case and leaves them open; a member without a case is named', async () => {
    const ring = { kind: 'EXPORTER', id: `EXP-${run}-B` };
    const members = [randomVin(), randomVin()];
    const ghost = randomVin();
    const id = await openRing(ring, members, [...members, ghost]);
    await ctx.env.cases.claim(id, { by: 'ana' });
    await ctx.env.cases.decide(id, { by: 'ana', decision: 'dismiss', reason: 'a licensed exporter' });
    for (const vin of members) {
      const m = await caseWhere(
        vin,
        (x) => x.audit.some((e) => e.action === 'ring-decision-noted'),
        `member ${vin} annotated`,
      );
      assert.equal(m.status, 'open');
      assert.equal(
        m.audit.find((e) => e.action === 'ring-decision-noted')?.detail,
        `annotate: ${id} dismiss by ana: a licensed exporter`,
      );
      assert.match(m.notes.at(-1)!.text, new RegExp(`^Ring case ${id} dismiss`));
    }
    const r = await caseWhere(id, (x) => x.audit.some((e) => e.action === 'members-notified'), 'notified');
    assert.equal(
      r.audit.find((e) => e.action === 'members-notified')?.detail,
      `annotate: 2 member cases; no running case for ${ghost}`,
    );
    // Member case keys stay the vehicle's: a ring id never collides with case-<VIN>.
    assert.equal(caseIdFor(members[0]!), `case-${members[0]}`);
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
    assert.ok(n >= 7, `replayed ${n} histories`);
  });
});
