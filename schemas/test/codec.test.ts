import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro, { type Schema } from 'avsc';
import {
  CodecError,
  createCodec,
  createEmbeddedCatalog,
  frame,
  InvalidRecordError,
  MalformedPayloadError,
  readWireHeader,
  SchemaMismatchError,
  TOPICS,
  TruncatedPayloadError,
  UnknownSchemaIdError,
  UnknownTopicError,
  WrongMagicByteError,
  type SchemaCatalog,
  type Topic,
} from '../src/index.js';
import { readSchemaFile } from '../src/avro-files.js';
import { alert, caseOutcome, declaration, plain, registration } from './support/contract-records.js';

const codec = await createCodec();

const samples = {
  [TOPICS.registrations]: registration(),
  [TOPICS.declarations]: declaration(),
  [TOPICS.alerts]: alert(),
  [TOPICS.caseOutcomes]: caseOutcome(),
} as const;

/** Writes a record with an explicit (possibly old) schema and schema id, as another producer would. */
function writeWith(schema: Schema, schemaId: number, value: unknown): Buffer {
  return frame(schemaId, avro.Type.forSchema(schema, { wrapUnions: 'never' }).toBuffer(value));
}

describe('codec: round trip and wire format', () => {
  for (const [topic, record] of Object.entries(samples) as [Topic, never][]) {
    it(`round-trips a ${topic} record through encode/decode unchanged`, async () => {
      const bytes = codec.encode(topic, record);
      const sync = codec.decodeSync(bytes);
      assert.equal(sync.topic, topic);
      assert.equal(sync.subject, `${topic}-value`);
      assert.equal(sync.schemaId, codec.schemaIdFor(topic));
      assert.deepEqual(plain(sync.record), record);
      const asyncDecoded = await codec.decode(bytes, topic);
      assert.deepEqual(plain(asyncDecoded.record), record);
    });
  }

  it('frames with magic byte 0 and the big-endian schema id of the latest catalog version', () => {
    const bytes = codec.encode(TOPICS.registrations, registration());
    assert.equal(bytes[0], 0);
    assert.equal(bytes.readUInt32BE(1), 5); // registration/v2.avsc has id 5 in catalog.json
    assert.equal(codec.schemaIdFor(TOPICS.alerts), 8); // alert/v3.avsc
    assert.deepEqual(readWireHeader(bytes), { schemaId: 5 });
    // The body after the header is plain Avro binary of the v2 schema.
    const v2 = avro.Type.forSchema(readSchemaFile('registration/v2.avsc'), { wrapUnions: 'never' });
    assert.deepEqual(plain(v2.fromBuffer(bytes.subarray(5))), registration());
  });

  it('keeps unicode, nulls and empty collections', () => {
    const r = registration({
      plateNumber: null,
      odometerKm: null,
      priceCny: null,
      model: '宋PLUS DM-i 冠军版',
    });
    assert.deepEqual(plain(codec.decodeSync(codec.encode(TOPICS.registrations, r)).record), r);
    const a = alert({
      rules: [],
      facts: {},
      registrationTime: null,
      registrantType: null,
      registrantId: null,
    });
    assert.deepEqual(plain(codec.decodeSync(codec.encode(TOPICS.alerts, a)).record), a);
  });
});

describe('codec: encode validation names the bad field', () => {
  const expectInvalid = (fn: () => unknown, path: string) =>
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof InvalidRecordError, `expected InvalidRecordError, got ${String(err)}`);
      assert.ok(err.paths.includes(path), `paths ${JSON.stringify(err.paths)} should include ${path}`);
      assert.match(err.message, new RegExp(path.replace(/\./g, '\\.')));
      return true;
    });

  it('rejects an unknown enum symbol at a nested path', () => {
    expectInvalid(
      () => codec.encode(TOPICS.registrations, registration({ party: { id: 'p', type: 'PIRATE' as never } })),
      'party.type',
    );
  });
  it('rejects a missing required field', () => {
    const r: Record<string, unknown> = { ...registration() };
    delete r.make;
    expectInvalid(() => codec.encode(TOPICS.registrations, r as never), 'make');
  });
  it('rejects a wrong type inside an array element', () => {
    const a = alert();
    a.rules[1]!.weight = 'heavy' as never;
    expectInvalid(() => codec.encode(TOPICS.alerts, a), 'rules.1.weight');
  });
  it('rejects a non-integer timestamp and undeclared fields', () => {
    expectInvalid(() => codec.encode(TOPICS.declarations, declaration({ eventTime: 1.5 })), 'eventTime');
    expectInvalid(
      () => codec.encode(TOPICS.caseOutcomes, { ...caseOutcome(), surprise: 1 } as never),
      'surprise',
    );
  });
  it('rejects a topic without a contract', () => {
    assert.throws(() => codec.encode('nope.v1' as never, registration() as never), UnknownTopicError);
  });
});

