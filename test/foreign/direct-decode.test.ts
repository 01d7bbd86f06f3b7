// The detector's direct reader (services/detector/src/direct-read.ts) against the generic path
// (codec decode + value ranges + VIN and declaration-id checks) on one corpus: ordinary records, every
// extreme value of every field of both current schemas (extreme-values.ts, the corpus of the fuzz
// test, written by its own Avro writer, not by our codec), every truncation and many single-byte
// corruptions of ordinary records, trailing bytes, a wrong magic byte, unknown and foreign schema
// ids and the older (v1) writers. For each record both decoders must give the same DetectorInput, or
// throw the same error (class, dead-letter class, message).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { REPO_ROOT } from '@zmwatch/infra';
import { createDecoder, createDirectReaders, SHAPES, shapeOf } from '@zmwatch/detector';
import {
  createCodec,
  getContract,
  TOPICS,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { declaration, registration, T0 } from '@zmwatch/test-support/events';
import { currentSchema, encodeAvro, fieldCases, withField, type AvroComplex } from './extreme-values.js';

const topics = { registrations: 'dd.registrations', declarations: 'dd.declarations' };
const VIN = 'LGXCE4CB5N0123456';

// Ordinary records with every nullable field both ways, non-ASCII text, edge enum symbols.
const registrations: RegistrationEvent[] = [
  registration(VIN, { plateNumber: '粤B12345', recordedAt: T0 + 3_600_000 }),
  registration('1M8GDM9AXKP042788', {
    eventType: 'DEREGISTRATION',
    vinCheckDigitValid: false,
    party: { id: 'P-1', type: 'INDIVIDUAL' },
    pendingExport: true,
    deregistrationReason: 'EXPORT',
    condition: 'USED',
    modelYear: 1950,
    fuelType: 'EREV',
    odometerKm: null,
    priceCny: null,
  }),
];
const declarations: CustomsDeclarationEvent[] = [
  declaration(VIN),
  declaration(VIN, {
    eventType: 'REJECTED',
    declarationId: ' 5316 ',
    vinCheckDigitValid: false,
    declaredCondition: 'NEW',
    declaredOdometerKm: null,
    declaredValue: 0,
    afterSalesConfirmationRef: null,
    exportLicenceRef: 'UCE-2025-1',
  }),
];

function schemaFile(file: string): AvroComplex {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'avro', file), 'utf8')) as AvroComplex;
}

/** Every record of the corpus for one role, as framed bytes. */
function corpus(subject: string, bases: object[], v1: { id: number; file: string }, otherId: number) {
  const { id, schema } = currentSchema(subject);
  const out: Buffer[] = [];
  const ordinary = bases.map((b) => encodeAvro(schema, id, b));
  out.push(...ordinary);
  for (const { path, extreme } of fieldCases(schema))
    out.push(encodeAvro(schema, id, withField(bases[0]!, path, extreme.valueFor?.(VIN) ?? extreme.value)));
  for (const bytes of ordinary) {
    for (let n = 0; n < bytes.length; n++) out.push(bytes.subarray(0, n)); // every truncation
    for (let i = 5; i < bytes.length; i++)
      for (const v of [0x00, 0x01, 0x02, 0x20, 0x7f, 0x80, 0xc2, 0xff]) {
        const copy = Buffer.from(bytes);
        copy[i] = v;
        out.push(copy);
      }
    out.push(Buffer.concat([bytes, Buffer.from([0])])); // a trailing byte
    const magic = Buffer.from(bytes);
    magic[0] = 1;
    out.push(magic);
    for (const wrongId of [99, otherId, v1.id]) {
      const copy = Buffer.from(bytes);
      copy.writeUInt32BE(wrongId, 1);
      out.push(copy);
    }
  }
  // The older writer: its own bytes, and those cut short.
  const old = encodeAvro(schemaFile(v1.file), v1.id, bases[0]!);
  out.push(old, old.subarray(0, old.length - 3));
  return out;
}

type Outcome = { value: unknown; json: string } | { error: string[] };

function outcome(decode: ReturnType<typeof createDecoder>, value: Buffer, topic: string): Outcome {
  const message = {
    key: Buffer.from(VIN),
    value,
    timestamp: '1767600000000',
    attributes: 0,
    offset: '7',
    headers: {},
  } as unknown as KafkaMessage;
  try {
    const v = decode(message, topic, 3);
    assert.ok(!(v instanceof Promise), 'an embedded-catalog codec decodes synchronously');
    // structuredClone: plain objects either way (avsc builds record instances), -0 and NaN kept.
    return { value: structuredClone(v), json: JSON.stringify(v) };
  } catch (err) {
    const e = err as Error & { errorClass?: string; retriable?: boolean };
    return { error: [e.constructor.name, String(e.errorClass), e.message, String(e.retriable)] };
  }
}

test('the direct readers were written for the current schemas of both input topics', () => {
  assert.equal(shapeOf(getContract(TOPICS.registrations).node), SHAPES.registration);
  assert.equal(shapeOf(getContract(TOPICS.declarations).node), SHAPES.declaration);
  const readers = createDirectReaders();
  assert.ok(readers.registration && readers.declaration);
});

test('direct and generic decode agree on every record of the corpus, good and bad', async () => {
  const codec = await createCodec();
  const fast = createDecoder(codec, topics);
  const generic = createDecoder(codec, topics, { direct: false });
  const readers = createDirectReaders();
  const regId = codec.schemaIdFor(TOPICS.registrations);
  const decId = codec.schemaIdFor(TOPICS.declarations);
  const sets = [
    {
      topic: topics.registrations,
      read: readers.registration!,
      records: corpus(
        `${TOPICS.registrations}-value`,
        registrations,
        { id: 1, file: 'registration/v1.avsc' },
        decId,
      ),
    },
    {
      topic: topics.declarations,
      read: readers.declaration!,
      records: corpus(
        `${TOPICS.declarations}-value`,
        declarations,
        { id: 2, file: 'declaration/v1.avsc' },
        regId,
      ),
    },
  ];
  for (const { topic, read, records } of sets) {
    let direct = 0;
    let good = 0;
    const classes = new Set<string>();
    for (const [i, bytes] of records.entries()) {
      const a = outcome(fast, bytes, topic);
      const b = outcome(generic, bytes, topic);
      assert.deepStrictEqual(a, b, `${topic} record ${i}: ${bytes.toString('hex').slice(0, 200)}`);
      if ('value' in a) good++;
      else classes.add(a.error[1]!);
      if (bytes.length > 5 && bytes.readUInt32BE(1) === (topic === topics.registrations ? regId : decId))
        if (bytes[0] === 0 && read(bytes) !== undefined) direct++;
    }
    // The corpus exercises both paths and every fault the contract names.
    assert.ok(direct > 100, `${topic}: ${direct} records read directly`);
    assert.ok(good > direct, `${topic}: some good records take the generic path (v1, VIN normalised)`);
    for (const c of [
      'TruncatedPayload',
      'MalformedPayload',
      'OutOfRange',
      'InvalidVin',
      'UnknownSchemaId',
      'SchemaMismatch',
      'WrongMagicByte',
    ])
      assert.ok(classes.has(c), `${topic}: no ${c} in ${[...classes].join(', ')}`);
  }
});
