import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError, envVars, parseEnv, backoffDelay } from '../src/index.js';

const schema = z.object({
  ZM_KAFKA_BROKERS: envVars.brokers,
  ZM_METRICS_PORT: envVars.port(9464),
  ZM_LOG_LEVEL: envVars.logLevel,
});

test('parseEnv applies defaults and splits broker lists', () => {
  const cfg = parseEnv(schema, { ZM_KAFKA_BROKERS: 'a:1, b:2' });
  assert.deepEqual(cfg, { ZM_KAFKA_BROKERS: ['a:1', 'b:2'], ZM_METRICS_PORT: 9464, ZM_LOG_LEVEL: 'info' });
});

test('parseEnv fails with a ConfigError naming every bad variable', () => {
  assert.throws(
    () => parseEnv(schema, { ZM_METRICS_PORT: '70000', ZM_LOG_LEVEL: 'loud' }),
    (err: unknown) =>
      err instanceof ConfigError && /ZM_METRICS_PORT/.test(err.message) && /ZM_LOG_LEVEL/.test(err.message),
  );
});

test('envVars.bool: every service reads a flag the same way (true/1, false/0, unset = its default)', () => {
  const flags = z.object({ ZM_ON: envVars.bool(true), ZM_OFF: envVars.bool(false) });
  assert.deepEqual(parseEnv(flags, {}), { ZM_ON: true, ZM_OFF: false });
  assert.deepEqual(parseEnv(flags, { ZM_ON: '0', ZM_OFF: '1' }), { ZM_ON: false, ZM_OFF: true });
  assert.deepEqual(parseEnv(flags, { ZM_ON: 'false', ZM_OFF: 'true' }), { ZM_ON: false, ZM_OFF: true });
  assert.throws(
    () => parseEnv(flags, { ZM_ON: 'yes' }),
    (err: unknown) => err instanceof ConfigError && /ZM_ON/.test(err.message),
  );
});

test('backoffDelay grows exponentially with jitter and respects the cap', () => {
  for (let i = 0; i < 50; i++) {
    const d0 = backoffDelay(0, 200, 10_000);
    assert.ok(d0 >= 100 && d0 <= 200, `attempt 0: ${d0}`);
    const d3 = backoffDelay(3, 200, 10_000);
    assert.ok(d3 >= 800 && d3 <= 1600, `attempt 3: ${d3}`);
    assert.ok(backoffDelay(30, 200, 10_000) <= 10_000);
  }
});
