import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  createCodec,
  formatTailRecord,
  parseNdjsonLine,
  readNdjson,
  TOPICS,
  toNdjsonLine,
  UnknownSchemaIdError,
  type NdjsonLine,
  type NdjsonResult,
  type Topic,
} from '../src/index.js';
import {
  alert,
  caseOutcome,
  declaration,
  plain,
  registration,
  VALID_VIN,
} from './support/contract-records.js';

const samples: [Topic, object][] = [
  [TOPICS.registrations, registration()],
  [TOPICS.declarations, declaration()],
  [TOPICS.alerts, alert()],
  [TOPICS.caseOutcomes, caseOutcome()],
];

function reasonOf(r: NdjsonLine): string {
  assert.equal(r.ok, false, `expected a rejected line, got ${JSON.stringify(r)}`);
  return (r as { reason: string }).reason;
}

const line = (value: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ topic: TOPICS.registrations, key: VALID_VIN, value, ...extra });
const regJson = () =>
  JSON.parse(toNdjsonLine(TOPICS.registrations, VALID_VIN, registration())).value as Record<string, unknown>;

describe('NDJSON: JSON form and round trip', () => {
  for (const [topic, record] of samples) {
    it(`${topic}: toNdjsonLine then parseNdjsonLine gives back the record`, () => {
      const text = toNdjsonLine(topic, VALID_VIN, record as never, { source: 'test' });
      assert.ok(!text.includes('\n'));
      const r = parseNdjsonLine(text, 7);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.lineNo, 7);
      assert.equal(r.topic, topic);
      assert.equal(r.key, VALID_VIN);
      assert.deepEqual(r.headers, { source: 'test' });
      assert.deepEqual(r.record, record);
    });
  }

  it('writes timestamps as ISO-8601 UTC strings, optional fields as plain null, longs as numbers', () => {
    const v = JSON.parse(toNdjsonLine(TOPICS.alerts, VALID_VIN, alert({ registrationTime: null }))).value;
    assert.equal(v.declarationTime, '2026-03-07T08:00:00.000Z');
    assert.equal(v.registrationTime, null);
    assert.equal(v.score, 0.85);
    const r = JSON.parse(toNdjsonLine(TOPICS.registrations, VALID_VIN, registration())).value;
    assert.equal(r.eventTime, '2026-03-01T08:00:00.000Z');
    assert.equal(r.odometerKm, 3);
    assert.equal(r.deregistrationReason, null);
  });

  it('accepts timestamps with offsets and fills omitted optional fields from schema defaults', () => {
    const v = regJson();
    v.eventTime = '2026-03-01T16:00:00+08:00';
    delete v.plateNumber;
    delete v.odometerKm;
    delete v.pendingExport;
    delete v.vinCheckDigitValid; // derived from the VIN when omitted
    const r = parseNdjsonLine(line(v), 1);
    assert.ok(r.ok, JSON.stringify(r));
    const rec = r.record as {
      eventTime: number;
      plateNumber: unknown;
      odometerKm: unknown;
      pendingExport: unknown;
      vinCheckDigitValid: unknown;
    };
    assert.equal(rec.eventTime, Date.parse('2026-03-01T08:00:00Z'));
    assert.equal(rec.plateNumber, null);
    assert.equal(rec.odometerKm, null);
    assert.equal(rec.pendingExport, false);
    assert.equal(rec.vinCheckDigitValid, true);
  });

  it('normalises the VIN and key (trim, upper-case)', () => {
    const v = regJson();
    v.vin = ` ${VALID_VIN.toLowerCase()} `;
    const r = parseNdjsonLine(line(v, { key: VALID_VIN.toLowerCase() }), 1);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.key, VALID_VIN);
    assert.equal((r.record as { vin: string }).vin, VALID_VIN);
  });
});

