import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro, { type Schema } from 'avsc';
import {
  CodecError,
  createCodec,
  createEmbeddedCatalog,
  frame,
  MalformedPayloadError,
  TOPICS,
  type Codec,
  type SchemaCatalog,
  type Topic,
} from '../src/index.js';
import { readSchemaFile } from '../src/avro-files.js';
import { alert, caseOutcome, declaration, registration } from './support/contract-records.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const codec = await createCodec();
const payloads: [Topic, Buffer][] = [
  [TOPICS.registrations, codec.encode(TOPICS.registrations, registration())],
  [
    TOPICS.declarations,
    codec.encode(TOPICS.declarations, declaration({ afterSalesConfirmationRef: 'ASC-1' })),
  ],
  [TOPICS.alerts, codec.encode(TOPICS.alerts, alert())],
  [TOPICS.caseOutcomes, codec.encode(TOPICS.caseOutcomes, caseOutcome())],
];

/** Decodes and asserts the only possible failure is a CodecError; returns the outcome kind. */
function decodeOrTypedError(c: Codec, bytes: Buffer, what: string): 'ok' | string {
  try {
    c.decodeSync(bytes);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof CodecError, `${what}: untyped ${String(err)} (${(err as Error)?.stack ?? ''})`);
    return err.code;
  }
}

describe('codec fuzz: hostile bytes only ever produce typed errors', () => {
  it('every truncation of every valid payload is a typed error', () => {
    for (const [topic, good] of payloads) {
      for (let len = 0; len < good.length; len++) {
        const outcome = decodeOrTypedError(codec, good.subarray(0, len), `${topic} cut at ${len}`);
        assert.notEqual(outcome, 'ok', `${topic} cut at ${len} must not decode`);
      }
    }
  });

  it('every single-bit flip of every valid payload decodes or fails with a typed error', () => {
    const seen = new Map<string, number>();
    for (const [topic, good] of payloads) {
      for (let bit = 0; bit < good.length * 8; bit++) {
        const bad = Buffer.from(good);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        const outcome = decodeOrTypedError(codec, bad, `${topic} bit ${bit}`);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      }
    }
    // Flips land in the header and in the body: all classes of failure are exercised.
    for (const code of ['WrongMagicByte', 'UnknownSchemaId', 'TruncatedPayload', 'MalformedPayload']) {
      assert.ok(seen.has(code), `expected some ${code} among ${JSON.stringify([...seen])}`);
    }
  });

  it('random buffers and random multi-byte corruption never crash', () => {
    const rand = rng(3);
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rand() * 300);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(rand() * 256);
      if (len > 5 && rand() < 0.8) {
        buf[0] = 0; // mostly well-framed, with known ids, so the Avro body is exercised
        buf.writeUInt32BE(1 + Math.floor(rand() * 6), 1);
      }
      decodeOrTypedError(codec, buf, `random #${i}`);
    }
    for (let i = 0; i < 5000; i++) {
      const [topic, good] = payloads[i % payloads.length]!;
      const bad = Buffer.from(good);
      const n = 1 + Math.floor(rand() * 6);
      for (let k = 0; k < n; k++) bad[5 + Math.floor(rand() * (bad.length - 5))] = Math.floor(rand() * 256);
      decodeOrTypedError(codec, bad, `${topic} corruption #${i}`);
    }
  });

  it('a huge array block count fails fast instead of looping (bounded avsc read)', () => {
    // CaseOutcome ends with alertIds (array) then two timestamps; rebuild the tail with a huge count.
    const type = avro.Type.forSchema(readSchemaFile('case-outcome/v1.avsc'), { wrapUnions: 'never' });
    const head = type.toBuffer({ ...caseOutcome(), alertIds: [], openedAt: 0, decidedAt: 0 });
    const prefix = head.subarray(0, head.length - 3); // drop [0 (end of array), 0, 0]
    const hugeCount = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]); // zig-zag varint of 2^31 - 1
    const bytes = frame(4, Buffer.concat([prefix, hugeCount, Buffer.from([2, 65, 0, 0, 0])]));
    const t0 = performance.now();
    assert.throws(() => codec.decodeSync(bytes), MalformedPayloadError);
    assert.ok(performance.now() - t0 < 200, 'must fail fast');
  });

  it('a huge map block count fails fast', () => {
    const bytes = codec.encode(TOPICS.alerts, alert({ rules: [], facts: {} }));
    // facts is the 7th field, its empty-map terminator follows the empty rules array terminator.
    const idx = bytes.indexOf(Buffer.from([0, 0]), 5 + 1 + alert().alertId.length);
    assert.ok(idx > 0);
    const bad = Buffer.concat([
      bytes.subarray(0, idx + 1),
      Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]),
      bytes.subarray(idx + 1),
    ]);
    const t0 = performance.now();
    assert.throws(() => codec.decodeSync(bad), CodecError);
    assert.ok(performance.now() - t0 < 200, 'must fail fast');
  });

  it('a huge count in a writer-only array (skipped by the reader) fails fast', async () => {
    const writerSchema = structuredClone(readSchemaFile('case-outcome/v1.avsc')) as unknown as {
      fields: unknown[];
    };
    writerSchema.fields.push({
      name: 'tags',
      type: { type: 'array', items: 'string' },
      default: [],
      doc: 't',
    });
    const embedded = createEmbeddedCatalog();
    const catalog: SchemaCatalog = {
      kind: 'test',
      idFor: (s, schema) => embedded.idFor(s, schema),
      preload: () => embedded.preload(),
      schemaById: (id) =>
        id === 50
          ? Promise.resolve({ id, schema: writerSchema as unknown as Schema })
          : embedded.schemaById(id),
    };
    const c = await createCodec({ catalog });
    const w = avro.Type.forSchema(writerSchema as unknown as Schema, { wrapUnions: 'never' });
    const ok = frame(50, w.toBuffer({ ...caseOutcome(), tags: ['a'] }));
    const decoded = (await c.decode(ok)).record;
    assert.equal('vin' in decoded ? decoded.vin : undefined, caseOutcome().vin);
    const body = w.toBuffer({ ...caseOutcome(), tags: [] });
    const bad = frame(
      50,
      Buffer.concat([
        body.subarray(0, body.length - 1),
        Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f, 2, 65, 0]),
      ]),
    );
    const t0 = performance.now();
    await assert.rejects(c.decode(bad), CodecError);
    assert.ok(performance.now() - t0 < 200, 'must fail fast');
  });
});
