// The browser's relative-time formatter (public/js/format.js, plain JS served as is).
import { test } from 'node:test';
import assert from 'node:assert/strict';

const modulePath = new URL('../public/js/format.js', import.meta.url).href;
const { relative } = (await import(modulePath)) as { relative(iso: string, now?: number): string };

test('relative times: past and future with units, and "just now" under a second (never "now ago")', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  const at = (ms: number) => relative(new Date(now + ms).toISOString(), now);
  assert.equal(at(0), 'just now');
  assert.equal(at(-400), 'just now');
  assert.equal(at(400), 'just now');
  assert.equal(at(-5_000), '5s ago');
  assert.equal(at(90_000), 'in 1m');
  assert.equal(at(-3_700_000), '1h 1m ago');
  assert.equal(at(90_000_000), 'in 1d 1h');
  assert.equal(relative(''), '—');
});