describe('NDJSON: invalid lines are reported with the reason', () => {
  const cases: [string, () => string, RegExp][] = [
    ['broken JSON', () => '{"topic":', /invalid JSON/],
    ['not an object', () => '[1,2]', /not a JSON object/],
    [
      'unknown topic',
      () => JSON.stringify({ topic: 'x.v1', key: VALID_VIN, value: {} }),
      /unknown topic "x.v1"/,
    ],
    ['missing key', () => JSON.stringify({ topic: TOPICS.registrations, value: regJson() }), /missing "key"/],
    [
      'unknown envelope field',
      () => line(regJson(), { partiton: 1 }),
      /unknown envelope field\(s\): partiton/,
    ],
    [
      'missing required field',
      () => {
        const v = regJson();
        delete v.make;
        return line(v);
      },
      /value\.make: missing required field/,
    ],
    [
      'bad enum symbol',
      () => line({ ...regJson(), fuelType: 'STEAM' }),
      /value\.fuelType: invalid value "STEAM"/,
    ],
    [
      'nested bad enum',
      () => line({ ...regJson(), party: { id: 'p', type: 'ALIEN' } }),
      /value\.party\.type/,
    ],
    [
      'epoch number instead of ISO time',
      () => line({ ...regJson(), eventTime: 1772352000000 }),
      /value\.eventTime: expected an ISO-8601/,
    ],
    [
      'time without zone',
      () => line({ ...regJson(), recordedAt: '2026-03-01T08:00:00' }),
      /value\.recordedAt/,
    ],
    [
      'unknown value field (typo)',
      () => line({ ...regJson(), odometerKM: 5 }),
      /value\.odometerKM: unknown field/,
    ],
    ['string where int expected', () => line({ ...regJson(), modelYear: '2026' }), /value\.modelYear/],
    ['structurally invalid VIN', () => line({ ...regJson(), vin: 'SHORTVIN' }), /value\.vin: VIN must be 17/],
    ['key not the VIN', () => line(regJson(), { key: '11111111111111111' }), /does not match value\.vin/],
    [
      'false check-digit claim',
      () => line({ ...regJson(), vinCheckDigitValid: false }),
      /check digit of .* is valid/,
    ],
    ['non-string header', () => line(regJson(), { headers: { a: 1 } }), /header "a" must be a string/],
  ];
  for (const [name, make, reason] of cases) {
    it(name, () => assert.match(reasonOf(parseNdjsonLine(make(), 3)), reason));
  }
});

describe('NDJSON: streaming reader', () => {
  it('yields every non-blank line with its line number; bad lines do not stop good ones', async () => {
    const text = [
      toNdjsonLine(TOPICS.registrations, VALID_VIN, registration()),
      '',
      'not json',
      toNdjsonLine(TOPICS.declarations, VALID_VIN, declaration()),
      line({ ...regJson(), fuelType: 'STEAM' }),
      toNdjsonLine(TOPICS.alerts, VALID_VIN, alert()),
    ].join('\n');
    const results: NdjsonResult[] = [];
    for await (const r of readNdjson(Readable.from([text.slice(0, 50), text.slice(50)]))) results.push(r);
    assert.deepEqual(
      results.map((r) => [r.lineNo, r.ok]),
      [
        [1, true],
        [3, false],
        [4, true],
        [5, false],
        [6, true],
      ],
    );
  });
});

