import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createLoginThrottle, type ThrottleOptions } from '../src/auth/login-throttle.js';
import { clientAddress } from '../src/http/client-address.js';

function throttle(over: Partial<ThrottleOptions> = {}) {
  const clock = { t: 1_000_000 };
  const opts: ThrottleOptions = {
    userFreeAttempts: 3,
    addressFreeAttempts: 10,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    maxTracked: 100,
    now: () => clock.t,
    ...over,
  };
  return { clock, t: createLoginThrottle(opts) };
}

test('the lock starts at the limit and doubles with each failure after a lock, up to the cap', () => {
  const { clock, t } = throttle();
  for (let i = 0; i < 2; i++) assert.deepEqual(t.begin('ana', 'a1').failed(), []);
  assert.equal(t.retryAfterMs('ana', 'a1'), 0);
  const [lock] = t.begin('ana', 'a1').failed();
  assert.deepEqual(lock, { scope: 'user', key: 'ana', failures: 3, lockedForMs: 1000 });
  assert.equal(t.retryAfterMs('ana', 'elsewhere'), 1000, 'the user is locked from any address');
  const locks: number[] = [];
  for (let i = 0; i < 5; i++) {
    clock.t += t.retryAfterMs('ana', 'a1');
    assert.equal(t.retryAfterMs('ana', 'a1'), 0);
    locks.push(t.begin('ana', 'a1').failed()[0]!.lockedForMs);
  }
  assert.deepEqual(locks, [2000, 4000, 8000, 8000, 8000]);
});

test('a success clears the user, takes back only its own count on the address, and lifts its provisional lock', () => {
  const { t } = throttle({ addressFreeAttempts: 3 });
  t.begin('ana', 'a1').failed();
  t.begin('bob', 'a1').failed();
  // This attempt reaches the address limit: locked while its password is being checked...
  const attempt = t.begin('ana', 'a1');
  assert.ok(t.retryAfterMs('carl', 'a1') > 0, 'concurrent guesses are refused meanwhile');
  attempt.succeeded();
  assert.equal(t.retryAfterMs('carl', 'a1'), 0, '...and free again when it succeeded');
  assert.equal(t.retryAfterMs('ana', 'a1'), 0);
  // ana's user count is gone, the address still holds bob's and ana's earlier failure: one more locks it.
  assert.equal(t.begin('dan', 'a1').failed()[0]?.scope, 'address');
});

test('a failure re-stamps the provisional lock from when it is known, so a slow check does not use it up', () => {
  const { clock, t } = throttle({ userFreeAttempts: 1 });
  const attempt = t.begin('ana', 'a1');
  assert.equal(t.retryAfterMs('ana', 'a1'), 8000, 'provisionally the longest lock');
  clock.t += 5000; // a slow scrypt
  attempt.failed();
  assert.equal(t.retryAfterMs('ana', 'a1'), 1000);
});

test('failures are forgotten after a quiet hour, and tracked keys are bounded', () => {
  const { clock, t } = throttle({ maxTracked: 10 });
  t.begin('ana', 'a1').failed();
  t.begin('ana', 'a1').failed();
  clock.t += 3_600_001;
  t.begin('ana', 'a1').failed();
  assert.equal(t.retryAfterMs('ana', 'a1'), 0, 'the two old failures no longer count');
  for (let i = 0; i < 50; i++) t.begin(`u${i}`, `addr${i}`).failed();
  assert.equal(t.size(), 10);
});

const req = (peer: string, xff?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: xff ? { 'x-forwarded-for': xff } : {},
  }) as unknown as IncomingMessage;

test('the client address is the socket peer, or the entry the trusted proxies appended', () => {
  assert.equal(clientAddress(req('10.0.0.1', 'spoofed'), 0), '10.0.0.1', 'no proxy: the header is ignored');
  assert.equal(clientAddress(req('10.0.0.9', 'spoofed, 203.0.113.7'), 1), '203.0.113.7');
  assert.equal(clientAddress(req('10.0.0.9', 'spoofed, 203.0.113.7, 10.0.0.8'), 2), '203.0.113.7');
  assert.equal(clientAddress(req('10.0.0.9'), 1), '10.0.0.9', 'no header: the peer');
  assert.equal(clientAddress(req('10.0.0.9', '203.0.113.7'), 2), '10.0.0.9', 'fewer entries than proxies');
});
