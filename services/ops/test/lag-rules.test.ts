import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePartition, worstStatus, pushBounded, type LagSample } from '../src/lag-rules.js';

const s = (t: number, committed: number, high: number): LagSample => ({
  t: t * 1000,
  committed,
  high,
  lag: high - committed,
  timeLagMs: null,
});

test('a lag of zero anywhere in the window is OK, even with members gone', () => {
  const w = [s(0, 10, 10), s(5, 10, 20), s(10, 10, 30)];
  assert.equal(evaluatePartition(w, false).status, 'OK');
});

test('lag with no group members is STOPPED', () => {
  const w = [s(0, 10, 20), s(5, 10, 25)];
  const ev = evaluatePartition(w, false);
  assert.equal(ev.status, 'STOPPED');
  assert.match(ev.reason, /no consumer/);
});

test('an offset that does not move while lag waits is STALLED once the window has enough samples', () => {
  const w = [s(0, 10, 20), s(5, 10, 25), s(10, 10, 30)];
  assert.equal(evaluatePartition(w.slice(0, 2), true).status, 'OK', 'two samples are not enough to judge');
  const ev = evaluatePartition(w, true);
  assert.equal(ev.status, 'STALLED');
  assert.match(ev.reason, /unchanged for 10 s/);
});

test('consuming but lag growing in every interval is WARN', () => {
  const w = [s(0, 10, 20), s(5, 12, 25), s(10, 14, 30)];
  assert.equal(evaluatePartition(w, true).status, 'WARN');
});

test('consuming with lag that does not grow every time is OK', () => {
  const w = [s(0, 10, 20), s(5, 15, 25), s(10, 30, 32)];
  assert.equal(evaluatePartition(w, true).status, 'OK');
});

test('the group status is its worst partition', () => {
  assert.equal(worstStatus(['OK', 'WARN', 'OK']), 'WARN');
  assert.equal(worstStatus(['STALLED', 'STOPPED', 'OK']), 'STOPPED');
  assert.equal(worstStatus([]), 'OK');
});

test('pushBounded keeps only the newest items', () => {
  const list: number[] = [];
  for (let i = 0; i < 7; i++) pushBounded(list, i, 3);
  assert.deepEqual(list, [4, 5, 6]);
});
