// The case client's search-attribute payloads (public SDK exports only) are the SDK's own: each is
// checked against the SDK's internal converter in both directions, for every Zm* attribute type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SearchAttributePair } from '@temporalio/common';
import {
  decodeTypedSearchAttributes,
  encodeUnifiedSearchAttributes,
} from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { SA } from '../src/index.js';
import { decodeSearchAttributes, encodeSearchAttributes } from '../src/search-attribute-payloads.js';

const pairs: SearchAttributePair[] = [
  { key: SA.vin, value: 'LSVAU2180N2183294' },
  { key: SA.queue, value: 'priority' },
  { key: SA.severityRank, value: 4 },
  { key: SA.score, value: 0.85 },
  { key: SA.slaDueAt, value: new Date('2026-03-01T12:34:56.789Z') },
];

const sorted = (all: SearchAttributePair[]) => [...all].sort((a, b) => a.key.name.localeCompare(b.key.name));

test('encodeSearchAttributes writes the payloads the SDK writes', () => {
  const ours = encodeSearchAttributes(pairs);
  const sdk = encodeUnifiedSearchAttributes(undefined, pairs);
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(sdk).sort());
  for (const name of Object.keys(sdk)) {
    assert.deepEqual(Buffer.from(ours[name]!.data!), Buffer.from(sdk[name]!.data!), name);
    for (const m of ['encoding', 'type'])
      assert.deepEqual(
        Buffer.from(ours[name]!.metadata![m]!),
        Buffer.from(sdk[name]!.metadata![m]!),
        `${name} ${m}`,
      );
  }
});

test('decodeSearchAttributes reads what the SDK reads, legacy one-element arrays included', () => {
  const fields = encodeUnifiedSearchAttributes(undefined, pairs);
  assert.deepEqual(
    sorted(decodeSearchAttributes(fields).getAll()),
    sorted(decodeTypedSearchAttributes(fields).getAll()),
  );
  assert.equal(decodeSearchAttributes(fields).get(SA.slaDueAt)?.toISOString(), '2026-03-01T12:34:56.789Z');
  assert.equal(decodeSearchAttributes(fields).get(SA.severityRank), 4);

  const legacy = { ...fields, ZmQueue: { ...fields.ZmQueue!, data: Buffer.from('["standard"]') } };
  assert.equal(decodeSearchAttributes(legacy).get(SA.queue), 'standard');
  assert.equal(decodeTypedSearchAttributes(legacy).get(SA.queue), 'standard');
  assert.equal(decodeSearchAttributes(undefined).getAll().length, 0);
});

test('encodeSearchAttributes refuses a value of the wrong type', () => {
  assert.throws(
    () => encodeSearchAttributes([{ key: SA.severityRank, value: 'high' } as unknown as SearchAttributePair]),
    /ZmSeverityRank/,
  );
});
