import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  handleIsolated,
  isRetriable,
  KIT_ERROR_CLASSES,
  NonRetriableError,
  RetriableError,
} from '../src/index.js';

/** A handler that throws like the detector did on eventTime 8.7e15, for any batch holding a poison. */
function poisoned(poison: Set<number>, log: number[][]) {
  return async (records: number[]) => {
    log.push(records);
    for (const r of records) if (poison.has(r)) new Date(8.7e15).toISOString(); // RangeError
  };
}

test('a clean batch is handled in one call', async () => {
  const log: number[][] = [];
  const res = await handleIsolated([1, 2, 3], poisoned(new Set(), log));
  assert.deepEqual(res, { rejected: [], calls: 1 });
  assert.deepEqual(log, [[1, 2, 3]]);
});

test('bisection isolates exactly the poison records and handles every other one, in offset order', async () => {
  const records = Array.from({ length: 100 }, (_, i) => i);
  const log: number[][] = [];
  const res = await handleIsolated(records, poisoned(new Set([17, 18, 63]), log));
  assert.deepEqual(
    res.rejected.map((r) => r.record),
    [17, 18, 63],
  );
  for (const r of res.rejected) {
    assert.equal(r.error.errorClass, KIT_ERROR_CLASSES.handlerFailed);
    assert.match(r.error.message, /RangeError: Invalid time value/);
  }
  // Every good record is part of a call that succeeded; successful calls come in offset order.
  const succeeded = log.filter((part) => !part.some((r) => [17, 18, 63].includes(r)));
  assert.deepEqual(
    succeeded.flat(),
    records.filter((r) => ![17, 18, 63].includes(r)),
  );
  assert.ok(res.calls <= 1 + 3 * 2 * Math.ceil(Math.log2(100)), `calls ${res.calls}`);
});

test('a retriable error is rethrown, never turned into a dead letter', async () => {
  await assert.rejects(
    handleIsolated([1, 2, 3, 4], async (part) => {
      if (part.length < 4) throw new RetriableError('redis down');
      throw new Error('boom'); // first call: unclassified, so it bisects, then hits the outage
    }),
    /redis down/,
  );
});

test('a NonRetriableError thrown for a single record keeps its own class', async () => {
  const res = await handleIsolated([1, 2], async (part) => {
    if (part.includes(2)) throw new NonRetriableError('vin mismatch', 'InvalidVin');
  });
  assert.deepEqual(
    res.rejected.map((r) => [r.record, r.error.errorClass]),
    [[2, 'InvalidVin']],
  );
});

test('isRetriable: infrastructure faults only', () => {
  assert.equal(isRetriable(new RetriableError('x')), true);
  assert.equal(isRetriable(Object.assign(new Error('registry 503'), { retriable: true })), true);
  assert.equal(isRetriable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), true);
  const kafkaErr = new Error('broker gone');
  kafkaErr.name = 'KafkaJSConnectionError';
  assert.equal(isRetriable(kafkaErr), true);
  assert.equal(isRetriable(new Error('Connection is closed.')), true);
  assert.equal(isRetriable(new RangeError('Invalid time value')), false);
  assert.equal(isRetriable(new TypeError("Cannot read properties of undefined (reading 'x')")), false);
  assert.equal(isRetriable(new NonRetriableError('bad', 'InvalidVin')), false);
  assert.equal(isRetriable('a string'), false);
});
