import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import avro, { type Schema } from 'avsc';
import {
  createCodecFor,
  createRegistryCatalog,
  SchemaNotLoadedError,
  SchemaRegistryError,
  TOPICS,
  UnknownSchemaIdError,
  type Codec,
} from '../src/index.js';
import { readSchemaFile } from '../src/avro-files.js';
import { plain, registration } from './support/contract-records.js';
import { fakeRegistry } from './registry-fake.js';

type AvroRecordSchema = { type: 'record'; fields: Array<{ name: string; type: unknown; default?: unknown }> };

/**
 * What a foreign producer's next version of the registration contract could look like: an added
 * optional field with a default, and a new symbol in PartyType (whose default is OTHER). Built from
 * the current v2.avsc so the test keeps following the contract.
 */
function newerRegistrationSchema(): Schema {
  const s = structuredClone(readSchemaFile('registration/v2.avsc')) as unknown as AvroRecordSchema;
  s.fields.push({ name: 'colour', type: ['null', 'string'], default: null });
  const party = s.fields.find((f) => f.name === 'party')!.type as AvroRecordSchema;
  const partyType = party.fields.find((f) => f.name === 'type')!.type as { symbols: string[] };
  partyType.symbols.push('GOVERNMENT_AGENCY');
  return s as unknown as Schema;
}

/** Frames an Avro body the way any Confluent serializer does, without our codec's encode path. */
function foreignFrame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

describe('registry mode: a newer compatible writer and a registry that goes away', () => {
  const reg = fakeRegistry();
  let consumer: Codec;
  let newerId: number;
  let bytes: Buffer;
  const written = {
    ...registration({ party: { id: '11440000MB0000001X', type: 'TRADING_COMPANY' } }),
    colour: 'pearl white',
  };

  before(async () => {
    await reg.start();
    // The consumer starts first and registers the current schemas, as detector/escalator/console do.
    consumer = await createCodecFor(reg.url());
    // Then a foreign producer registers its newer version and writes with it (plain avsc).
    const schema = newerRegistrationSchema();
    newerId = await createRegistryCatalog({ url: reg.url() }).idFor('vehicle.registrations.v1-value', schema);
    const type = avro.Type.forSchema(schema, { wrapUnions: 'never' });
    bytes = foreignFrame(
      newerId,
      type.toBuffer({ ...written, party: { ...written.party, type: 'GOVERNMENT_AGENCY' } }),
    );
  });
  after(() => reg.stop());

  it('the newer writer id is new to the consumer, which registered only the current schemas', () => {
    assert.notEqual(newerId, consumer.schemaIdFor(TOPICS.registrations));
    assert.throws(() => consumer.decodeSync(bytes), SchemaNotLoadedError);
  });

  it('registry down: decode fails retriable (not UnknownSchemaId), then succeeds once it is back', async () => {
    await reg.stop();
    await assert.rejects(
      consumer.decode(bytes, TOPICS.registrations),
      (err: unknown) =>
        err instanceof SchemaRegistryError && err.retriable && !(err instanceof UnknownSchemaIdError),
    );
    // Still not cached as a failure: the synchronous path still says "not loaded", not "unknown".
    assert.throws(() => consumer.decodeSync(bytes), SchemaNotLoadedError);
    await reg.start();
    const d = await consumer.decode(bytes, TOPICS.registrations);
    assert.equal(d.schemaId, newerId);
  });

  it('decodes into the current reader type: the added field is dropped, the new symbol is the enum default', async () => {
    const d = await consumer.decode(bytes, TOPICS.registrations);
    const expected: Record<string, unknown> = { ...written, party: { ...written.party, type: 'OTHER' } };
    delete expected.colour;
    assert.deepEqual(plain(d.record), expected);
    // Fetched once, then decodable on the hot path.
    assert.equal(consumer.decodeSync(bytes, TOPICS.registrations).record.party.type, 'OTHER');
  });

  it('a registry answering an unexpected status is retried too (a credential or proxy problem, not the record)', async () => {
    const fresh = await createCodecFor(reg.url());
    reg.failNextRequests(1, 401);
    await assert.rejects(
      fresh.decode(bytes),
      (err: unknown) => err instanceof SchemaRegistryError && err.retriable,
    );
    assert.equal((await fresh.decode(bytes)).schemaId, newerId);
  });

  it('without a registry URL the embedded catalog is used and the foreign id is unknown (permanent)', async () => {
    const embedded = await createCodecFor(undefined);
    assert.equal(embedded.catalog.kind, 'embedded');
    assert.throws(() => embedded.decodeSync(bytes), UnknownSchemaIdError);
  });
});
