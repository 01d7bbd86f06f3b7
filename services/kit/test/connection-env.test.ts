import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ConfigError,
  DEFAULT_PORTS,
  kafkaClientEnv,
  kafkaClientSettings,
  parseEnv,
  temporalClientEnv,
  temporalClientSettings,
} from '../src/index.js';

const kafka = (env: NodeJS.ProcessEnv) => kafkaClientSettings(parseEnv(z.object(kafkaClientEnv), env));
const temporal = (env: NodeJS.ProcessEnv) =>
  temporalClientSettings(parseEnv(z.object(temporalClientEnv), env));

test('unset, the Kafka and Temporal settings point at the local stack, in plaintext', () => {
  assert.deepEqual(kafka({}), { brokers: [`127.0.0.1:${DEFAULT_PORTS.kafka}`], kafkaSecurity: {} });
  assert.deepEqual(temporal({}), {
    temporalAddress: `127.0.0.1:${DEFAULT_PORTS.temporal}`,
    temporalNamespace: 'default',
    temporalTls: undefined,
  });
});

test('the variables are mapped: broker list, SASL, Temporal address, namespace and TLS server name', () => {
  assert.deepEqual(
    kafka({
      ZM_KAFKA_BROKERS: 'k1:9092, k2:9092',
      ZM_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      ZM_KAFKA_SASL_USERNAME: 'zm',
      ZM_KAFKA_SASL_PASSWORD: 'secret',
    }),
    {
      brokers: ['k1:9092', 'k2:9092'],
      kafkaSecurity: { sasl: { mechanism: 'scram-sha-512', username: 'zm', password: 'secret' } },
    },
  );
  assert.deepEqual(
    temporal({
      ZM_TEMPORAL_ADDRESS: 'temporal:7233',
      ZM_TEMPORAL_NAMESPACE: 'zm',
      ZM_TEMPORAL_TLS: 'true',
      ZM_TEMPORAL_TLS_SERVER_NAME: 'frontend',
    }),
    {
      temporalAddress: 'temporal:7233',
      temporalNamespace: 'zm',
      temporalTls: { caFile: undefined, certFile: undefined, keyFile: undefined, serverName: 'frontend' },
    },
  );
});

test('an empty namespace, an empty broker list or half a SASL setting is refused, naming the variable', () => {
  assert.throws(() => temporal({ ZM_TEMPORAL_NAMESPACE: '' }), /ZM_TEMPORAL_NAMESPACE/);
  assert.throws(() => kafka({ ZM_KAFKA_BROKERS: ' , ' }), /ZM_KAFKA_BROKERS/);
  assert.throws(
    () => kafka({ ZM_KAFKA_SASL_MECHANISM: 'plain' }),
    (err: unknown) => err instanceof ConfigError && /ZM_KAFKA_SASL_USERNAME/.test(err.message),
  );
});
