import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PORTS, ConfigError } from '@zmwatch/kit';
import { loadConfig, type SimulatorConfig } from '../src/index.js';

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig(argv, env) as SimulatorConfig;

test('defaults: seed 42, 10,000 vehicles, Kafka at 500 events/s on the contract topics', () => {
  const c = load([]);
  assert.equal(c.scenario.seed, 42);
  assert.equal(c.scenario.vehicles, 10_000);
  assert.equal(c.output.kind, 'kafka');
  if (c.output.kind !== 'kafka') return;
  assert.equal(c.output.rate, 500);
  assert.deepEqual(c.output.brokers, [`127.0.0.1:${DEFAULT_PORTS.kafka}`]);
  assert.equal(c.output.topics.registrations, 'vehicle.registrations.v1');
});

test('flags map onto scenario and output options', () => {
  const c = load(
    [
      '--seed', 'demo', '--vehicles', '200', '--out', '/tmp/x', '--days', '3', '--start', '2026-02-01T00:00:00Z',
      '--noise', 'duplicates=0.2,late=0', '--mix', 'zm-plain=1,legit-domestic=4',
    ],
    { ZM_KAFKA_BROKERS: 'a:1,b:2' },
  ); // prettier-ignore
  assert.equal(c.scenario.seed, 'demo');
  assert.deepEqual(c.output, { kind: 'ndjson', dir: '/tmp/x' });
  assert.equal(c.scenario.durationDays, 3);
  assert.equal(c.scenario.startTime, Date.UTC(2026, 1, 1));
  assert.deepEqual(c.scenario.noise, { duplicates: 0.2, late: 0 });
  assert.deepEqual(c.scenario.mix, { 'zm-plain': 1, 'legit-domestic': 4 });
  const k = load(['--rate', '0', '--day-ms', '1000', '--truth', 't.ndjson'], { ZM_KAFKA_BROKERS: 'a:1,b:2' });
  assert.ok(k.output.kind === 'kafka' && k.output.rate === 0 && k.output.dayMs === 1000);
  assert.ok(k.output.kind === 'kafka' && k.output.truthFile === 't.ndjson');
  assert.deepEqual(k.output.kind === 'kafka' && k.output.brokers, ['a:1', 'b:2']);
});

test('bad flags fail with a message naming the flag', () => {
  const fails = (argv: string[], pattern: RegExp) =>
    assert.throws(
      () => load(argv),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    );
  fails(['--vehicles', 'many'], /--vehicles/);
  fails(['--vehicles', '0'], /--vehicles/);
  fails(['--rate', '-5'], /--rate/);
  fails(['--start', 'yesterday'], /--start/);
  fails(['--mix', 'zm-plane=1'], /--mix: unknown label "zm-plane"/);
  fails(['--noise', 'duplicates=2'], /--noise: duplicates must be in \[0, 1\]/);
  fails(['--noise', 'loud'], /--noise/);
  fails(['--bogus'], /bogus/);
});

test('--help asks for the usage text', () => {
  assert.equal(loadConfig(['--help'], {}), 'help');
});
