import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PORTS } from '@zmwatch/kit';
import { DEMO_METRICS_PORTS, demoServiceSpecs } from '../src/demo-services.js';
import { SERVICE_MAINS } from '../src/services.js';

const specs = demoServiceSpecs({
  env: { ZM_KAFKA_BROKERS: `127.0.0.1:${DEFAULT_PORTS.kafka}`, ZM_REDIS_URL: undefined },
  consolePort: 18999,
  runDir: '/tmp/zm-run',
  customsUrl: 'http://127.0.0.1:1/holds',
});
const byName = new Map(specs.map((s) => [s.name, s]));

test('the demo starts every pipeline service, each from its own main, each with a ready URL', () => {
  assert.deepEqual([...byName.keys()].sort(), Object.keys(SERVICE_MAINS).sort());
  for (const s of specs) {
    assert.equal(s.main, SERVICE_MAINS[s.name]);
    assert.match(s.readyUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\//, s.name);
  }
});

test('services get the stack environment, the demo ports and the customs endpoint', () => {
  for (const s of specs) assert.equal(s.env.ZM_KAFKA_BROKERS, `127.0.0.1:${DEFAULT_PORTS.kafka}`, s.name);
  // An address the profile leaves unset stays unset for the child (undefined, not inherited).
  assert.ok('ZM_REDIS_URL' in byName.get('detector')!.env);
  assert.equal(byName.get('detector')!.env.ZM_REDIS_URL, undefined);
  assert.equal(byName.get('console')!.env.ZM_CONSOLE_PORT, '18999');
  assert.equal(byName.get('console')!.readyUrl, 'http://127.0.0.1:18999/healthz');
  assert.equal(byName.get('escalator')!.env.ZM_ESCALATOR_METRICS_PORT, String(DEMO_METRICS_PORTS.escalator));
  assert.equal(byName.get('worker')!.env.ZM_CUSTOMS_URL, 'http://127.0.0.1:1/holds');
  assert.equal(byName.get('insights')!.env.ZM_RUN_DIR, '/tmp/zm-run');
  assert.equal(byName.get('insights')!.readyUrl, `http://127.0.0.1:${DEFAULT_PORTS.insights}/readyz`);
});
