import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PORTS, ConfigError } from '@zmwatch/kit';
import { loadConfig } from '../src/index.js';

test('defaults: shared stack addresses, alerts topic, zm-cases task queue, default case rules', () => {
  const c = loadConfig({});
  assert.deepEqual(c.brokers, [`127.0.0.1:${DEFAULT_PORTS.kafka}`]);
  assert.equal(c.temporalAddress, `127.0.0.1:${DEFAULT_PORTS.temporal}`);
  assert.equal(c.alertsTopic, 'zm.alerts.v1');
  assert.equal(c.taskQueue, 'zm-cases');
  assert.equal(c.caseConfig.slaMs.CRITICAL, 2 * 3_600_000);
  assert.equal(c.caseConfig.slaMs.LOW, 7 * 24 * 3_600_000);
});

test('case rules come from the environment; a bad variable is named', () => {
  const c = loadConfig({
    ZM_SLA_HIGH: '15m',
    ZM_PRIORITY_DESTINATIONS: 'RU,IR',
    ZM_ESCALATOR_CONCURRENCY: '4',
  });
  assert.equal(c.caseConfig.slaMs.HIGH, 900_000);
  assert.deepEqual(c.caseConfig.routing.priorityDestinations, ['RU', 'IR']);
  assert.equal(c.concurrency, 4);
  assert.throws(
    () => loadConfig({ ZM_SLA_MEDIUM: 'tomorrow' }),
    (err: unknown) => err instanceof ConfigError && /ZM_SLA_MEDIUM/.test(err.message),
  );
});

test('ZM_SCHEMA_REGISTRY_URL selects registry mode; empty means the embedded catalog; a bad URL is named', () => {
  const url = 'http://127.0.0.1:18081/apis/ccompat/v7';
  assert.equal(loadConfig({ ZM_SCHEMA_REGISTRY_URL: url }).schemaRegistryUrl, url);
  assert.equal(loadConfig({ ZM_SCHEMA_REGISTRY_URL: '' }).schemaRegistryUrl, undefined);
  assert.equal(loadConfig({}).schemaRegistryUrl, undefined);
  assert.throws(
    () => loadConfig({ ZM_SCHEMA_REGISTRY_URL: 'not a url' }),
    (err: unknown) => err instanceof ConfigError && /ZM_SCHEMA_REGISTRY_URL/.test(err.message),
  );
});
