// Issue 11 point 4, end to end: the services in registry mode (ZM_SCHEMA_REGISTRY_URL) against a real
// Confluent-protocol registry, Apicurio Registry (a private one on 127.0.0.1:18085, from
// infra/bin/registry's component), on the shared Kafka and Redis. Records come from a foreign
// producer: the schema registered with a plain HTTP POST and the records encoded by fastavro
// (test/registry/register_and_encode.py), produced by librdkafka (test/foreign/produce.py).
// - The detector: a newer registration schema (an added optional field, a new PartyType symbol),
//   accepted by the registry's FULL compatibility rule, under an id the detector has never seen: it
//   fetches it and raises the alert. Then the registry is stopped while records under another unseen
//   id arrive: the batch waits and retries, nothing is dead-lettered, and it resumes once it is back.
// - The escalator's decoder in the kit's batch consumer: alerts under a newer alert schema (added
//   field, new Severity symbol) arrive while the registry is down: the same waiting, then handled.
// (The console's live-feed decoder is not exported by its package; its in-process test covers it.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { createApp as createDetector, loadRuleset, RULE_IDS, type DetectorApp } from '@zmwatch/detector';
import {
  createTestTopics,
  deleteTestTopics,
  testConfig,
  TopicCollector,
  type TestTopics,
} from '@zmwatch/test-support/detector-pipeline';
import { DAY, declaration, registration } from '@zmwatch/test-support/events';
import {
  counterValue,
  deleteRedisKeys,
  quietLogger,
  testKafka,
  uniqueName,
  waitFor,
} from '@zmwatch/test-support/stack';
import { vinFor } from '@zmwatch/test-support/vins';
import { apicurioRegistry, registryOptions, type RegistryInstance } from '@zmwatch/infra';
import {
  stackAddresses,
  createBatchConsumer,
  createDeadLetterWriter,
  createIdempotentProducer,
  createLogger,
} from '@zmwatch/kit';
import { createAlertDecoder } from '@zmwatch/escalator';
import { createApp as createConsole, loadConfig as loadConsoleConfig } from '@zmwatch/console';
import { makeAlert } from '@zmwatch/test-support/cases';
import {
  createCodecFor,
  TOPICS,
  type Alert,
  type Codec,
  type CustomsDeclarationEvent,
} from '@zmwatch/schemas';
import { produceForeign } from '../foreign/foreign-producer.js';
import {
  contractSchema,
  foreignRegisterAndEncode,
  setCompatibility,
  withEnumSymbol,
  withOptionalField,
} from './foreign-registry.js';

const PORT = 18085;
const MANAGEMENT_PORT = 18086;
const SUBJECT = `${TOPICS.registrations}-value`;
const ALERTS_SUBJECT = `${TOPICS.alerts}-value`;

/** Registration v2 (the current contract) plus an optional field and, if asked, a new PartyType symbol. */
function evolvedRegistration(extraField: string, newSymbol?: string) {
  const s = withOptionalField(contractSchema('registration/v2.avsc'), extraField);
  return newSymbol ? withEnumSymbol(s, 'PartyType', newSymbol) : s;
}

// One registry for the file (a start is about 7 s); each outage test stops and restarts it.
const registryDir = mkdtempSync(join(tmpdir(), 'zm-registry-'));
const registry: RegistryInstance = apicurioRegistry(
  registryOptions({ port: PORT, managementPort: MANAGEMENT_PORT, dir: registryDir }),
);
before(() => registry.up(), { timeout: 300_000 });
after(async () => {
  await registry.down();
  rmSync(registryDir, { recursive: true, force: true });
});