describe('codec: typed decode failures', () => {
  const good = codec.encode(TOPICS.declarations, declaration());
  it('empty or null payload is TruncatedPayloadError', () => {
    assert.throws(() => codec.decodeSync(Buffer.alloc(0)), TruncatedPayloadError);
    assert.throws(() => codec.decodeSync(null), TruncatedPayloadError);
  });
  it('wrong magic byte is WrongMagicByteError', () => {
    const bad = Buffer.from(good);
    bad[0] = 1;
    assert.throws(() => codec.decodeSync(bad), WrongMagicByteError);
    assert.throws(() => codec.decodeSync(Buffer.from('{"vin":"x"}')), WrongMagicByteError);
  });
  it('a header cut short is TruncatedPayloadError', () => {
    assert.throws(() => codec.decodeSync(good.subarray(0, 3)), TruncatedPayloadError);
  });
  it('a body cut short is TruncatedPayloadError', () => {
    assert.throws(() => codec.decodeSync(good.subarray(0, good.length - 4)), TruncatedPayloadError);
  });
  it('trailing bytes are MalformedPayloadError', () => {
    assert.throws(() => codec.decodeSync(Buffer.concat([good, Buffer.from([0])])), MalformedPayloadError);
  });
  it('an unknown schema id is UnknownSchemaIdError (sync and async)', async () => {
    const bad = Buffer.from(good);
    bad.writeUInt32BE(999, 1);
    assert.throws(() => codec.decodeSync(bad), UnknownSchemaIdError);
    await assert.rejects(codec.decode(bad), UnknownSchemaIdError);
  });
  it('a record of another topic is SchemaMismatchError when the topic is given', () => {
    assert.throws(() => codec.decodeSync(good, TOPICS.registrations), SchemaMismatchError);
    assert.equal(codec.decodeSync(good).topic, TOPICS.declarations);
  });
  it('an out-of-range enum index is MalformedPayloadError, not a crash', () => {
    // eventType is the 2nd field; patch its varint (after the eventId string) to index 60.
    const bytes = Buffer.from(good);
    const idLen = Buffer.byteLength(declaration().eventId);
    bytes[5 + 1 + idLen] = 120; // zig-zag 60
    assert.throws(() => codec.decodeSync(bytes), MalformedPayloadError);
  });
});

