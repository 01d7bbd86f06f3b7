import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { computeCheckDigit, normalizeVin, validateVin, withCheckDigit } from '../src/index.js';

describe('VIN rules', () => {
  it('computes the ISO 3779 / North American check digit of known-valid VINs', () => {
    assert.equal(computeCheckDigit('1M8GDM9AXKP042788'), 'X'); // remainder 10 -> X
    assert.equal(computeCheckDigit('11111111111111111'), '1');
    assert.equal(computeCheckDigit('1HGCM82633A004352'), '3');
  });

  it('accepts valid VINs with checkDigitValid true', () => {
    for (const vin of ['1M8GDM9AXKP042788', '11111111111111111', '1HGCM82633A004352']) {
      assert.deepEqual(validateVin(vin), {
        ok: true,
        vin,
        checkDigitValid: true,
        expectedCheckDigit: vin[8],
      });
    }
  });

  it('normalises by trimming and upper-casing before validating', () => {
    assert.equal(normalizeVin('  1m8gdm9axkp042788\n'), '1M8GDM9AXKP042788');
    const r = validateVin(' 1m8gdm9axkp042788 ');
    assert.ok(r.ok);
    assert.equal(r.vin, '1M8GDM9AXKP042788');
    assert.equal(r.checkDigitValid, true);
  });

  it('a check-digit mismatch is a flag, not a rejection', () => {
    const mutated = '1M8GDM9A5KP042788'; // position 9 changed
    const r = validateVin(mutated);
    assert.ok(r.ok);
    assert.equal(r.checkDigitValid, false);
    assert.equal(r.expectedCheckDigit, 'X');
    // mutating any other position also breaks the check (weight != 0)
    const other = validateVin('1M8GDM9AXKP042789');
    assert.ok(other.ok && !other.checkDigitValid);
    // a typical Chinese VIN without a meaningful check digit is still accepted
    const cn = validateVin('LGXCE4CB5N0123456');
    assert.ok(cn.ok);
  });

  it('every single-character substitution outside position 9 is detected by the check digit', () => {
    const base = '1M8GDM9AXKP042788';
    const alphabet = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
    let detected = 0;
    let total = 0;
    for (let i = 0; i < 17; i++) {
      if (i === 8) continue;
      for (const c of alphabet) {
        if (c === base[i]) continue;
        const v = base.slice(0, i) + c + base.slice(i + 1);
        const r = validateVin(v);
        assert.ok(r.ok);
        total++;
        if (!r.checkDigitValid) detected++;
      }
    }
    // transliteration maps several letters to one value (e.g. A and J), so not all are detectable
    assert.ok(detected / total > 0.85, `detected ${detected}/${total}`);
  });

  it('rejects structurally invalid VINs with a reason', () => {
    const cases: [string, string, RegExp][] = [
      ['', 'EMPTY', /empty/],
      ['   ', 'EMPTY', /empty/],
      ['1M8GDM9AXKP04278', 'LENGTH', /17 characters, got 16/],
      ['1M8GDM9AXKP0427888', 'LENGTH', /got 18/],
      ['1M8GDM9AXKP04278O', 'CHARSET', /"O" at position 17 .*I, O and Q/],
      ['IM8GDM9AXKP042788', 'CHARSET', /"I" at position 1/],
      ['1M8GDM9AXKQ042788', 'CHARSET', /"Q" at position 11/],
      ['1M8GDM9AXKP04278-', 'CHARSET', /only 0-9 and A-Z/],
    ];
    for (const [raw, code, reason] of cases) {
      const r = validateVin(raw);
      assert.equal(r.ok, false, raw);
      if (!r.ok) {
        assert.equal(r.code, code, raw);
        assert.match(r.reason, reason);
      }
    }
  });

  it('computeCheckDigit refuses a structurally invalid VIN', () => {
    assert.throws(() => computeCheckDigit('1M8GDM9AXKP04278O'), RangeError);
  });
});

test('withCheckDigit writes the check digit into position 9, whatever stood there', () => {
  assert.equal(withCheckDigit('1M8GDM9A0KP042788'), '1M8GDM9AXKP042788');
  assert.equal(withCheckDigit('1M8GDM9AZKP042788'), '1M8GDM9AXKP042788');
  const v = validateVin(withCheckDigit('LGXC74C40S0000042'));
  assert.ok(v.ok && v.checkDigitValid);
});
