import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { generateScenario } from '../src/index.js';

function digest(seed: number | string, vehicles: number, noise: 'default' | 'none' = 'default'): string {
  const h = createHash('sha256');
  for (const item of generateScenario({ seed, vehicles, noise }).items()) {
    h.update(JSON.stringify(item, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v)));
  }
  return h.digest('hex');
}

test('the same seed and options give the same events and ground truth, byte for byte', () => {
  assert.equal(digest(42, 3000), digest(42, 3000));
  assert.equal(digest('fleet-day', 1500), digest('fleet-day', 1500));
});

test('different seeds give different scenarios', () => {
  assert.notEqual(digest(42, 2000), digest(43, 2000));
});

test('events() and vehicles() replay the same scenario as items()', () => {
  const s = generateScenario({ seed: 7, vehicles: 1500 });
  const fromItems = [...s.items()].filter((i) => i.kind === 'event').map((i) => JSON.stringify(i));
  const fromEvents = [...s.events()].map((event) => JSON.stringify({ kind: 'event', event }));
  assert.deepEqual(fromEvents, fromItems);
  const labels = [...s.vehicles()].map((v) => `${v.vin}:${v.label}`);
  const labels2 = [...s.items()].flatMap((i) =>
    i.kind === 'vehicle' ? [`${i.truth.vin}:${i.truth.label}`] : [],
  );
  assert.deepEqual(labels, labels2);
});

test('noise does not change which story each vehicle follows', () => {
  const a = [...generateScenario({ seed: 9, vehicles: 2000, noise: 'none' }).vehicles()].map((v) => v.label);
  const b = [...generateScenario({ seed: 9, vehicles: 2000, noise: 3 }).vehicles()].map((v) => v.label);
  assert.deepEqual(a, b);
});

test('events come out in arrival order with consecutive sequence numbers', () => {
  let prev = -Infinity;
  let seq = 0;
  for (const e of generateScenario({ seed: 5, vehicles: 4000 }).events()) {
    assert.ok(e.arrivalOffsetMs >= prev, `event ${e.seq} arrives before its predecessor`);
    assert.equal(e.seq, seq++);
    prev = e.arrivalOffsetMs;
  }
  assert.ok(seq > 4000);
});
