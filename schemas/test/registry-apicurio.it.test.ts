// The registry client against a real Confluent-protocol registry: Apicurio Registry (its
// /apis/ccompat/v7 API), started privately on 127.0.0.1:18083 by infra/bin/registry. What the
// in-process stand-in (registry-fake.ts) cannot show: the registry's own ids, its idempotent
// registration, its 404s, its compatibility rules accepting the newer writer and refusing a breaking
// one, and a registry process that stops and comes back with its storage.
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
import { declaration, plain, registration } from './support/contract-records.js';
import { privateApicurio, registryCall, type PrivateApicurio } from './registry-apicurio.js';

const PORT = 18083;
const MANAGEMENT_PORT = 18084;
const REGISTRATIONS = `${TOPICS.registrations}-value`;

type AvroRecordSchema = { type: 'record'; fields: Array<{ name: string; type: unknown; default?: unknown }> };

/** Registration v2 plus an optional field and, if asked, a new PartyType symbol (enum default OTHER). */
function evolvedRegistration(extraField: string, newSymbol?: string): Schema {
  const s = structuredClone(readSchemaFile('registration/v2.avsc')) as unknown as AvroRecordSchema;
  s.fields.push({ name: extraField, type: ['null', 'string'], default: null });
  if (newSymbol) {
    const party = s.fields.find((f) => f.name === 'party')!.type as AvroRecordSchema;
    (party.fields.find((f) => f.name === 'type')!.type as { symbols: string[] }).symbols.push(newSymbol);
  }
  return s as unknown as Schema;
}

