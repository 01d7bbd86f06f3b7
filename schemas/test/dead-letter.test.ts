import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildDeadLetter,
  DLQ_HEADERS,
  MalformedPayloadError,
  parseDeadLetterHeaders,
  type KafkaHeaders,
} from '../src/index.js';

describe('dead-letter convention', () => {
  const value = Buffer.from([0, 0, 0, 0, 9, 1, 2, 3]);
  const key = Buffer.from('1M8GDM9AXKP042788');
  const failedAt = new Date('2026-03-07T08:00:00.000Z');

  it('keeps the original key/value bytes and headers and adds zm-dlq-* headers', () => {
    const dl = buildDeadLetter({
      topic: 'customs.declarations.v1',
      partition: 3,
      message: { key, value, offset: '1234', headers: { trace: Buffer.from('t-1') } },
      error: new MalformedPayloadError(9, 'bad enum index'),
      service: 'detector',
      failedAt,
    });
    assert.equal(dl.topic, 'customs.declarations.v1.dlq');
    assert.equal(dl.key, key);
    assert.equal(dl.value, value);
    assert.deepEqual(dl.headers, {
      trace: Buffer.from('t-1'),
      'zm-dlq-source-topic': 'customs.declarations.v1',
      'zm-dlq-source-partition': '3',
      'zm-dlq-source-offset': '1234',
      'zm-dlq-error-class': 'MalformedPayload',
      'zm-dlq-error-message': 'malformed Avro payload for schema id 9: bad enum index',
      'zm-dlq-failed-at': '2026-03-07T08:00:00.000Z',
      'zm-dlq-service': 'detector',
    });
  });

  it('parses the headers back as kafkajs delivers them (Buffers), separating the original headers', () => {
    const dl = buildDeadLetter({
      topic: 'vehicle.registrations.v1',
      partition: 0,
      message: { key, value, offset: '7', headers: { trace: 't-2' } },
      error: new TypeError('boom'),
      failedAt,
    });
    const asConsumed: KafkaHeaders = Object.fromEntries(
      Object.entries(dl.headers).map(([k, v]) => [k, Buffer.from(String(v))]),
    );
    const info = parseDeadLetterHeaders(asConsumed);
    assert.ok(info.ok);
    assert.equal(info.sourceTopic, 'vehicle.registrations.v1');
    assert.equal(info.sourcePartition, 0);
    assert.equal(info.sourceOffset, '7');
    assert.equal(info.errorClass, 'TypeError');
    assert.equal(info.errorMessage, 'boom');
    assert.equal(info.failedAt.toISOString(), failedAt.toISOString());
    assert.equal(info.service, undefined);
    assert.deepEqual(info.originalHeaders, { trace: Buffer.from('t-2') });
  });

  it('truncates very long error messages', () => {
    const dl = buildDeadLetter({
      topic: 't',
      partition: 0,
      message: { key: null, value: null, offset: '0' },
      error: new Error('x'.repeat(5000)),
    });
    assert.equal(String(dl.headers[DLQ_HEADERS.errorMessage]).length, 2000);
  });

  it('reports missing or malformed headers', () => {
    assert.match(String((parseDeadLetterHeaders({}) as { reason: string }).reason), /zm-dlq-source-topic/);
    const r = parseDeadLetterHeaders({
      [DLQ_HEADERS.sourceTopic]: 't',
      [DLQ_HEADERS.sourcePartition]: 'x',
    });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /zm-dlq-source-partition/);
  });
});
