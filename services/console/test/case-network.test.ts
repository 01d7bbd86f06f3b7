import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EntityEvidence } from '@zmwatch/schemas';
import type { CaseAlert, CaseState } from '@zmwatch/workflows';
import { makeAlert } from '@zmwatch/test-support/cases';
import { entitiesOfCase, networkVehicles, type NetworkEntity } from '../src/network/case-network.js';

const CENTRE = 'LSVAU2180N2100001';
const vin = (n: number) => `LSVAU2180N21${String(n).padStart(5, '0')}`;

function evidence(
  kind: EntityEvidence['kind'],
  id: string,
  members: string[],
  count = members.length,
): EntityEvidence {
  return {
    kind,
    id,
    memberCount: count,
    windowDays: 60,
    memberVins: [...members].sort(),
    memberVinsTruncated: count > members.length,
  };
}

function stateWith(...alerts: CaseAlert[]): CaseState {
  return { vin: CENTRE, evidence: alerts.map((alert) => ({ alert, appliedAt: '' })) } as unknown as CaseState;
}

test("a case's entities: the entity evidence of its rules, and its parties as one-member entities", () => {
  const ring = [CENTRE, vin(2), vin(3), vin(4), vin(5)];
  const alert = makeAlert(CENTRE, {
    firstRegistrant: { id: 'P-LI', type: 'INDIVIDUAL' },
    holderAtDeclaration: { id: 'T-TRADER', type: 'TRADING_COMPANY' },
    exporter: { id: 'X-1', type: 'LICENSED_EXPORTER' },
    exporterId: 'X-1',
    jurisdiction: 'CN-SH',
    registrationTime: Date.UTC(2026, 2, 4, 15),
    rules: [
      {
        ruleId: 'ZM-ENTITY-TRANSFEREE',
        weight: 25,
        evidence: '…',
        facts: {},
        numericFacts: {},
        typology: 'RING_OR_TRADER',
        entity: evidence('TRANSFEREE', 'T-TRADER', ring, 7),
      },
    ],
  });
  const entities = entitiesOfCase(stateWith(alert));
  assert.deepEqual(
    entities.map((e) => `${e.kind}/${e.id}`),
    ['REGISTRANT/P-LI', 'TRANSFEREE/T-TRADER', 'EXPORTER/X-1', 'COHORT/CN-SH:2026-03-04'],
  );
  const transferee = entities[1]!;
  assert.equal(transferee.memberCount, 7);
  assert.deepEqual(transferee.members, [...ring].sort());
  assert.equal(transferee.truncated, true, 'the detector counted 7 and listed 5');
  assert.deepEqual(transferee.rules, ['ZM-ENTITY-TRANSFEREE']);
  const registrant = entities[0]!;
  assert.equal(registrant.memberCount, null, 'no rule counted it');
  assert.deepEqual(registrant.members, [CENTRE]);
});

test('later revisions grow an entity: the largest count and the union of members', () => {
  const rule = (members: string[]) => ({
    ruleId: 'ZM-ENTITY-EXPORTER',
    weight: 10,
    evidence: '…',
    facts: {},
    numericFacts: {},
    typology: 'RING_OR_TRADER',
    entity: evidence('EXPORTER', 'X-1', members),
  });
  const e = entitiesOfCase(
    stateWith(
      makeAlert(CENTRE, { rules: [rule([CENTRE, vin(2)])] }),
      makeAlert(CENTRE, { rules: [rule([CENTRE, vin(3), vin(4)])] }),
    ),
  ).find((x) => x.kind === 'EXPORTER' && x.id === 'X-1')!;
  assert.equal(e.memberCount, 3);
  assert.deepEqual(e.members, [CENTRE, vin(2), vin(3), vin(4)]);
});

test('the picture holds at most the cap, taking members of every entity in turns', () => {
  const a = {
    kind: 'EXPORTER' as const,
    id: 'A',
    memberCount: 40,
    windowDays: 30,
    truncated: false,
    rules: [],
  };
  const entities: NetworkEntity[] = [
    { ...a, members: Array.from({ length: 40 }, (_, i) => vin(100 + i)) },
    { ...a, id: 'B', members: [CENTRE, vin(500), vin(501)] },
  ];
  const { vins, capped } = networkVehicles(CENTRE, entities, 10);
  assert.equal(vins.length, 10);
  assert.equal(vins[0], CENTRE);
  assert.ok(vins.includes(vin(500)) && vins.includes(vin(501)), 'the small entity is not crowded out');
  assert.equal(capped, true);
  assert.deepEqual(networkVehicles(CENTRE, entities, 100).capped, false);
});