/** Confluent framing done by hand, as any other serializer does it. */
function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** Registers with a plain POST (a foreign producer's registration, not our client). */
async function registerForeign(url: string, subject: string, schema: Schema): Promise<number> {
  const r = await registryCall<{ id: number }>(url, 'POST', `/subjects/${subject}/versions`, {
    schema: JSON.stringify(schema),
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.id;
}

describe(
  'the registry client against a real registry (Apicurio Registry, Confluent API)',
  { timeout: 300_000 },
  () => {
    let reg: PrivateApicurio;
    let url: string;

    before(async () => {
      reg = await privateApicurio(PORT, MANAGEMENT_PORT);
      url = reg.url;
    });
    after(() => reg?.remove());

    it('is the real thing', () => {
      assert.match(reg.detail, /^Apicurio Registry .*3\.3\.3$/);
    });

    it('createCodec registers the current schemas under <topic>-value, idempotently, and writes with the registry ids', async () => {
      const codec = await createCodecFor(url);
      const subjects = await registryCall<string[]>(url, 'GET', '/subjects');
      for (const s of [REGISTRATIONS, `${TOPICS.declarations}-value`, `${TOPICS.alerts}-value`])
        assert.ok(subjects.json.includes(s), `${s} registered (${subjects.json.join(', ')})`);
      const latest = await registryCall<{ id: number; version: number }>(
        url,
        'GET',
        `/subjects/${REGISTRATIONS}/versions/latest`,
      );
      assert.equal(codec.schemaIdFor(TOPICS.registrations), latest.json.id);
      const bytes = codec.encode(TOPICS.registrations, registration());
      assert.equal(bytes.readUInt32BE(1), latest.json.id);
      // A second service registering the same schemas gets the same ids and adds no version.
      const again = await createCodecFor(url);
      assert.equal(again.schemaIdFor(TOPICS.registrations), latest.json.id);
      const versions = await registryCall<number[]>(url, 'GET', `/subjects/${REGISTRATIONS}/versions`);
      assert.deepEqual(versions.json, [latest.json.version]);
    });

    it('a fresh consumer fetches the writer schema by id (GET /schemas/ids) and decodes', async () => {
      const producer = await createCodecFor(url);
      const bytes = producer.encode(TOPICS.declarations, declaration());
      const consumer = await createCodecFor(url);
      assert.deepEqual(plain((await consumer.decode(bytes, TOPICS.declarations)).record), declaration());
      assert.deepEqual(plain(consumer.decodeSync(bytes, TOPICS.declarations).record), declaration());
    });

    it('bytes of an older producer (registration v1, registered by it) decode with the added field defaulted', async () => {
      const v1 = readSchemaFile('registration/v1.avsc');
      const v1Id = await registerForeign(url, REGISTRATIONS, v1);
      const old: Record<string, unknown> = { ...registration() };
      delete old.plateNumber;
      const bytes = frame(v1Id, avro.Type.forSchema(v1, { wrapUnions: 'never' }).toBuffer(old));
      const consumer = await createCodecFor(url);
      assert.notEqual(v1Id, consumer.schemaIdFor(TOPICS.registrations));
      assert.throws(() => consumer.decodeSync(bytes), SchemaNotLoadedError);
      const d = await consumer.decode(bytes, TOPICS.registrations);
      assert.equal(d.schemaId, v1Id);
      assert.deepEqual(plain(d.record), { ...registration(), plateNumber: null });
    });

    it('an id the registry does not have (its 404, error 40403) is UnknownSchemaIdError, permanent', async () => {
      const missing = await registryCall<{ error_code: number }>(url, 'GET', '/schemas/ids/987654');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.error_code, 40403);
      const consumer = await createCodecFor(url);
      await assert.rejects(
        consumer.decode(frame(987654, Buffer.from([0]))),
        (err: unknown) => err instanceof UnknownSchemaIdError && !err.retriable,
      );
    });

    describe('a newer writer under the registry’s FULL compatibility rule', () => {
      let consumer: Codec;
      const written = {
        ...registration({ party: { id: '11440000MB0000001X', type: 'TRADING_COMPANY' } }),
        colour: 'pearl white',
      };

      before(async () => {
        // The consumer starts first (registers the current schemas), then the rule is set and a
        // foreign producer registers its next version.
        consumer = await createCodecFor(url);
        const config = await registryCall(url, 'PUT', `/config/${REGISTRATIONS}`, { compatibility: 'FULL' });
        assert.equal(config.status, 200, JSON.stringify(config.json));
      });

      it('an added optional field and a new enum symbol: the registry accepts it, the consumer decodes into the current reader type', async () => {
        const newer = evolvedRegistration('colour', 'GOVERNMENT_AGENCY');
        const check = await registryCall<{ is_compatible: boolean }>(
          url,
          'POST',
          `/compatibility/subjects/${REGISTRATIONS}/versions/latest`,
          { schema: JSON.stringify(newer) },
        );
        assert.equal(check.json.is_compatible, true);
        const newerId = await registerForeign(url, REGISTRATIONS, newer);
        const bytes = frame(
          newerId,
          avro.Type.forSchema(newer, { wrapUnions: 'never' }).toBuffer({
            ...written,
            party: { ...written.party, type: 'GOVERNMENT_AGENCY' },
          }),
        );
        assert.throws(() => consumer.decodeSync(bytes), SchemaNotLoadedError);
        const d = await consumer.decode(bytes, TOPICS.registrations);
        assert.equal(d.schemaId, newerId);
        const expected: Record<string, unknown> = { ...written, party: { ...written.party, type: 'OTHER' } };
        delete expected.colour;
        assert.deepEqual(plain(d.record), expected);
      });

      it('a breaking writer (a field without default dropped) is refused by the registry (409): SchemaRegistryError', async () => {
        const breaking = structuredClone(
          readSchemaFile('registration/v2.avsc'),
        ) as unknown as AvroRecordSchema;
        breaking.fields = breaking.fields.filter((f) => f.name !== 'make');
        await assert.rejects(
          createRegistryCatalog({ url }).idFor(REGISTRATIONS, breaking as unknown as Schema),
          (err: unknown) => err instanceof SchemaRegistryError && err.status === 409,
        );
      });
    });

    it('the registry stops: an unseen id fails retriable and is not cached; once it is back (same storage) it decodes', async () => {
      const newer = evolvedRegistration('bodyStyle');
      const newerId = await registerForeign(url, REGISTRATIONS, newer);
      const bytes = frame(
        newerId,
        avro.Type.forSchema(newer, { wrapUnions: 'never' }).toBuffer({ ...registration(), bodyStyle: 'SUV' }),
      );
      const consumer = await createCodecFor(url);
      await reg.stop();
      await assert.rejects(
        consumer.decode(bytes, TOPICS.registrations),
        (err: unknown) =>
          err instanceof SchemaRegistryError && err.retriable && !(err instanceof UnknownSchemaIdError),
      );
      assert.throws(() => consumer.decodeSync(bytes), SchemaNotLoadedError);
      await reg.start();
      const d = await consumer.decode(bytes, TOPICS.registrations);
      assert.equal(d.schemaId, newerId);
      assert.deepEqual(plain(d.record), registration());
    });
  },
);
