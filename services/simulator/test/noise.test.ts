import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS, HOUR_MS } from '@zmwatch/schemas';
import { DEFAULT_NOISE, IGNORABLE_NOISE, generateScenario } from '../src/index.js';
import { collect, tolerance } from './support/collect-scenario.js';

const N = 30_000;
const noisy = collect({ seed: 77, vehicles: N, noise: 4 });
const rates = generateScenario({ seed: 77, vehicles: 1, noise: 4 }).options.noise;
const real = noisy.events.filter((e) => e.noise === null || !IGNORABLE_NOISE.includes(e.noise));
const countOf = (kind: string) => noisy.events.filter((e) => e.noise === kind).length;

test('a noise multiplier scales every default rate', () => {
  assert.equal(rates.duplicates, DEFAULT_NOISE.duplicates * 4);
  assert.equal(rates.outOfOrderMaxDelayMs, DEFAULT_NOISE.outOfOrderMaxDelayMs);
});

test('duplicates, malformed records and invalid VINs occur at their configured per-event rates', () => {
  // Amendments are real events too, and also get duplicated.
  for (const [kind, rate] of [
    ['duplicate', rates.duplicates],
    ['malformed', rates.malformed],
    ['invalid-vin', rates.invalidVins],
  ] as const) {
    const observed = countOf(kind) / real.length;
    assert.ok(
      Math.abs(observed - rate) <= tolerance(rate, real.length, 0.001),
      `${kind}: ${observed} vs ${rate}`,
    );
  }
});

test('duplicates repeat an earlier record exactly (same event id) and arrive after it', () => {
  const firstSeen = new Map<string, number>();
  for (const e of noisy.events) {
    if (e.value === null) continue;
    if (e.noise === 'duplicate') {
      const original = firstSeen.get(e.value.eventId);
      assert.ok(original !== undefined && original <= e.arrivalOffsetMs, 'duplicate before its original');
    } else if (e.noise !== 'invalid-vin') {
      assert.ok(!firstSeen.has(e.value.eventId), `event id ${e.value.eventId} reused`);
      firstSeen.set(e.value.eventId, e.arrivalOffsetMs);
    }
  }
});

test('amendments and cancellations occur at their rates and stay within the ground truth', () => {
  const declared = real.filter(
    (e) => e.value && 'declarationId' in e.value && e.value.eventType === 'DECLARED',
  );
  const amended = real.filter((e) => e.noise === 'amendment').length;
  const share = amended / declared.length;
  assert.ok(
    Math.abs(share - rates.amendments) <= tolerance(rates.amendments, declared.length),
    `amendments ${share}`,
  );
  const exported = noisy.vehicles.filter((v) => v.exportTime !== null);
  const cancelled = exported.filter((v) => v.cancelledDeclarationIds.length > 0).length / exported.length;
  assert.ok(
    Math.abs(cancelled - rates.cancellations) <= tolerance(rates.cancellations, exported.length, 0.01),
  );
});

test('out-of-order: flagged vehicles get their registrations after the first customs declaration', () => {
  const ooo = noisy.vehicles.filter((v) => v.noise.outOfOrder);
  assert.ok(ooo.length > 50);
  for (const v of ooo) {
    assert.ok(v.noise.registrationArrivedAfterDeclarationMs! > 0);
    assert.ok(v.noise.registrationArrivedAfterDeclarationMs! <= rates.outOfOrderMaxDelayMs + HOUR_MS);
  }
  const eligible = noisy.vehicles.filter(
    (v) =>
      v.exportTime !== null &&
      v.firstRegistrationTime !== null &&
      v.exportTime - v.firstRegistrationTime <= 45 * DAY_MS,
  );
  const share = ooo.length / eligible.length;
  assert.ok(
    Math.abs(share - rates.outOfOrder) <= tolerance(rates.outOfOrder, eligible.length, 0.01),
    `${share}`,
  );
});

test('late events are delivered hours after they were recorded', () => {
  const late = noisy.events.filter((e) => e.noise === 'late');
  const share = late.length / real.length;
  assert.ok(Math.abs(share - rates.late) <= tolerance(rates.late, real.length, 0.005), `${share}`);
});

test('with noise "none" there is no noise at all and every record arrives after its event time', () => {
  const clean = collect({ seed: 77, vehicles: 5000, noise: 'none' });
  assert.ok(clean.events.every((e) => e.noise === null && e.value !== null));
  assert.ok(clean.vehicles.every((v) => v.checkDigitValid && v.cancelledDeclarationIds.length === 0));
  const start = generateScenario({ seed: 77, vehicles: 1 }).options.startTime;
  for (const e of clean.events) assert.ok(start + e.arrivalOffsetMs >= e.value!.recordedAt);
});

test('ground truth lists each ignorable noise record with its stream position', () => {
  const scenario = generateScenario({ seed: 78, vehicles: 5000, noise: 4 });
  const flagged = new Set<number>();
  const listed = new Set<number>();
  for (const item of scenario.items()) {
    if (item.kind === 'event' && item.event.noise && IGNORABLE_NOISE.includes(item.event.noise))
      flagged.add(item.event.seq);
    if (item.kind === 'noise') listed.add(item.noise.seq);
  }
  assert.ok(flagged.size > 100);
  assert.deepEqual(
    [...listed].sort((a, b) => a - b),
    [...flagged].sort((a, b) => a - b),
  );
});
