import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeCheckDigit, validateVin } from '@zmwatch/schemas';
import { MAKERS, modelYearCode } from '../src/catalog.js';
import { usccCheckChar } from '../src/parties.js';
import { collect } from './support/collect-scenario.js';

const { events, vehicles } = collect({
  seed: 11,
  vehicles: 20_000,
  noise: { checkDigitMismatch: 0.02, invalidVins: 0.01 },
});

test('every vehicle VIN is structurally valid, unique, starts with its maker WMI and encodes its model year', () => {
  const seen = new Set<string>();
  for (const v of vehicles) {
    const r = validateVin(v.vin);
    assert.ok(r.ok, `${v.vin}: ${r.ok ? '' : r.reason}`);
    assert.ok(!seen.has(v.vin), `duplicate VIN ${v.vin}`);
    seen.add(v.vin);
    const maker = MAKERS.find((m) => m.make === v.make)!;
    assert.ok(maker.wmis.includes(v.vin.slice(0, 3)), `${v.vin} is not a ${v.make} WMI`);
    assert.equal(v.vin[9], modelYearCode(v.modelYear));
  }
});

test('check digits are correct except on the vehicles the ground truth marks as mismatching', () => {
  let mismatches = 0;
  for (const v of vehicles) {
    const r = validateVin(v.vin);
    assert.ok(r.ok);
    assert.equal(r.checkDigitValid, v.checkDigitValid, v.vin);
    if (!v.checkDigitValid) mismatches++;
  }
  const rate = mismatches / vehicles.length;
  assert.ok(rate > 0.012 && rate < 0.028, `mismatch rate ${rate}`);
  for (const e of events) {
    if (e.value === null || e.noise === 'invalid-vin') continue;
    const r = validateVin(e.value.vin);
    assert.ok(r.ok);
    assert.equal(e.value.vinCheckDigitValid, r.checkDigitValid, `record flag disagrees for ${e.value.vin}`);
  }
});

test('invalid-VIN noise records carry structurally invalid VINs, and only they do', () => {
  let invalid = 0;
  for (const e of events) {
    if (e.value === null) continue;
    const ok = validateVin(e.value.vin).ok;
    if (e.noise === 'invalid-vin') {
      assert.ok(!ok, `noise VIN ${JSON.stringify(e.value.vin)} is valid`);
      assert.equal(e.key, e.value.vin);
      invalid++;
    } else assert.ok(ok, `${e.value.vin} should be valid`);
  }
  assert.ok(invalid > 50);
});

test('catalog VIN fragments use only VIN characters (no I, O, Q)', () => {
  for (const m of MAKERS) {
    for (const w of m.wmis) assert.match(w, /^[A-HJ-NPR-Z0-9]{3}$/);
    assert.match(m.plants, /^[A-HJ-NPR-Z0-9]+$/);
    for (const model of m.models) {
      assert.match(model.vds, /^[A-HJ-NPR-Z0-9]{4}$/, `${m.make} ${model.name}`);
      assert.ok(model.priceCny[0] < model.priceCny[1]);
      // A full VIN from the fragments must be checkable.
      assert.match(computeCheckDigit(`${m.wmis[0]!}${model.vds}10T${m.plants[0]}123456`), /^[0-9X]$/);
    }
  }
});

test('model year codes follow ISO 3779 (2020 = L, 2024 = R, 2026 = T)', () => {
  assert.equal(modelYearCode(2020), 'L');
  assert.equal(modelYearCode(2024), 'R');
  assert.equal(modelYearCode(2026), 'T');
  assert.throws(() => modelYearCode(2009));
});

test('unified social credit codes get the GB 32100 check character', () => {
  assert.equal(usccCheckChar('91350100M000100Y4'), '3');
  const orgs = vehicles.filter((v) => v.registrantType !== null && v.registrantType !== 'INDIVIDUAL');
  assert.ok(orgs.length > 100);
  for (const v of orgs) {
    assert.match(v.registrantId!, /^91\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/);
    assert.equal(v.registrantId![17], usccCheckChar(v.registrantId!.slice(0, 17)));
  }
});
