import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { NonRetriableError } from '@zmwatch/kit';
import { createCodec, TOPICS } from '@zmwatch/schemas';
import { makeAlert, randomVin } from '@zmwatch/workflows/testing';
import { createAlertDecoder } from '../src/index.js';

const codec = await createCodec();
const decode = createAlertDecoder(codec);
const msg = (value: Buffer): KafkaMessage =>
  ({ key: null, value, offset: '0', timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

function classOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NonRetriableError, `expected NonRetriableError, got ${String(err)}`);
    return err.errorClass;
  }
  assert.fail('expected a throw');
}

test('a framed Avro alert decodes to the Alert', () => {
  const alert = makeAlert(randomVin());
  // Avro records decode with class prototypes; compare as the JSON the case workflow receives.
  assert.deepEqual(JSON.parse(JSON.stringify(decode(msg(codec.encode(TOPICS.alerts, alert))))), alert);
});

test('bytes that are not an alert are non-retriable with the codec error class (→ DLQ)', () => {
  assert.equal(
    classOf(() => decode(msg(Buffer.from('{"json":true}')))),
    'WrongMagicByte',
  );
  assert.equal(
    classOf(() => decode(msg(Buffer.from([0])))),
    'TruncatedPayload',
  );
  const outcome = codec.encode(TOPICS.caseOutcomes, {
    caseId: 'case-X',
    vin: 'X',
    decision: 'CONFIRMED',
    reason: 'r',
    analyst: 'a',
    alertIds: [],
    openedAt: 0,
    decidedAt: 0,
  });
  assert.notEqual(
    classOf(() => decode(msg(outcome))),
    '',
  );
});

test('an alert whose VIN is invalid or not normalised is non-retriable (invalid-vin)', () => {
  assert.equal(
    classOf(() => decode(msg(codec.encode(TOPICS.alerts, { ...makeAlert(randomVin()), vin: 'SHORT' })))),
    'invalid-vin',
  );
  const lower = randomVin().toLowerCase();
  assert.equal(
    classOf(() =>
      decode(msg(codec.encode(TOPICS.alerts, { ...makeAlert(lower.toUpperCase()), vin: lower }))),
    ),
    'invalid-vin',
  );
});