describe(
  'the detector in registry mode against a real registry (Apicurio), fed by a foreign producer',
  { timeout: 300_000 },
  () => {
    const id = uniqueName('zmreg');
    const kafka = testKafka(id);
    const now = Date.now();
    let admin: Admin;
    let topics: TestTopics;
    let app: DetectorApp;
    let codec: Codec; // our own services' codec in registry mode: declarations, and reading the alerts
    let producer: Producer;
    let alertBytes: TopicCollector<Buffer>;

    const counter = (name: string) => counterValue(app.registry, name);
    const alertsFor = async (vin: string): Promise<Alert[]> => {
      const all = await Promise.all(alertBytes.items.map((b) => codec.decode(b, TOPICS.alerts)));
      return all.map((d) => d.record).filter((a) => a.vin === vin);
    };
    const dlqHighWatermarks = async () =>
      (
        await Promise.all(
          [`${topics.registrations}.dlq`, `${topics.declarations}.dlq`].map((t) =>
            admin.fetchTopicOffsets(t),
          ),
        )
      )
        .flat()
        .map((p) => p.high);
    const sendDeclaration = async (decl: CustomsDeclarationEvent) =>
      producer.send({
        topic: topics.declarations,
        acks: -1,
        messages: [{ key: decl.vin, value: codec.encode(TOPICS.declarations, decl) }],
      });

    before(async () => {
      admin = kafka.admin();
      await admin.connect();
      topics = await createTestTopics(admin, id, 3);
      app = createDetector(
        testConfig(id, topics, { schemaRegistryUrl: registry.url, maxRetryDelayMs: 500 }, loadRuleset()),
        { logger: quietLogger },
      );
      await app.start(); // registers the current schemas in the registry
      codec = await createCodecFor(registry.url);
      producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      alertBytes = await TopicCollector.start(kafka, topics.alerts, (m) => m.value!);
      await setCompatibility(registry.url, SUBJECT, 'FULL');
    });

    after(async () => {
      await app?.stop();
      await alertBytes?.stop();
      await producer?.disconnect();
      if (topics) await deleteTestTopics(admin, topics);
      await admin?.disconnect();
      await deleteRedisKeys(id);
    });

    it('a newer compatible writer (added optional field, new enum symbol) registered by the foreign client: its records decode and raise the alert', async () => {
      const vin = vinFor(`${id}-newer`);
      const reg = registration(vin, {
        party: { id: 'GOV-AGENCY-0001', type: 'TRADING_COMPANY' },
        eventTime: now - 10 * DAY,
        recordedAt: now - 10 * DAY,
      });
      const written = { ...reg, party: { ...reg.party, type: 'GOVERNMENT_AGENCY' }, colour: 'pearl white' };
      const { id: newerId, frames } = await foreignRegisterAndEncode(
        registry.url,
        SUBJECT,
        evolvedRegistration('colour', 'GOVERNMENT_AGENCY'),
        [written],
      );
      assert.notEqual(
        newerId,
        codec.schemaIdFor(TOPICS.registrations),
        'a writer id the detector has not seen',
      );
      const eventsBefore = await counter('zm_detector_events_in_total');
      await produceForeign([{ topic: topics.registrations, key: vin, bytes: frames[0]! }]);
      await waitFor(
        'the registration decoded',
        async () => (await counter('zm_detector_events_in_total')) > eventsBefore,
      );
      await sendDeclaration(declaration(vin, { eventTime: now, recordedAt: now }));
      const [alert] = await waitFor('the alert', async () => {
        const a = await alertsFor(vin);
        return a.length ? a : undefined;
      });
      // Joined with the foreign registration: its party, its time, and the unknown symbol as the enum default.
      assert.equal(alert!.registrantId, 'GOV-AGENCY-0001');
      assert.equal(alert!.registrantType, 'OTHER');
      assert.equal(alert!.registrationTime, reg.eventTime);
      assert.ok(alert!.rules.some((r) => r.ruleId === RULE_IDS.rapidExport));
      assert.equal(await counter('zm_detector_dead_letters_total'), 0);
      assert.deepEqual(await dlqHighWatermarks(), ['0', '0']);
    });

    it('the registry stopped mid-run: records under an unseen writer id wait (retries, no dead letter), then resume when it is back', async (t) => {
      const vin = vinFor(`${id}-outage`);
      const reg = registration(vin, {
        party: { id: 'TRADER-OUTAGE-01', type: 'TRADING_COMPANY' },
        eventTime: now - 8 * DAY,
        recordedAt: now - 8 * DAY,
      });
      const { id: writerId, frames } = await foreignRegisterAndEncode(
        registry.url,
        SUBJECT,
        evolvedRegistration('bodyStyle'),
        [{ ...reg, bodyStyle: 'SUV' }],
      );
      assert.notEqual(writerId, codec.schemaIdFor(TOPICS.registrations));
      await registry.down();
      const eventsBefore = await counter('zm_detector_events_in_total');
      const retriesBefore = await counter('zm_detector_batch_retries_total');
      await produceForeign([{ topic: topics.registrations, key: vin, bytes: frames[0]! }]);
      await waitFor(
        'three batch retries while the registry is down',
        async () => (await counter('zm_detector_batch_retries_total')) >= retriesBefore + 3,
        30_000,
      );
      assert.equal(await counter('zm_detector_events_in_total'), eventsBefore, 'the record waits');
      assert.equal(await counter('zm_detector_dead_letters_total'), 0);
      assert.deepEqual(await dlqHighWatermarks(), ['0', '0']);

      const t0 = Date.now();
      await registry.up(); // the same storage: the writer id is still there
      await waitFor(
        'the registration decoded once the registry is back',
        async () => (await counter('zm_detector_events_in_total')) > eventsBefore,
        30_000,
      );
      const resumedMs = Date.now() - t0;
      await sendDeclaration(declaration(vin, { eventTime: now, recordedAt: now }));
      const [alert] = await waitFor('the alert', async () => {
        const a = await alertsFor(vin);
        return a.length ? a : undefined;
      });
      assert.equal(alert!.registrantId, 'TRADER-OUTAGE-01');
      assert.equal(alert!.registrationTime, reg.eventTime);
      assert.equal(await counter('zm_detector_dead_letters_total'), 0);
      assert.deepEqual(await dlqHighWatermarks(), ['0', '0']);
      t.diagnostic(`registry restart to resumed decoding: ${resumedMs} ms`);
    });
  },
);