describe('codec: schema evolution on the wire', () => {
  it('decodes a registration written with v1 (id 1) into the current type, new field null', () => {
    const v1: Record<string, unknown> = { ...registration() };
    delete v1.plateNumber;
    const bytes = writeWith(readSchemaFile('registration/v1.avsc'), 1, v1);
    const d = codec.decodeSync(bytes, TOPICS.registrations);
    assert.equal(d.schemaId, 1);
    assert.deepEqual(plain(d.record), { ...registration(), plateNumber: null });
  });

  it('decodes a declaration written with v1 (id 2) into the current type', () => {
    const v1: Record<string, unknown> = { ...declaration({ eventType: 'CLEARED' }) };
    delete v1.exportLicenceRef;
    const d = codec.decodeSync(writeWith(readSchemaFile('declaration/v1.avsc'), 2, v1), TOPICS.declarations);
    assert.equal(d.record.eventType, 'CLEARED');
    assert.equal(d.record.exportLicenceRef, null);
  });

  it('decodes an alert written with v1 (id 3) into the current type: revision 0, ACTIVE, no parties, empty timeline, no typologies', () => {
    const v2Only = [
      'revision',
      'status',
      'revisionReason',
      'revisedAt',
      'firstRegistrant',
      'holderAtDeclaration',
      'exporter',
      'timeline',
    ];
    const v1: Record<string, unknown> = { ...alert() };
    for (const f of [...v2Only, 'typologies']) delete v1[f];
    v1.rules = alert().rules.map(({ numericFacts: _n, typology: _t, entity: _e, ...r }) => r);
    const d = codec.decodeSync(writeWith(readSchemaFile('alert/v1.avsc'), 3, v1), TOPICS.alerts);
    assert.equal(d.schemaId, 3);
    assert.deepEqual(plain(d.record), {
      ...alert(),
      rules: alert().rules.map((r) => ({ ...r, numericFacts: {}, typology: '', entity: null })),
      typologies: [],
      revision: 0,
      status: 'ACTIVE',
      revisionReason: null,
      revisedAt: null,
      firstRegistrant: null,
      holderAtDeclaration: null,
      exporter: null,
      timeline: [],
    });
  });

  it('decodes an alert written with v2 (id 7) into the current type: no typologies, rule hits without typology or entity', () => {
    const v2: Record<string, unknown> = {
      ...alert({ revision: 1, revisionReason: 'EVIDENCE', revisedAt: 5 }),
    };
    delete v2.typologies;
    v2.rules = alert().rules.map(({ typology: _t, entity: _e, ...r }) => r);
    const d = codec.decodeSync(writeWith(readSchemaFile('alert/v2.avsc'), 7, v2), TOPICS.alerts);
    assert.equal(d.schemaId, 7);
    assert.deepEqual(plain(d.record), {
      ...alert({ revision: 1, revisionReason: 'EVIDENCE', revisedAt: 5 }),
      rules: alert().rules.map((r) => ({ ...r, typology: '', entity: null })),
      typologies: [],
    });
  });

  it('round-trips a v3 alert with typologies, entity evidence and an ENTITY revision', () => {
    const ringHit = {
      ruleId: 'ZM-ENTITY-COHORT',
      weight: 30,
      evidence: '4 vehicles first registered by INDIVIDUAL in CN-SH within 1 day(s) of 2026-03-04',
      facts: { entity: 'CN-SH:2026-03-04', memberCount: '4' },
      numericFacts: { memberCount: 4, windowDays: 1, threshold: 4 },
      typology: 'RING_OR_TRADER',
      entity: {
        kind: 'COHORT',
        id: 'CN-SH:2026-03-04',
        memberCount: 4,
        windowDays: 1,
        memberVins: ['LSVAA4182E2184841', 'LSVAA4182E2184842'],
        memberVinsTruncated: true,
      },
    };
    const v3 = alert({
      revision: 1,
      revisionReason: 'ENTITY',
      revisedAt: 9,
      rules: [...alert().rules, ringHit],
      typologies: [
        { typology: 'ZERO_MILEAGE', score: 0.85, severity: 'HIGH', reached: true },
        { typology: 'RING_OR_TRADER', score: 30, severity: null, reached: false },
      ],
    });
    const bytes = codec.encode(TOPICS.alerts, v3);
    assert.equal(bytes.readUInt32BE(1), 8);
    assert.deepEqual(plain(codec.decodeSync(bytes, TOPICS.alerts).record), v3);
  });

  it('a v1 alert reader decodes a v3 withdrawal revision: the v1 fields intact, the new ones dropped', () => {
    const revised = alert({ revision: 2, status: 'WITHDRAWN', revisionReason: 'CANCELLED', revisedAt: 1 });
    const bytes = codec.encode(TOPICS.alerts, revised);
    const v1 = avro.Type.forSchema(readSchemaFile('alert/v1.avsc'), { wrapUnions: 'never' });
    const v3 = avro.Type.forSchema(readSchemaFile('alert/v3.avsc'), { wrapUnions: 'never' });
    const old = plain(v1.fromBuffer(bytes.subarray(5), v1.createResolver(v3))) as Record<string, unknown>;
    assert.equal(old.alertId, revised.alertId);
    assert.equal(old.registrantId, revised.registrantId);
    assert.deepEqual(
      old.rules,
      revised.rules.map(({ numericFacts: _n, typology: _t, entity: _e, ...r }) => r),
    );
    assert.equal('typologies' in old, false);
    for (const f of ['revision', 'status', 'timeline', 'firstRegistrant']) assert.equal(f in old, false, f);
  });

  it('an old (v1) reader decodes v2 bytes: new field dropped, new enum symbol mapped to the default', () => {
    const bytes = codec.encode(TOPICS.registrations, registration({ fuelType: 'EREV', plateNumber: '粤B0' }));
    const v1 = avro.Type.forSchema(readSchemaFile('registration/v1.avsc'), { wrapUnions: 'never' });
    const v2 = avro.Type.forSchema(readSchemaFile('registration/v2.avsc'), { wrapUnions: 'never' });
    const old = plain(v1.fromBuffer(bytes.subarray(5), v1.createResolver(v2))) as Record<string, unknown>;
    assert.equal(old.fuelType, 'OTHER');
    assert.equal('plateNumber' in old, false);
    assert.equal(old.vin, registration().vin);
  });

  it('a newer producer (unregistered v3 with a new enum symbol and field) decodes via a catalog that knows it', async () => {
    const v3 = structuredClone(readSchemaFile('declaration/v2.avsc')) as unknown as {
      fields: { name: string; type: unknown; default?: unknown; doc?: string }[];
    };
    const eventType = v3.fields.find((f) => f.name === 'eventType')!.type as { symbols: string[] };
    eventType.symbols.push('SEIZED');
    v3.fields.push({ name: 'inspector', type: ['null', 'string'], default: null, doc: 'x' });
    const embedded = createEmbeddedCatalog();
    const catalog: SchemaCatalog = {
      kind: 'test',
      idFor: (s, schema) => embedded.idFor(s, schema),
      preload: () => embedded.preload(),
      schemaById: (id) =>
        id === 77 ? Promise.resolve({ id, schema: v3 as unknown as Schema }) : embedded.schemaById(id),
    };
    const c = await createCodec({ catalog });
    const bytes = writeWith(v3 as unknown as Schema, 77, {
      ...declaration(),
      eventType: 'SEIZED',
      inspector: 'Li',
    });
    const d = await c.decode(bytes, TOPICS.declarations);
    assert.equal(d.record.eventType, 'UNKNOWN');
    assert.equal('inspector' in d.record, false);
    // once loaded, the sync path has the cached resolver
    assert.equal(c.decodeSync(bytes, TOPICS.declarations).record.declarationId, declaration().declarationId);
  });

  it('an incompatible writer schema is SchemaMismatchError, cached, and never a crash', async () => {
    const broken = structuredClone(readSchemaFile('alert/v1.avsc')) as unknown as {
      fields: { name: string; type: unknown }[];
    };
    broken.fields.find((f) => f.name === 'score')!.type = 'string';
    const embedded = createEmbeddedCatalog();
    let fetches = 0;
    const catalog: SchemaCatalog = {
      kind: 'test',
      idFor: (s, schema) => embedded.idFor(s, schema),
      preload: () => Promise.resolve([]),
      schemaById: (id) => {
        fetches++;
        return id === 90
          ? Promise.resolve({ id, schema: broken as unknown as Schema })
          : embedded.schemaById(id);
      },
    };
    const c = await createCodec({ catalog });
    const bytes = writeWith(broken as unknown as Schema, 90, { ...alert(), score: 'high' });
    await assert.rejects(c.decode(bytes), SchemaMismatchError);
    await assert.rejects(c.decode(bytes), SchemaMismatchError);
    assert.equal(fetches, 1);
  });

  it('every decode failure is a CodecError subclass', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from([1, 2]), Buffer.from([0, 0, 0, 0, 5, 255])]) {
      assert.throws(() => codec.decodeSync(bad), CodecError);
    }
  });
});
