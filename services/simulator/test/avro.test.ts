import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCodec, isCodecError } from '@zmwatch/schemas';
import { encodeEvent } from '../src/index.js';
import { collect } from './support/collect-scenario.js';

const { events } = collect({ seed: 31, vehicles: 8000, noise: { malformed: 0.02 } });

test('every record is valid against its Avro contract and survives an encode/decode round trip', async () => {
  const codec = await createCodec();
  let n = 0;
  for (const e of events) {
    if (e.value === null) continue;
    assert.deepEqual(codec.validate(e.topic, e.value), [], `record ${e.seq} is invalid`);
    const decoded = codec.decodeSync(encodeEvent(codec, e), e.topic);
    // Decoded records are avsc class instances; compare their data.
    assert.deepEqual(JSON.parse(JSON.stringify(decoded.record)), JSON.parse(JSON.stringify(e.value)));
    n++;
  }
  assert.ok(n > 10_000);
});

test('every malformed record is rejected by the codec with a codec error (a DLQ case, not a crash)', async () => {
  const codec = await createCodec();
  const junk = events.filter((e) => e.value === null);
  assert.ok(junk.length > 100);
  for (const e of junk) {
    assert.equal(e.noise, 'malformed');
    assert.throws(
      () => codec.decodeSync(encodeEvent(codec, e), e.topic),
      (err: unknown) => isCodecError(err),
    );
  }
});
