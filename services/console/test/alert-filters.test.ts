import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertTypologies, feedFilter } from '../src/alerts/alert-routes.js';
import type { FeedAlert } from '../src/alerts/alert-feed.js';

const alert = (over: Partial<FeedAlert>): FeedAlert =>
  ({ severity: 'HIGH', typologies: [], ...over }) as unknown as FeedAlert;

const ring = alert({
  severity: 'MEDIUM',
  typologies: [
    { typology: 'RING_OR_TRADER', score: 55, severity: 'MEDIUM', reached: true },
    { typology: 'ZERO_MILEAGE', score: 10, severity: null, reached: false },
  ],
});
const v2 = alert({ severity: 'CRITICAL', typologies: [] });

test('an alert is about the typologies it reached; an alert before contract v3 is a zero-mileage alert', () => {
  assert.deepEqual(alertTypologies(ring), ['RING_OR_TRADER']);
  assert.deepEqual(alertTypologies(v2), ['ZERO_MILEAGE']);
  assert.deepEqual(alertTypologies({}), ['ZERO_MILEAGE']);
});

test('the feed filters by severity and by typology together, and refuses unknown values', () => {
  const f = (q: string) => feedFilter(new URL(`http://c/api/alerts/recent?${q}`));
  assert.equal(f('typology=ring_or_trader')(ring), true);
  assert.equal(f('typology=ZERO_MILEAGE')(ring), false, 'a typology it did not reach');
  assert.equal(f('typology=ZERO_MILEAGE,COMPLIANCE_BREACH')(v2), true);
  assert.equal(f('typology=RING_OR_TRADER&severity=CRITICAL')(ring), false);
  assert.equal(f('')(ring), true);
  assert.throws(() => f('typology=SMUGGLING'), /unknown typology "SMUGGLING"/);
});