describe('tail formatting', () => {
  it('prints partition, offset and timestamp and can be replayed as NDJSON', async () => {
    const codec = await createCodec();
    const decoded = codec.decodeSync(codec.encode(TOPICS.declarations, declaration()));
    const msg = {
      topic: TOPICS.declarations,
      partition: 2,
      offset: '41',
      timestamp: String(Date.parse('2026-03-07T08:01:00Z')),
      key: Buffer.from(VALID_VIN),
      headers: { trace: Buffer.from('abc') },
    };
    const out = formatTailRecord(msg, { decoded });
    const j = JSON.parse(out);
    assert.equal(j.partition, 2);
    assert.equal(j.offset, '41');
    assert.equal(j.timestamp, '2026-03-07T08:01:00.000Z');
    assert.equal(j.schemaId, 6);
    assert.equal(j.value.eventTime, '2026-03-07T08:00:00.000Z');
    const back = parseNdjsonLine(out, 1);
    assert.ok(back.ok, JSON.stringify(back));
    assert.deepEqual(back.record, plain(declaration()));
    assert.deepEqual(back.headers, { trace: 'abc' });

    const text = formatTailRecord(msg, { decoded }, 'text');
    assert.match(
      text,
      /^customs\.declarations\.v1\[2\]@41 2026-03-07T08:01:00\.000Z key=1M8GDM9AXKP042788 schema=6 \{/,
    );
    const err = JSON.parse(formatTailRecord(msg, { error: new UnknownSchemaIdError(99) }));
    assert.deepEqual(err.error, { class: 'UnknownSchemaId', message: 'unknown schema id 99' });
    assert.equal(err.offset, '41');
  });
});

describe('NDJSON: raw-bytes envelopes and invalid VINs, accepted only when asked for', () => {
  const rawLine = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ topic: TOPICS.registrations, key: VALID_VIN, bytes: 'AAAAAAF7Im5vcGUi', ...extra });
  const badVinLine = (vin: string, key = vin) => line({ ...regJson(), vin }, { key });

  it('rejects a raw-bytes envelope by default, saying what it is', () => {
    assert.match(reasonOf(parseNdjsonLine(rawLine(), 4)), /raw-bytes envelope \("bytes"\): not a record/);
  });

  it('with rawBytes, yields the decoded bytes, the key as written (or null) and headers', () => {
    const r = parseNdjsonLine(rawLine({ headers: { h: 'v' } }), 4, { rawBytes: true });
    assert.ok(r.ok && 'raw' in r, JSON.stringify(r));
    assert.equal(r.topic, TOPICS.registrations);
    assert.equal(r.key, VALID_VIN);
    assert.deepEqual([...r.bytes], [0, 0, 0, 0, 1, 123, 34, 110, 111, 112, 101, 34]);
    assert.deepEqual(r.headers, { h: 'v' });
    const noKey = parseNdjsonLine(rawLine({ key: null, bytes: '' }), 5, { rawBytes: true });
    assert.ok(noKey.ok && 'raw' in noKey);
    assert.equal(noKey.key, null);
    assert.equal(noKey.bytes.length, 0, 'an empty payload is a payload too');
  });

  const rawCases: [string, Record<string, unknown>, RegExp][] = [
    ['not base64', { bytes: 'not base64!' }, /"bytes" must be a base64 string/],
    ['bytes not a string', { bytes: [1, 2] }, /"bytes" must be a base64 string/],
    ['both value and bytes', { value: {} }, /unknown raw-bytes envelope field\(s\): value/],
    ['unknown topic', { topic: 'x.v1' }, /unknown topic "x.v1"/],
    ['numeric key', { key: 7 }, /"key" must be a string or null/],
  ];
  for (const [name, extra, reason] of rawCases) {
    it(`with rawBytes, still rejects a raw-bytes envelope with ${name}`, () =>
      assert.match(reasonOf(parseNdjsonLine(rawLine(extra), 2, { rawBytes: true })), reason));
  }

  it('rejects a structurally invalid VIN by default and keeps it as written with allowInvalidVin', () => {
    for (const vin of ['', 'UNKNOWN', `${VALID_VIN}9`, '1M8GDM9A-KP04278', '1M8GDM9AXKP04O788']) {
      assert.match(reasonOf(parseNdjsonLine(badVinLine(vin), 1)), /value\.vin:/, vin);
      const r = parseNdjsonLine(badVinLine(vin), 1, { allowInvalidVin: true });
      assert.ok(r.ok && !('raw' in r), `${vin}: ${JSON.stringify(r)}`);
      assert.equal('vin' in r.record ? r.record.vin : undefined, vin, 'not normalised');
      assert.equal(r.key, vin);
      assert.equal(typeof r.invalidVin, 'string');
    }
    // lower case with a space is a *valid* VIN after normalisation: never flagged.
    const ok = parseNdjsonLine(badVinLine(` ${VALID_VIN.toLowerCase()}`), 1, { allowInvalidVin: true });
    assert.ok(ok.ok && !('raw' in ok) && ok.invalidVin === undefined);
  });

  it('with allowInvalidVin, still rejects what is not schema-valid, and valid VINs keep every check', () => {
    assert.match(
      reasonOf(
        parseNdjsonLine(line({ ...regJson(), vin: 'BAD', fuelType: 'STEAM' }, { key: 'BAD' }), 1, {
          allowInvalidVin: true,
        }),
      ),
      /value\.fuelType/,
    );
    assert.match(
      reasonOf(parseNdjsonLine(line(regJson(), { key: '11111111111111111' }), 1, { allowInvalidVin: true })),
      /does not match value\.vin/,
    );
  });

  it('an invalid VIN without a check-digit claim is produced as "not valid"', () => {
    const v = regJson();
    delete v.vinCheckDigitValid;
    const r = parseNdjsonLine(line({ ...v, vin: 'SHORT' }, { key: 'SHORT' }), 1, { allowInvalidVin: true });
    assert.ok(r.ok && !('raw' in r) && r.topic === TOPICS.registrations, JSON.stringify(r));
    assert.equal(r.record.vinCheckDigitValid, false);
  });

  it('the streaming reader passes the options on', async () => {
    const text = [rawLine(), badVinLine('SHORT')].join('\n');
    const strict: boolean[] = [];
    for await (const r of readNdjson(Readable.from([text]))) strict.push(r.ok);
    const lenient: boolean[] = [];
    for await (const r of readNdjson(Readable.from([text]), { rawBytes: true, allowInvalidVin: true }))
      lenient.push(r.ok);
    assert.deepEqual(strict, [false, false]);
    assert.deepEqual(lenient, [true, true]);
  });
});
