import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { isRetriable, NonRetriableError } from '@zmwatch/kit';
import {
  createCodec,
  createEmbeddedCatalog,
  SchemaRegistryError,
  TOPICS,
  UnknownSchemaIdError,
  type SchemaCatalog,
} from '@zmwatch/schemas';
import { makeAlert } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { createAlertDecoder } from '../src/index.js';

const codec = await createCodec();
const decode = createAlertDecoder(codec);
const msg = (value: Buffer): KafkaMessage =>
  ({ key: null, value, offset: '0', timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

function classOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NonRetriableError, `expected NonRetriableError, got ${String(err)}`);
    return err.errorClass;
  }
  assert.fail('expected a throw');
}

test('a framed Avro alert decodes to the Alert', () => {
  const alert = makeAlert(randomVin());
  // Avro records decode with class prototypes; compare as the JSON the case workflow receives.
  assert.deepEqual(JSON.parse(JSON.stringify(decode(msg(codec.encode(TOPICS.alerts, alert))))), alert);
});

test('bytes that are not an alert are non-retriable with the codec error class (→ DLQ)', () => {
  assert.equal(
    classOf(() => decode(msg(Buffer.from('{"json":true}')))),
    'WrongMagicByte',
  );
  assert.equal(
    classOf(() => decode(msg(Buffer.from([0])))),
    'TruncatedPayload',
  );
  const outcome = codec.encode(TOPICS.caseOutcomes, {
    caseId: 'case-X',
    vin: 'X',
    decision: 'CONFIRMED',
    reason: 'r',
    analyst: 'a',
    alertIds: [],
    openedAt: 0,
    decidedAt: 0,
  });
  assert.notEqual(
    classOf(() => decode(msg(outcome))),
    '',
  );
});

test('an alert whose VIN is invalid or not normalised is non-retriable (InvalidVin, as the detector writes it)', () => {
  assert.equal(
    classOf(() => decode(msg(codec.encode(TOPICS.alerts, { ...makeAlert(randomVin()), vin: 'SHORT' })))),
    'InvalidVin',
  );
  const lower = randomVin().toLowerCase();
  assert.equal(
    classOf(() =>
      decode(msg(codec.encode(TOPICS.alerts, { ...makeAlert(lower.toUpperCase()), vin: lower }))),
    ),
    'InvalidVin',
  );
});

/**
 * A registry-backed codec whose catalog is in memory: the alert schema under a registry id the
 * codec has not fetched yet, and a switch that makes the "registry" unreachable.
 */
async function registryCodec() {
  const embedded = createEmbeddedCatalog();
  const alertSchema = (await embedded.schemaById(codec.schemaIdFor(TOPICS.alerts))).schema;
  const state = { down: false, fetches: 0 };
  const catalog: SchemaCatalog = {
    kind: 'registry',
    idFor: (subject) => Promise.resolve(subject === 'zm.alerts.v1-value' ? 9001 : 9000),
    schemaById(id) {
      state.fetches++;
      if (state.down) return Promise.reject(new SchemaRegistryError('registry unreachable', undefined));
      if (id === 7777) return Promise.resolve({ id, schema: alertSchema });
      return Promise.reject(new UnknownSchemaIdError(id));
    },
    preload: () => Promise.resolve([]),
  };
  return { codec: await createCodec({ catalog }), state };
}

/** The alert framed with another writer id, as a producer with its own registration would write it. */
function withSchemaId(bytes: Buffer, id: number): Buffer {
  const out = Buffer.from(bytes);
  out.writeUInt32BE(id, 1);
  return out;
}

test('an unseen writer id is fetched: decode returns a promise and the batch waits for it', async () => {
  const { codec: reg, state } = await registryCodec();
  const alert = makeAlert(randomVin());
  const bytes = withSchemaId(codec.encode(TOPICS.alerts, alert), 7777);
  const out = createAlertDecoder(reg)(msg(bytes));
  assert.ok(out instanceof Promise, 'unseen id: async');
  assert.deepEqual(JSON.parse(JSON.stringify(await out)), alert);
  assert.ok(!(createAlertDecoder(reg)(msg(bytes)) instanceof Promise), 'fetched once: sync after');
  assert.equal(state.fetches, 1);
});

test('registry down: the decode rejects with a retriable error (kit retries), never a NonRetriableError', async () => {
  const { codec: reg, state } = await registryCodec();
  const bytes = withSchemaId(codec.encode(TOPICS.alerts, makeAlert(randomVin())), 7777);
  state.down = true;
  await assert.rejects(
    Promise.resolve(createAlertDecoder(reg)(msg(bytes))),
    (err: unknown) => !(err instanceof NonRetriableError) && isRetriable(err),
  );
  state.down = false;
  assert.equal((await createAlertDecoder(reg)(msg(bytes))).vin.length, 17);
});

test('an id the registry does not have is non-retriable UnknownSchemaId (→ DLQ); so is a bad VIN behind a fetch', async () => {
  const { codec: reg } = await registryCodec();
  const unknown = withSchemaId(codec.encode(TOPICS.alerts, makeAlert(randomVin())), 4242);
  await assert.rejects(
    Promise.resolve(createAlertDecoder(reg)(msg(unknown))),
    (err: unknown) => err instanceof NonRetriableError && err.errorClass === 'UnknownSchemaId',
  );
  const badVin = withSchemaId(codec.encode(TOPICS.alerts, { ...makeAlert(randomVin()), vin: 'SHORT' }), 7777);
  await assert.rejects(
    Promise.resolve(createAlertDecoder(reg)(msg(badVin))),
    (err: unknown) => err instanceof NonRetriableError && err.errorClass === 'InvalidVin',
  );
});
