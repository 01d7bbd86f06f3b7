/**
 * Kafka SASL/SCRAM-SHA-512 against a real broker: a private single-node KRaft broker whose only
 * client listener is SASL_PLAINTEXT, its SCRAM user created when the storage is formatted. kit's
 * env parser (loadKafkaSecurity: ZM_KAFKA_SASL_*) and createKafka are what a service uses; nothing here sets kafkajs
 * options by hand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { logLevel } from 'kafkajs';
import { createKafka, createLogger, DEFAULT_PORTS, loadKafkaSecurity } from '@zmwatch/kit';
import { kafkaNodeComponent } from '@zmwatch/infra';
import { privateSettings, startPrivate } from './private-server.js';
import { kafkaRoundTrip } from './round-trips.js';

const USER = { username: 'zm', password: 'zm-scram-secret' };
const node = {
  id: 1,
  port: DEFAULT_PORTS.secureTestKafka,
  controllerPort: DEFAULT_PORTS.secureTestKafkaController,
};
const brokers = [`127.0.0.1:${node.port}`];
let broker: { stop(): Promise<void> } | undefined;

before(async () => {
  const s = privateSettings('kafka-sasl');
  const c = kafkaNodeComponent(s, {
    name: 'kafka-sasl',
    node,
    voters: [node],
    replicationFactor: 1,
    heap: { min: '128m', max: '384m' },
    scram: { mechanism: 'SCRAM-SHA-512', users: [USER] },
  });
  broker = await startPrivate(s, c, 60_000);
});

after(async () => {
  await broker?.stop();
});

/** The client a service builds from these variables. */
function kafkaFromEnv(env: Record<string, string>) {
  const security = loadKafkaSecurity(env);
  return createKafka({
    clientId: 'kit-sasl-test',
    brokers,
    logger: createLogger('kit-sasl-test', 'silent'),
    level: logLevel.NOTHING,
    security,
  });
}

test('kafka SASL/SCRAM-SHA-512 from ZM_KAFKA_SASL_*: create a topic, produce, consume in a group', async () => {
  const kafka = kafkaFromEnv({
    ZM_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    ZM_KAFKA_SASL_USERNAME: USER.username,
    ZM_KAFKA_SASL_PASSWORD: USER.password,
  });
  await kafkaRoundTrip(kafka, 'kit-sasl');
});

test('kafka SASL: a wrong password is refused with an authentication error; no SASL at all is refused too', async () => {
  const wrong = kafkaFromEnv({
    ZM_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    ZM_KAFKA_SASL_USERNAME: USER.username,
    ZM_KAFKA_SASL_PASSWORD: 'not-the-password',
  });
  const admin = wrong.admin();
  await assert.rejects(admin.connect(), (err: Error) => {
    assert.match(String(err.message), /SASL SCRAM SHA512 authentication failed|Authentication failed/i);
    return true;
  });
  await admin.disconnect().catch(() => undefined);
  // A PLAINTEXT client (no ZM_KAFKA_SASL_*) gets no metadata from a SASL-only listener.
  const plain = createKafka({
    clientId: 'kit-sasl-test-plain',
    brokers,
    logger: createLogger('kit-sasl-test', 'silent'),
    level: logLevel.NOTHING,
  });
  const plainAdmin = plain.admin({ retry: { retries: 0 } });
  await assert.rejects(
    (async () => {
      await plainAdmin.connect();
      await plainAdmin.listTopics();
    })(),
  );
  await plainAdmin.disconnect().catch(() => undefined);
});
