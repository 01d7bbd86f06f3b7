import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SECURITY, loadConfig } from '../src/config.js';

test('the security settings default to the documented values: metrics on a loopback listener only', () => {
  const c = loadConfig({});
  assert.deepEqual(c.security, DEFAULT_SECURITY);
  assert.equal(c.security.metricsToken, undefined);
  assert.deepEqual(c.security.metricsListener, { host: '127.0.0.1', port: 9466 });
});

test('the security settings are read and checked at start, naming the bad variable', () => {
  const c = loadConfig({
    ZM_CONSOLE_LOGIN_USER_ATTEMPTS: '3',
    ZM_CONSOLE_LOGIN_BACKOFF_MS: '500',
    ZM_CONSOLE_LOGIN_BACKOFF_MAX_MS: '60000',
    ZM_CONSOLE_MAX_SESSIONS_PER_USER: '2',
    ZM_CONSOLE_PROXY_HOPS: '1',
    ZM_CONSOLE_METRICS_TOKEN: 'x'.repeat(24),
    ZM_CONSOLE_METRICS_PORT: 'off',
    ZM_CONSOLE_PAGE_TOKEN_SECRET: 's'.repeat(32),
  });
  assert.equal(c.security.login.userFreeAttempts, 3);
  assert.equal(c.security.maxSessionsPerUser, 2);
  assert.equal(c.security.proxyHops, 1);
  assert.equal(c.security.metricsListener, undefined);
  assert.equal(c.security.pageTokenSecret?.length, 32);
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ ZM_CONSOLE_METRICS_TOKEN: 'short' }, /ZM_CONSOLE_METRICS_TOKEN/],
    [{ ZM_CONSOLE_PAGE_TOKEN_SECRET: 'short' }, /ZM_CONSOLE_PAGE_TOKEN_SECRET/],
    [
      { ZM_CONSOLE_LOGIN_BACKOFF_MS: '5000', ZM_CONSOLE_LOGIN_BACKOFF_MAX_MS: '1000' },
      /ZM_CONSOLE_LOGIN_BACKOFF_MAX_MS/,
    ],
    [{ ZM_CONSOLE_METRICS_PORT: '18480' }, /ZM_CONSOLE_METRICS_PORT/],
    [{ ZM_CONSOLE_METRICS_PORT: 'sometimes' }, /ZM_CONSOLE_METRICS_PORT/],
    [{ ZM_CONSOLE_MAX_SESSIONS: '0' }, /ZM_CONSOLE_MAX_SESSIONS/],
  ];
  for (const [env, message] of bad) assert.throws(() => loadConfig(env), message, JSON.stringify(env));
});
