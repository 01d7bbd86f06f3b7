// Issue 11 point 4, end to end: the detector in registry mode (ZM_SCHEMA_REGISTRY_URL) against a real
// Confluent-protocol registry, Apicurio Registry (a private one on 127.0.0.1:18085, from
// infra/bin/registry's component), on the shared Kafka and Redis. Registrations come from a foreign
// producer: the schema registered with a plain HTTP POST and the records encoded by fastavro
// (test/registry/register_and_encode.py), produced by librdkafka (test/foreign/produce.py). Its
// newer registration schema (an added optional field, a new PartyType symbol) is accepted by the
// registry's FULL compatibility rule; the detector has never seen the id, fetches it and raises the
// alert. Then the registry is stopped while records under another unseen id arrive: the batch waits
// and retries, nothing is dead-lettered, and it resumes once the registry is back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { createApp as createDetector, loadRuleset, RULE_IDS, type DetectorApp } from '@zmwatch/detector';
import {
  counterValue,
  createTestTopics,
  deleteRedisKeys,
  deleteTestTopics,
  quietLogger,
  testConfig,
  testKafka,
  TopicCollector,
  uniqueId,
  waitFor,
  type TestTopics,
} from '@zmwatch/detector/testing';
import { apicurioRegistry, registryOptions, REPO_ROOT, type RegistryInstance } from '@zmwatch/infra';
import {
  computeCheckDigit,
  createCodecFor,
  TOPICS,
  type Alert,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { foreignPython, produceForeign } from '../foreign/foreign-producer.js';

const PORT = 18085;
const MANAGEMENT_PORT = 18086;
const DAY = 86_400_000;
const SUBJECT = `${TOPICS.registrations}-value`;
const WRITER = join(REPO_ROOT, 'test', 'registry', 'register_and_encode.py');

type AvroRecordSchema = { type: 'record'; fields: Array<{ name: string; type: unknown; default?: unknown }> };

/** Registration v2 (the current contract) plus an optional field and, if asked, a new PartyType symbol. */
function evolvedRegistration(extraField: string, newSymbol?: string): AvroRecordSchema {
  const file = join(REPO_ROOT, 'schemas', 'avro', 'registration', 'v2.avsc');
  const s = JSON.parse(readFileSync(file, 'utf8')) as AvroRecordSchema;
  s.fields.push({ name: extraField, type: ['null', 'string'], default: null });
  if (newSymbol) {
    const party = s.fields.find((f) => f.name === 'party')!.type as AvroRecordSchema;
    (party.fields.find((f) => f.name === 'type')!.type as { symbols: string[] }).symbols.push(newSymbol);
  }
  return s;
}

/** The foreign client registers `schema` and encodes `records` under the id the registry gave it. */
function foreignRegisterAndEncode(
  url: string,
  schema: AvroRecordSchema,
  records: object[],
): Promise<{ id: number; frames: Buffer[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'zm-foreign-schema-'));
  const file = join(dir, 'schema.json');
  writeFileSync(file, JSON.stringify(schema));
  return new Promise((resolve, reject) => {
    const child = execFile(
      foreignPython(),
      [WRITER, '--registry', url, '--subject', SUBJECT, '--schema', file],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        if (err) return reject(new Error(`register_and_encode.py: ${stderr || err.message}`));
        const out = JSON.parse(stdout) as { id: number; frames: string[] };
        resolve({ id: out.id, frames: out.frames.map((f) => Buffer.from(f, 'base64')) });
      },
    );
    child.stdin!.end(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
}

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
function vinFor(seed: string): string {
  const d = createHash('sha256').update(seed).digest();
  const draft = 'LFV' + [...d.subarray(0, 14)].map((b) => VIN_CHARS[b % VIN_CHARS.length]).join('');
  return draft.slice(0, 8) + computeCheckDigit(draft) + draft.slice(9);
}

function registration(vin: string, partyId: string, eventTime: number): RegistrationEvent {
  return {
    eventId: `reg-${vin}`,
    eventType: 'FIRST_REGISTRATION',
    vin,
    vinCheckDigitValid: true,
    jurisdiction: 'CN-GD',
    party: { id: partyId, type: 'TRADING_COMPANY' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song PLUS DM-i',
    modelYear: 2026,
    fuelType: 'PHEV',
    odometerKm: 3,
    priceCny: 159800,
    plateNumber: null,
    sourceSystem: 'cn-gd-vms',
    eventTime,
    recordedAt: eventTime,
  };
}

function declaration(vin: string, eventTime: number): CustomsDeclarationEvent {
  return {
    eventId: `decl-${vin}`,
    eventType: 'DECLARED',
    declarationId: `D1-${vin}`,
    vin,
    vinCheckDigitValid: true,
    exporterId: '91440300MA5EXPORT1',
    exporterType: 'LICENSED_EXPORTER',
    declaredCondition: 'USED',
    declaredOdometerKm: 12,
    destinationCountry: 'AE',
    portOfExit: 'CNSZX',
    hsCode: '8703800010',
    declaredValue: 21000,
    currency: 'USD',
    afterSalesConfirmationRef: 'ASC-1',
    exportLicenceRef: null,
    eventTime,
    recordedAt: eventTime,
  };
}

describe(
  'the detector in registry mode against a real registry (Apicurio), fed by a foreign producer',
  { timeout: 300_000 },
  () => {
    const id = uniqueId('zmreg');
    const kafka = testKafka(id);
    const registryDir = mkdtempSync(join(tmpdir(), 'zm-registry-'));
    const now = Date.now();
    let registry: RegistryInstance;
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
      registry = apicurioRegistry(
        registryOptions({ port: PORT, managementPort: MANAGEMENT_PORT, dir: registryDir }),
      );
      await registry.up();
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
      const rule = await fetch(`${registry.url}/config/${SUBJECT}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: 'FULL' }),
      });
      assert.equal(rule.status, 200, await rule.text());
    });

    after(async () => {
      await app?.stop();
      await alertBytes?.stop();
      await producer?.disconnect();
      if (topics) await deleteTestTopics(admin, topics);
      await admin?.disconnect();
      await deleteRedisKeys(id);
      await registry?.down();
      rmSync(registryDir, { recursive: true, force: true });
    });

    it('a newer compatible writer (added optional field, new enum symbol) registered by the foreign client: its records decode and raise the alert', async () => {
      const vin = vinFor(`${id}-newer`);
      const reg = registration(vin, 'GOV-AGENCY-0001', now - 10 * DAY);
      const written = { ...reg, party: { ...reg.party, type: 'GOVERNMENT_AGENCY' }, colour: 'pearl white' };
      const { id: newerId, frames } = await foreignRegisterAndEncode(
        registry.url,
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
      await sendDeclaration(declaration(vin, now));
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
      const reg = registration(vin, 'TRADER-OUTAGE-01', now - 8 * DAY);
      const { id: writerId, frames } = await foreignRegisterAndEncode(
        registry.url,
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
      await sendDeclaration(declaration(vin, now));
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
