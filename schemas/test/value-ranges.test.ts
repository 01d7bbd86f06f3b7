import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertInRange, OutOfRangeError, rangeProblems, TOPICS, VALUE_RANGES } from '../src/index.js';
import { errorClassOf } from '../src/dead-letter.js';
import { declaration, registration } from './support/contract-records.js';

test('ordinary fixtures are in range', () => {
  assert.deepEqual(rangeProblems(registration()), []);
  assert.deepEqual(rangeProblems(declaration()), []);
});

test('event times a Date cannot hold, odometers beyond safe integers, NaN and Infinity are out of range', () => {
  const cases: Array<[string, object]> = [
    ['eventTime', { ...registration(), eventTime: 8.7e15 }],
    ['recordedAt', { ...registration(), recordedAt: -1 }],
    ['odometerKm', { ...registration(), odometerKm: 2 ** 60 }],
    ['declaredOdometerKm', { ...declaration(), declaredOdometerKm: Number.NEGATIVE_INFINITY }],
    ['declaredValue', { ...declaration(), declaredValue: Number.NaN }],
    ['priceCny', { ...registration(), priceCny: Number.POSITIVE_INFINITY }],
    ['modelYear', { ...registration(), modelYear: 20240 }],
  ];
  for (const [field, record] of cases) {
    const problems = rangeProblems(record);
    assert.equal(problems.length, 1, `${field}: ${JSON.stringify(problems)}`);
    assert.equal(problems[0]!.path, field);
  }
  assert.deepEqual(rangeProblems({ ...registration(), odometerKm: VALUE_RANGES.odometerKm.max }), []);
});

test('a finite but invalid odometer (negative, absurd) passes decode: the detector reports it as a finding', () => {
  assert.deepEqual(rangeProblems({ ...registration(), odometerKm: -5 }), []);
  assert.deepEqual(rangeProblems({ ...declaration(), declaredOdometerKm: -1 }), []);
  assert.deepEqual(rangeProblems({ ...declaration(), declaredOdometerKm: 9_000_000_000 }), []);
});

test('oversized strings and control or separator characters anywhere, nested fields included', () => {
  const r = registration();
  const problems = rangeProblems({
    ...r,
    make: 'x'.repeat(10_000),
    plateNumber: 'ABC\n123',
    party: { ...r.party, id: `id\u2028x` },
  });
  assert.deepEqual(
    problems.map((p) => p.path),
    ['party.id', 'make', 'plateNumber'],
  );
  assert.match(problems[1]!.reason, /10000 characters/);
});

test('assertInRange throws a non-retriable OutOfRange codec error naming topic and field', () => {
  assert.throws(
    () => assertInRange(TOPICS.registrations, { ...registration(), eventTime: 8.7e15 }),
    (err: unknown) =>
      err instanceof OutOfRangeError &&
      !err.retriable &&
      errorClassOf(err) === 'OutOfRange' &&
      /vehicle\.registrations\.v1 record out of range: eventTime/.test(err.message),
  );
});
