import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS } from '@zmwatch/schemas';
import { DEFAULT_MIX, LABELS, resolveOptions, type Label } from '../src/index.js';
import { collect, tolerance } from './support/collect-scenario.js';

const N = 30_000;
const { events, vehicles } = collect({ seed: 2026, vehicles: N });
const byVehicle = new Map<number, typeof events>();
for (const e of events) {
  const list = byVehicle.get(e.vehicle) ?? [];
  list.push(e);
  byVehicle.set(e.vehicle, list);
}

test('label proportions follow the default mix', () => {
  const counts = new Map<Label, number>();
  for (const v of vehicles) counts.set(v.label, (counts.get(v.label) ?? 0) + 1);
  const mix = resolveOptions({ seed: 1, vehicles: 1 }).mix;
  for (const label of LABELS) {
    const share = (counts.get(label) ?? 0) / N;
    assert.ok(
      Math.abs(share - mix[label]) <= tolerance(mix[label], N),
      `${label}: ${share.toFixed(4)} vs ${mix[label].toFixed(4)}`,
    );
  }
  assert.ok(Math.abs(DEFAULT_MIX['legit-domestic'] - mix['legit-domestic']) < 0.01);
});

test('a custom mix is normalised and labels left out do not occur', () => {
  const only = collect({ seed: 3, vehicles: 3000, mix: { 'zm-plain': 1, 'legit-new-export': 3 } }).vehicles;
  const plain = only.filter((v) => v.label === 'zm-plain').length / only.length;
  assert.ok(Math.abs(plain - 0.25) <= tolerance(0.25, only.length));
  assert.ok(only.every((v) => v.label === 'zm-plain' || v.label === 'legit-new-export'));
});

test('zm-plain: exported as USED within 30 days of registration to a trader, odometer under 100 km', () => {
  const plain = vehicles.filter((v) => v.label === 'zm-plain');
  assert.ok(plain.length > 500);
  for (const v of plain) {
    assert.ok(v.isZeroMileage);
    assert.ok(v.daysToExport !== null && v.daysToExport > 0 && v.daysToExport <= 30, `${v.daysToExport}`);
    assert.ok(v.declaredOdometerKm !== null && v.declaredOdometerKm < 100);
    assert.equal(v.declaredCondition, 'USED');
    assert.ok(['TRADING_COMPANY', 'DEALER', 'LICENSED_EXPORTER'].includes(v.registrantType!));
    assert.ok(v.batchId);
  }
  // Some with after-sales confirmation, some without.
  const withRef = plain.filter((v) => v.afterSalesConfirmation).length / plain.length;
  assert.ok(withRef > 0.2 && withRef < 0.5, `after-sales share ${withRef}`);
});

test('harder variants: long waits, faked odometers, straw buyers', () => {
  const of = (l: Label) => vehicles.filter((v) => v.label === l);
  for (const v of of('zm-long-wait')) assert.ok(v.daysToExport! >= 60 && v.daysToExport! <= 170);
  for (const v of of('zm-faked-odometer')) {
    assert.ok(v.daysToExport! <= 30);
    assert.ok(v.declaredOdometerKm! >= 3000 && v.declaredOdometerKm! <= 15000);
    assert.ok(v.trueOdometerKm! < 100);
  }
  for (const v of of('zm-straw-buyer')) {
    assert.equal(v.registrantType, 'INDIVIDUAL');
    const transfer = byVehicle
      .get(v.vehicle)!
      .find((e) => e.value?.vin === v.vin && 'party' in e.value && e.value.eventType === 'TRANSFER');
    assert.ok(transfer, 'straw buyer cars are transferred to the exporter');
  }
});

test('the scheme registers in batches: one operator, one hub jurisdiction, many cars within days', () => {
  const batches = new Map<string, { ops: Set<string>; juris: Set<string>; times: number[] }>();
  for (const v of vehicles) {
    if (!v.batchId || !v.isZeroMileage || v.batchId.startsWith('ring-')) continue; // rings: many individuals
    const b = batches.get(v.batchId) ?? { ops: new Set(), juris: new Set(), times: [] };
    b.ops.add(v.registrantId!);
    b.juris.add(v.jurisdiction!);
    b.times.push(v.firstRegistrationTime!);
    batches.set(v.batchId, b);
  }
  const big = [...batches.values()].filter((b) => b.times.length >= 10);
  assert.ok(big.length > 10);
  for (const b of big) {
    assert.equal(b.ops.size, 1);
    assert.equal(b.juris.size, 1);
    assert.ok(Math.max(...b.times) - Math.min(...b.times) < 10 * DAY_MS);
  }
});