describe(
  "the escalator's decoder in registry mode against a real registry (Apicurio)",
  { timeout: 300_000 },
  () => {
    it('alerts under a newer writer arrive while the registry is down: the batch waits (retries, no dead letter), then every alert is handled, the new Severity symbol as LOW', async () => {
      const id = uniqueName('zmreg-esc');
      const kafka = testKafka(id);
      const topic = `${id}.${TOPICS.alerts}`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, numPartitions: 1 },
          { topic: `${topic}.dlq`, numPartitions: 1 },
        ],
      });
      const codec = await createCodecFor(registry.url); // the escalator's codec: registers the current schemas
      await setCompatibility(registry.url, ALERTS_SUBJECT, 'FULL');
      const newer = withEnumSymbol(
        withOptionalField(contractSchema('alert/v3.avsc'), 'analystNote'),
        'Severity',
        'SEVERE',
      );
      const alerts = [makeAlert(vinFor(`${id}-1`)), makeAlert(vinFor(`${id}-2`), { severity: 'CRITICAL' })];
      const { id: writerId, frames } = await foreignRegisterAndEncode(registry.url, ALERTS_SUBJECT, newer, [
        { ...alerts[0]!, severity: 'SEVERE', analystNote: 'seen at the port' },
        { ...alerts[1]!, analystNote: null },
      ]);
      assert.notEqual(writerId, codec.schemaIdFor(TOPICS.alerts), 'a writer id the escalator has not seen');
      await registry.down();
      await produceForeign(frames.map((bytes, i) => ({ topic, key: alerts[i]!.vin, bytes })));

      const handled: Alert[] = [];
      let retries = 0;
      let deadLettered = 0;
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      const consumer = createBatchConsumer<Alert>({
        kafka,
        groupId: `${id}-escalator`,
        topics: [topic],
        fromBeginning: true,
        logger: createLogger('registry-test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent'),
        deadLetters: createDeadLetterWriter(producer, 'escalator-registry-test'),
        decode: createAlertDecoder(codec),
        handle: (records) => {
          handled.push(...records.map((r) => r.value));
          return Promise.resolve();
        },
        maxRetryDelayMs: 300,
        onBatch: (b) => (deadLettered += b.deadLettered),
        onRetry: () => retries++,
      });
      try {
        await consumer.start();
        await waitFor('three batch retries while the registry is down', () => retries >= 3, 30_000);
        assert.equal(handled.length, 0, 'nothing handled while the writer schema cannot be fetched');
        assert.equal(deadLettered, 0);
        await registry.up();
        await waitFor('every alert handled', () => handled.length >= alerts.length, 30_000);
        assert.deepEqual(handled.map((a) => a.alertId).sort(), alerts.map((a) => a.alertId).sort());
        const byId = new Map(handled.map((a) => [a.alertId, a]));
        assert.equal(byId.get(alerts[0]!.alertId)!.severity, 'LOW', 'the unknown symbol is the enum default');
        assert.equal(byId.get(alerts[1]!.alertId)!.severity, 'CRITICAL');
        assert.equal(deadLettered, 0);
        assert.deepEqual(
          (await admin.fetchTopicOffsets(`${topic}.dlq`)).map((p) => p.high),
          ['0'],
        );
      } finally {
        await consumer.stop();
        await producer.disconnect();
        await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
        await admin.disconnect();
      }
    });
  },
);

