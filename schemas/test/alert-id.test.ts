import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { alertIdFor } from '../src/index.js';

describe('alertIdFor', () => {
  it('is deterministic and documented: zma- + 32 hex of sha256(vin NUL declarationId NUL ruleset)', () => {
    const id = alertIdFor('1M8GDM9AXKP042788', 'D-1', '2026.03.1');
    assert.match(id, /^zma-[0-9a-f]{32}$/);
    assert.equal(id, alertIdFor('1M8GDM9AXKP042788', 'D-1', '2026.03.1'));
    const expected = createHash('sha256')
      .update('1M8GDM9AXKP042788\u0000D-1\u00002026.03.1')
      .digest('hex')
      .slice(0, 32);
    assert.equal(id, `zma-${expected}`);
  });
  it('differs when any input differs, and is not fooled by shifting characters between parts', () => {
    const base = alertIdFor('1M8GDM9AXKP042788', 'D-1', 'r1');
    assert.notEqual(base, alertIdFor('1M8GDM9AXKP042788', 'D-2', 'r1'));
    assert.notEqual(base, alertIdFor('1M8GDM9AXKP042788', 'D-1', 'r2'));
    assert.notEqual(base, alertIdFor('11111111111111111', 'D-1', 'r1'));
    assert.notEqual(
      alertIdFor('1M8GDM9AXKP042788', 'D-1r', '1'),
      alertIdFor('1M8GDM9AXKP042788', 'D-', '1r1'),
    );
  });
  it('normalises the VIN', () => {
    assert.equal(
      alertIdFor(' 1m8gdm9axkp042788 ', 'D-1', 'r1'),
      alertIdFor('1M8GDM9AXKP042788', 'D-1', 'r1'),
    );
  });
});