test('legitimate exports: old used cars with real mileage, and never-registered new cars declared NEW', () => {
  for (const v of vehicles.filter((x) => x.label === 'legit-used-export')) {
    assert.equal(v.firstRegistrationTime, null);
    const years = v.daysToExport! / 365.25;
    assert.ok(years >= 1 && years <= 8.2, `${years}`);
    assert.ok(v.declaredOdometerKm! >= 20_000 && v.declaredOdometerKm! <= 200_100);
  }
  for (const v of vehicles.filter((x) => x.label === 'legit-new-export')) {
    assert.equal(v.declaredCondition, 'NEW');
    assert.ok(!(byVehicle.get(v.vehicle) ?? []).some((e) => e.topic === 'vehicle.registrations.v1'));
  }
  for (const v of vehicles.filter((x) => x.label === 'legit-domestic' || x.label === 'fleet')) {
    assert.equal(v.exportTime, null);
    assert.ok(!(byVehicle.get(v.vehicle) ?? []).some((e) => e.topic === 'customs.declarations.v1'));
  }
});

test('BYD traffic is mostly plug-in or battery electric, Great Wall mostly petrol', () => {
  const share = (make: string, fuels: string[]) => {
    const xs = vehicles.filter((v) => v.make === make);
    return xs.filter((v) => fuels.includes(v.fuelType)).length / xs.length;
  };
  assert.ok(share('BYD', ['BEV', 'PHEV']) === 1);
  assert.ok(share('Great Wall', ['ICE', 'HEV']) === 1);
});

test('events agree with the ground truth: live declarations declared, cancelled ones cancelled', () => {
  for (const v of vehicles) {
    const mine = (byVehicle.get(v.vehicle) ?? []).filter(
      (e) => e.noise !== 'invalid-vin' && e.value !== null,
    );
    const declared = new Set(
      mine.flatMap((e) =>
        e.value && 'declarationId' in e.value && e.value.eventType === 'DECLARED'
          ? [e.value.declarationId]
          : [],
      ),
    );
    const cancelled = new Set(
      mine.flatMap((e) =>
        e.value && 'declarationId' in e.value && e.value.eventType === 'CANCELLED'
          ? [e.value.declarationId]
          : [],
      ),
    );
    for (const id of v.declarationIds) {
      assert.ok(declared.has(id), `${v.vin} misses DECLARED ${id}`);
      assert.ok(!cancelled.has(id));
    }
    assert.deepEqual([...cancelled].sort(), [...v.cancelledDeclarationIds].sort());
    for (const e of mine) assert.equal(e.value!.vin, v.vin);
  }
});

test('adaptive schemes: straw rings register on the same days in one city and converge on one exporter', () => {
  const of = (l: Label) => vehicles.filter((v) => v.label === l);
  const rings = new Map<string, typeof vehicles>();
  for (const v of of('zm-straw-ring')) rings.set(v.batchId!, [...(rings.get(v.batchId!) ?? []), v]);
  const big = [...rings.values()].filter((r) => r.length >= 6);
  assert.ok(big.length > 3, `${big.length} rings of 6+`);
  for (const r of big) {
    assert.equal(new Set(r.map((v) => v.registrantId)).size, r.length, 'one car per individual');
    assert.ok(r.every((v) => v.registrantType === 'INDIVIDUAL'));
    assert.equal(new Set(r.map((v) => v.jurisdiction)).size, 1);
    assert.equal(new Set(r.map((v) => v.exporterId)).size, 1);
    const times = r.map((v) => v.firstRegistrationTime!);
    assert.ok(Math.max(...times) - Math.min(...times) <= 3 * DAY_MS);
    for (const v of r) {
      assert.ok(v.daysToExport! >= 90 && v.daysToExport! <= 116 && v.declaredOdometerKm! < 1000);
    }
  }
  const split = of('zm-split-exporters');
  assert.ok(new Set(split.map((v) => v.exporterId)).size > split.length / 4, 'split across many exporters');
  for (const v of of('zm-threshold-wait')) {
    const past = [30, 90, 180, 365].map((t) => v.daysToExport! - t).filter((d) => d > 0);
    assert.ok(Math.min(...past) <= 8, `${v.daysToExport} days is just past a threshold`);
    assert.ok(v.declaredOdometerKm! > 50 && v.declaredOdometerKm! <= 400);
  }
  for (const v of of('zm-padded-odometer')) assert.ok(v.declaredOdometerKm! > 50);
});

test('look-alikes: genuine sales abroad carry the mileage of cars in use, or wait out the rules', () => {
  const of = (l: Label) => vehicles.filter((v) => v.label === l);
  for (const l of [
    'legit-abroad-after-months',
    'legit-fleet-export',
    'legit-demo-export',
    'legit-diplomat',
  ] as const) {
    assert.ok(of(l).length > 10, l);
    for (const v of of(l)) {
      assert.ok(!v.isZeroMileage);
      assert.equal(v.declaredCondition, 'USED');
      assert.ok(v.daysToExport! > 180, `${l}: ${v.daysToExport}`);
    }
  }
  for (const v of of('legit-fleet-export')) assert.equal(v.registrantType, 'OTHER');
  for (const v of of('legit-demo-export')) assert.equal(v.registrantType, 'DEALER');
});
