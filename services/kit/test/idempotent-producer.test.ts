// The idempotent producer keeps kafkajs' exactly-once guarantee: no bounded retry inherited from the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createIdempotentProducer, createKafka } from '../src/kafka.js';

test('createIdempotentProducer retries without limit, so kafkajs does not warn that EoS may be invalidated', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const kafka = createKafka({ clientId: 'kit-unit', brokers: ['127.0.0.1:1'], logger });
  createIdempotentProducer(kafka);
  assert.ok(!lines.some((l) => /Limiting retries/.test(l)), lines.join(''));
  // The same client's plain producer with a bounded retry does warn: the check would see it.
  kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
  assert.ok(lines.some((l) => /Limiting retries for the idempotent producer/.test(l)));
});
