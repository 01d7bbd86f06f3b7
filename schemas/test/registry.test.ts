import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createCodec,
  createRegistryCatalog,
  SchemaNotLoadedError,
  SchemaRegistryError,
  TOPICS,
  UnknownSchemaIdError,
} from '../src/index.js';
import { readSchemaFile } from '../src/avro-files.js';
import { declaration, plain, registration } from './support/contract-records.js';
import { fakeRegistry } from './registry-fake.js';

describe('Schema Registry catalog (Confluent REST API)', () => {
  const reg = fakeRegistry();
  before(() => reg.start());
  after(() => reg.stop());

  it('registers the current schemas under <topic>-value and writes the registry ids', async () => {
    const codec = await createCodec({ catalog: createRegistryCatalog({ url: reg.url() }) });
    assert.deepEqual([...reg.subjects.keys()].sort(), [
      'customs.declarations.v1-value',
      'vehicle.registrations.v1-value',
      'zm.access-audit.v1-value',
      'zm.alerts.v1-value',
      'zm.case-outcomes.v1-value',
    ]);
    const id = codec.schemaIdFor(TOPICS.registrations);
    assert.ok(id >= 100);
    const bytes = codec.encode(TOPICS.registrations, registration());
    assert.equal(bytes.readUInt32BE(1), id);
    // the producer's own codec knows its ids without a GET
    assert.deepEqual(plain(codec.decodeSync(bytes).record), registration());
  });

  it('a fresh consumer fetches the writer schema once by id, then decodes from cache', async () => {
    const producer = await createCodec({ catalog: createRegistryCatalog({ url: reg.url() }) });
    const bytes = producer.encode(TOPICS.declarations, declaration());
    const freshConsumer = await createCodec({ catalog: createRegistryCatalog({ url: reg.url() }) });
    // createCodec registered (POSTed) but did not GET; decode GETs the id once
    const getsBefore = reg.requests.filter((r) => r.startsWith('GET')).length;
    const d = await freshConsumer.decode(bytes, TOPICS.declarations);
    assert.deepEqual(plain(d.record), declaration());
    await freshConsumer.decode(bytes);
    assert.equal(freshConsumer.decodeSync(bytes).schemaId, producer.schemaIdFor(TOPICS.declarations));
    const getsAfter = reg.requests.filter((r) => r.startsWith('GET')).length;
    assert.ok(getsAfter - getsBefore <= 1, 'writer schema fetched at most once');
  });

  it('decodes bytes written by an older producer registered with v1 of the schema', async () => {
    const oldProducer = createRegistryCatalog({ url: reg.url() });
    const v1Id = await oldProducer.idFor(
      'vehicle.registrations.v1-value',
      readSchemaFile('registration/v1.avsc'),
    );
    const avro = (await import('avsc')).default;
    const v1Type = avro.Type.forSchema(readSchemaFile('registration/v1.avsc'), { wrapUnions: 'never' });
    const v1: Record<string, unknown> = { ...registration() };
    delete v1.plateNumber;
    const body = v1Type.toBuffer(v1);
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
    bytes.writeUInt32BE(v1Id, 1);
    const consumer = await createCodec({ catalog: createRegistryCatalog({ url: reg.url() }) });
    assert.throws(() => consumer.decodeSync(bytes), SchemaNotLoadedError);
    const d = await consumer.decode(bytes, TOPICS.registrations);
    assert.equal(d.schemaId, v1Id);
    assert.deepEqual(plain(d.record), { ...registration(), plateNumber: null });
  });

  it('an id the registry does not know is UnknownSchemaIdError (permanent, cached)', async () => {
    const codec = await createCodec({ catalog: createRegistryCatalog({ url: reg.url() }) });
    const bytes = Buffer.from([0, 0, 0, 0x30, 0x39, 0]); // id 12345
    await assert.rejects(
      codec.decode(bytes),
      (err: unknown) => err instanceof UnknownSchemaIdError && !err.retriable,
    );
    const gets = reg.requests.filter((r) => r === 'GET /schemas/ids/12345').length;
    await assert.rejects(codec.decode(bytes), UnknownSchemaIdError);
    assert.equal(reg.requests.filter((r) => r === 'GET /schemas/ids/12345').length, gets);
  });

  it('a registry 5xx is a retriable SchemaRegistryError and is not cached', async () => {
    const v1Id = await createRegistryCatalog({ url: reg.url() }).idFor(
      'vehicle.registrations.v1-value',
      readSchemaFile('registration/v1.avsc'),
    );
    const v1: Record<string, unknown> = { ...registration() };
    delete v1.plateNumber;
    const avro = (await import('avsc')).default;
    const body = avro.Type.forSchema(readSchemaFile('registration/v1.avsc'), {
      wrapUnions: 'never',
    }).toBuffer(v1);
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
    bytes.writeUInt32BE(v1Id, 1);
    const consumer = await createCodec({ catalog: createRegistryCatalog({ url: reg.url() }) });
    reg.failNextRequests(1);
    await assert.rejects(
      consumer.decode(bytes),
      (err: unknown) => err instanceof SchemaRegistryError && err.retriable,
    );
    const decoded = (await consumer.decode(bytes)).record;
    assert.equal('vin' in decoded ? decoded.vin : undefined, registration().vin);
  });

  it('an unreachable registry is a retriable SchemaRegistryError', async () => {
    const dead = createRegistryCatalog({ url: 'http://127.0.0.1:9', timeoutMs: 1000 });
    await assert.rejects(
      createCodec({ catalog: dead }),
      (err: unknown) => err instanceof SchemaRegistryError && err.retriable,
    );
  });
});

const REAL_REGISTRY = process.env.ZM_SCHEMA_REGISTRY_URL;
describe('real Schema Registry (Apicurio ccompat / Confluent / Karapace)', () => {
  it(
    'round-trips every topic through a real registry',
    {
      skip: REAL_REGISTRY
        ? false
        : 'ZM_SCHEMA_REGISTRY_URL is unset (`infra/bin/registry up` then `eval "$(infra/bin/registry env)"` gives one; registry-apicurio.it.test.ts starts its own)',
    },
    async () => {
      const codec = await createCodec({ catalog: createRegistryCatalog({ url: REAL_REGISTRY! }) });
      const fresh = await createCodec({ catalog: createRegistryCatalog({ url: REAL_REGISTRY! }) });
      const bytes = codec.encode(TOPICS.declarations, declaration());
      assert.deepEqual(plain((await fresh.decode(bytes, TOPICS.declarations)).record), declaration());
    },
  );
});
