import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { hashPassword, isPasswordHash, verifyPassword } from '../src/auth/passwords.js';
import { createUserDirectory, parseUsers } from '../src/auth/users.js';
import { createSessionStore, csrfTokenMatches, parseCookies } from '../src/auth/sessions.js';
import { can } from '../src/auth/roles.js';
import { DEFAULT_USERS_FILE } from '../src/config.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('scrypt hashes verify the right password only, and carry their parameters', async () => {
  const hash = await hashPassword('s3cret', { N: 1024, r: 8, p: 1 });
  assert.ok(hash.startsWith('scrypt$1024$8$1$'));
  assert.ok(isPasswordHash(hash));
  assert.equal(await verifyPassword('s3cret', hash), true);
  assert.equal(await verifyPassword('s3cret!', hash), false);
  assert.equal(await verifyPassword('s3cret', 'scrypt$oops'), false);
});

test('the example users file holds the documented demo credentials', async () => {
  const users = createUserDirectory(parseUsers(readFileSync(DEFAULT_USERS_FILE, 'utf8'), 'example'));
  for (const role of ['analyst', 'supervisor', 'ops', 'customs']) {
    const u = await users.authenticate(role, `${role}-demo`);
    assert.equal(u?.role, role);
    assert.equal('passwordHash' in (u ?? {}), false, 'the hash never leaves the directory');
  }
  assert.equal(await users.authenticate('analyst', 'wrong'), undefined);
  assert.equal(await users.authenticate('nobody', 'analyst-demo'), undefined);
});

test('a users document with a bad role or hash is refused with the entry named', () => {
  assert.throws(
    () =>
      parseUsers(
        JSON.stringify({ users: [{ id: 'x', name: 'X', role: 'admin', passwordHash: 'plain' }] }),
        'ZM_CONSOLE_USERS',
      ),
    /ZM_CONSOLE_USERS: users\.0\.role.*users\.0\.passwordHash|ZM_CONSOLE_USERS: users\.0\./,
  );
  assert.throws(() => parseUsers('{', 'f.json'), /f\.json: not valid JSON/);
});

test('sessions come from the cookie, expire when idle, and their cookie is HttpOnly SameSite=Strict', () => {
  let now = 1_000;
  const store = createSessionStore({
    idleTimeoutMs: 100,
    absoluteTimeoutMs: 1_000,
    secureCookie: true,
    maxPerUser: 5,
    maxTotal: 100,
    now: () => now,
  });
  const s = store.create({ id: 'ana', name: 'Ana', role: 'analyst' });
  const cookie = store.cookie(s);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Secure/);
  const value = cookie.split(';')[0]!;
  assert.equal(store.fromRequest(req({ cookie: `other=1; ${value}` }))?.user.id, 'ana');
  now += 99;
  assert.ok(store.fromRequest(req({ cookie: value })), 'activity keeps the session alive');
  now += 101;
  assert.equal(store.fromRequest(req({ cookie: value })), undefined, 'idle too long');
  assert.equal(store.fromRequest(req({ cookie: 'zm_session=forged' })), undefined);
});

test('the CSRF token must match exactly', () => {
  const store = createSessionStore({
    idleTimeoutMs: 1e6,
    absoluteTimeoutMs: 1e6,
    secureCookie: false,
    maxPerUser: 5,
    maxTotal: 100,
  });
  const s = store.create({ id: 'ana', name: 'Ana', role: 'analyst' });
  assert.equal(csrfTokenMatches(s, req({ 'x-csrf-token': s.csrfToken })), true);
  assert.equal(csrfTokenMatches(s, req({ 'x-csrf-token': s.csrfToken.slice(1) })), false);
  assert.equal(csrfTokenMatches(s, req({})), false);
  assert.deepEqual(parseCookies('a=1; b = 2;c'), { a: '1', b: '2' });
});

test('roles: customs reads cases but cannot act; ops sees ops only', () => {
  assert.equal(can('customs', 'cases:read'), true);
  assert.equal(can('customs', 'cases:act'), false);
  assert.equal(can('analyst', 'cases:act'), true);
  assert.equal(can('analyst', 'cases:supervise'), false);
  assert.equal(can('supervisor', 'cases:supervise'), true);
  assert.equal(can('ops', 'ops:write'), true);
  assert.equal(can('ops', 'cases:read'), false);
});

test('sessions are capped per user (the oldest go) and in total (the least recently used go)', () => {
  let now = 0;
  const store = createSessionStore({
    idleTimeoutMs: 1e6,
    absoluteTimeoutMs: 1e6,
    secureCookie: false,
    maxPerUser: 2,
    maxTotal: 3,
    now: () => ++now,
  });
  const cookie = (s: { id: string }) => req({ cookie: `zm_session=${s.id}` });
  const ana = [0, 1, 2].map(() => store.create({ id: 'ana', name: 'Ana', role: 'analyst' }));
  assert.equal(store.countOf('ana'), 2);
  assert.equal(store.fromRequest(cookie(ana[0]!)), undefined, "ana's oldest is gone");
  assert.ok(store.fromRequest(cookie(ana[1]!)));
  const bob = store.create({ id: 'bob', name: 'Bob', role: 'analyst' });
  assert.ok(store.fromRequest(cookie(ana[1]!)), 'used again: now the most recent');
  store.create({ id: 'cy', name: 'Cy', role: 'analyst' });
  assert.equal(store.size(), 3);
  assert.equal(store.fromRequest(cookie(ana[2]!)), undefined, 'the least recently used went');
  assert.ok(store.fromRequest(cookie(bob)));
});
