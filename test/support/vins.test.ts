import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateVin } from '@zmwatch/schemas';
import { randomVin, vinFor } from './vins.js';

test('vinFor is deterministic per seed, and different seeds give different VINs', () => {
  assert.equal(vinFor('ring-3'), vinFor('ring-3'));
  assert.equal(vinFor(7), vinFor('7'));
  const many = new Set(Array.from({ length: 5_000 }, (_, i) => vinFor(i)));
  assert.equal(many.size, 5_000);
});

test('every VIN is structurally valid with the prefix asked for, and its check digit right unless asked otherwise', () => {
  for (let i = 0; i < 500; i++) {
    const good = validateVin(vinFor(i, { prefix: 'LFV' }));
    assert.ok(good.ok && good.checkDigitValid && good.vin.startsWith('LFV'), JSON.stringify(good));
    const bad = validateVin(vinFor(i, { validCheckDigit: false }));
    assert.ok(bad.ok && !bad.checkDigitValid && bad.vin.startsWith('LGX'), JSON.stringify(bad));
    assert.equal(bad.ok && bad.vin.slice(9), vinFor(i).slice(9), 'only the check digit differs');
  }
  assert.equal(vinFor(1, { prefix: 'LGXCE4CB' }).slice(0, 8), 'LGXCE4CB');
  assert.throws(() => vinFor(1, { prefix: 'LIO' }), /not a VIN prefix/);
  assert.throws(() => vinFor(1, { prefix: 'LGXCE4CB1' }), /not a VIN prefix/);
});

test('randomVin gives a new valid VIN on every call', () => {
  const a = randomVin();
  assert.notEqual(a, randomVin());
  const v = validateVin(a);
  assert.ok(v.ok && v.checkDigitValid);
});
