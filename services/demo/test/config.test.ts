import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@zmwatch/kit';
import { loadDemoConfig } from '../src/config.js';

test('demo flags: the single profile by default, --profile cluster chooses the cluster stack', () => {
  const d = loadDemoConfig(['--seed', '7']);
  assert.ok(d !== 'help');
  assert.equal(d.profile, 'single');
  assert.deepEqual(d.simulatorArgs.slice(0, 2), ['--seed', '7']);
  const c = loadDemoConfig(['--profile', 'cluster', '--duration', '30']);
  assert.ok(c !== 'help');
  assert.equal(c.profile, 'cluster');
  assert.equal(c.durationMs, 30_000);
});

test('demo flags: an unknown profile, port or duration is a clear error', () => {
  assert.throws(
    () => loadDemoConfig(['--profile', 'multi']),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /--profile: single or cluster, got multi/);
      return true;
    },
  );
  assert.throws(() => loadDemoConfig(['--console-port', '70000']), /not a TCP port/);
  assert.throws(() => loadDemoConfig(['--duration', '0']), /expected seconds > 0/);
});
