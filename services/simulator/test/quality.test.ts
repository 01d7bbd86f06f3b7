import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Severity } from '@zmwatch/schemas';
import { recordDetection, scoreDetections, type Label } from '../src/index.js';

const v = (
  vin: string,
  label: Label,
  extra: { detectableAtOffsetMs?: number | null; lastArrivalOffsetMs?: number } = {},
) => ({
  vin,
  label,
  isZeroMileage: label.startsWith('zm-'),
  ...extra,
});

test('precision and recall per vehicle, alerts on unknown VINs count as false positives', () => {
  const truth = [
    v('A', 'zm-plain'),
    v('B', 'zm-plain'),
    v('C', 'zm-long-wait'),
    v('D', 'legit-domestic'),
    v('E', 'legit-used-export'),
  ];
  const r = scoreDetections(truth, new Set(['A', 'C', 'E', 'ZZZ']));
  assert.equal(r.truePositives, 2);
  assert.equal(r.falsePositives, 2);
  assert.equal(r.unknownVinsFlagged, 1);
  assert.equal(r.falseNegatives, 1);
  assert.equal(r.precision, 0.5);
  assert.equal(r.recall, 2 / 3);
  const plain = r.byLabel.find((x) => x.label === 'zm-plain')!;
  assert.deepEqual([plain.vehicles, plain.flagged, plain.flaggedRate], [2, 1, 0.5]);
});

test('a severity floor ignores weaker alerts; recordDetection keeps the highest severity per VIN', () => {
  const d = new Map<string, Severity>();
  recordDetection(d, 'A', 'LOW');
  recordDetection(d, 'A', 'HIGH');
  recordDetection(d, 'A', 'MEDIUM');
  recordDetection(d, 'D', 'LOW');
  assert.equal(d.get('A'), 'HIGH');
  const truth = [v('A', 'zm-plain'), v('D', 'legit-domestic')];
  assert.equal(scoreDetections(truth, d).precision, 0.5);
  assert.equal(scoreDetections(truth, d, { minSeverity: 'MEDIUM' }).precision, 1);
  assert.equal(scoreDetections(truth, d, { minSeverity: 'CRITICAL' }).recall, 0);
});

test('a stream cut short is scored only on the vehicles whose story had arrived', () => {
  const truth = [
    v('A', 'zm-plain', { detectableAtOffsetMs: 100, lastArrivalOffsetMs: 500 }),
    v('B', 'zm-plain', { detectableAtOffsetMs: 900, lastArrivalOffsetMs: 950 }),
    v('D', 'legit-domestic', { detectableAtOffsetMs: null, lastArrivalOffsetMs: 50 }),
  ];
  const r = scoreDetections(truth, new Set(['A']), { upToOffsetMs: 600 });
  assert.equal(r.vehicles, 2);
  assert.equal(r.recall, 1);
});