describe(
  "the console's live alert feed in registry mode against a real registry (Apicurio)",
  { timeout: 300_000 },
  () => {
    it('an alert under a newer writer, produced while the registry is down, reaches customs once the registry is back (the feed waits, it does not skip)', async () => {
      const id = uniqueName('zmreg-con');
      const kafka = testKafka(id);
      const topic = `${id}.${TOPICS.alerts}`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
      // The console as deployed, from its variables; no Temporal needed for the feed (cases stubbed).
      const config = loadConsoleConfig({
        ZM_KAFKA_BROKERS: stackAddresses().brokers.join(','),
        ZM_ALERTS_TOPIC: topic,
        ZM_SCHEMA_REGISTRY_URL: registry.url,
        ZM_CONSOLE_PORT: '0',
        ZM_CONSOLE_METRICS_PORT: 'off',
        ZM_LOG_LEVEL: process.env.ZM_TEST_LOG_LEVEL ?? 'silent',
      });
      const noCases = new Proxy({}, { get: () => () => Promise.reject(new Error('no cases in this test')) });
      const app = createConsole(config, { cases: noCases as never });
      try {
        await app.start();
        await setCompatibility(registry.url, ALERTS_SUBJECT, 'FULL');
        const newer = withEnumSymbol(
          withOptionalField(contractSchema('alert/v3.avsc'), 'analystNote'),
          'Severity',
          'SEVERE',
        );
        const alert = makeAlert(vinFor(`${id}-1`));
        const { frames } = await foreignRegisterAndEncode(registry.url, ALERTS_SUBJECT, newer, [
          { ...alert, severity: 'SEVERE', analystNote: 'seen at the port' },
        ]);
        const login = await fetch(`${app.url}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'customs', password: 'customs-demo' }),
        });
        assert.equal(login.status, 200);
        const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
        const recent = async () => {
          const res = await fetch(`${app.url}/api/alerts/recent`, { headers: { cookie } });
          assert.equal(res.status, 200);
          return ((await res.json()) as { alerts: Array<{ alertId: string; severity: string }> }).alerts;
        };
        await waitFor(
          'the console ready (its feed consumer assigned)',
          async () => (await fetch(`${app.url}/readyz`)).status === 200,
          30_000,
        );
        await registry.down();
        await produceForeign(frames.map((bytes) => ({ topic, key: alert.vin, bytes })));
        await new Promise((r) => setTimeout(r, 3_000));
        assert.deepEqual(await recent(), [], 'not shown while its writer schema cannot be fetched');
        await registry.up();
        let shown: Array<{ alertId: string; severity: string }> = [];
        await waitFor('the alert in the live feed', async () => (shown = await recent()).length > 0, 45_000);
        assert.deepEqual(
          shown.map((a) => [a.alertId, a.severity]),
          [[alert.alertId, 'LOW']],
        );
      } finally {
        await app.stop();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      }
    });
  },
);
