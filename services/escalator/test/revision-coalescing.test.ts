// Which records of a batch reach their case (src/revision-coalescing.ts): the pure decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '@zmwatch/schemas';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import {
  caseVisibleFingerprint,
  coalesceRevisions,
  createSignalledRevisions,
} from '../src/revision-coalescing.js';

const rec = (value: Alert) => ({ value });
const rev = (a: Alert, revision: number, over: Partial<Alert> = {}) => ({ ...a, revision, ...over }) as Alert;

test('per alert id the highest revision is kept (the later record at equal revisions); other alerts untouched, order kept', () => {
  const vin = randomVin();
  const a = makeAlert(vin);
  const b = makeAlert(vin, { alertId: 'other' });
  const records = [rec(rev(a, 1)), rec(b), rec(rev(a, 3)), rec(rev(a, 2)), rec(rev(a, 3, { score: 9 }))];
  const { send, skipped } = coalesceRevisions(records, createSignalledRevisions(10));
  assert.deepEqual(send, [records[1], records[4]]);
  assert.deepEqual(
    skipped.map((s) => [records.indexOf(s.record), s.outcome]),
    [
      [0, 'superseded'],
      [2, 'superseded'],
      [3, 'superseded'],
    ],
  );
});

test('against what was signalled: an equal or older revision is a duplicate, a newer one equal in what the case shows is unchanged', () => {
  const a = makeAlert(randomVin());
  const signalled = createSignalledRevisions(10);
  signalled.remember(rev(a, 2));
  const one = coalesceRevisions([rec(rev(a, 2))], signalled);
  assert.equal(one.skipped[0]?.outcome, 'duplicate');
  assert.equal(coalesceRevisions([rec(rev(a, 1))], signalled).skipped[0]?.outcome, 'duplicate');
  const quiet = rev(a, 3, { revisionReason: 'EVIDENCE', revisedAt: 123 } as Partial<Alert>);
  assert.equal(coalesceRevisions([rec(quiet)], signalled).skipped[0]?.outcome, 'unchanged');
  for (const change of [
    { severity: 'CRITICAL' },
    { score: a.score + 1 },
    { status: 'WITHDRAWN' },
    { destinationCountry: a.destinationCountry === 'GE' ? 'KZ' : 'GE' },
    { rules: [...a.rules, { ...a.rules[0]!, ruleId: 'R-NEW' }] },
  ] as Array<Partial<Alert>>) {
    const r = coalesceRevisions([rec(rev(a, 3, change))], signalled);
    assert.equal(r.send.length, 1, `a revision changing ${Object.keys(change)[0]} is signalled`);
  }
});

test('the typologies (contract v3) are part of what the case shows', () => {
  const a = makeAlert(randomVin());
  const withTypology = (reached: boolean) =>
    ({
      ...a,
      typologies: [{ typology: 'ZERO_MILEAGE', score: 5, severity: 'HIGH', reached }],
    }) as Alert;
  assert.notEqual(caseVisibleFingerprint(withTypology(true)), caseVisibleFingerprint(withTypology(false)));
  assert.equal(caseVisibleFingerprint(withTypology(true)), caseVisibleFingerprint(withTypology(true)));
});

test('the memory of signalled revisions is bounded and never goes back to a lower revision', () => {
  const signalled = createSignalledRevisions(2);
  const [x, y, z] = [makeAlert(randomVin()), makeAlert(randomVin()), makeAlert(randomVin())];
  signalled.remember(rev(x, 5));
  signalled.remember(rev(x, 4));
  assert.equal(signalled.get(x.alertId)?.revision, 5);
  signalled.remember(y);
  signalled.remember(z);
  assert.equal(signalled.size, 2);
  assert.equal(signalled.get(x.alertId), undefined, 'the least recently signalled is forgotten');
});
