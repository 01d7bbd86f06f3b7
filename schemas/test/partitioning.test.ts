import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { contractPartition, murmur2, placementProblem } from '../src/partitioning.js';

const kafkajsDefault = Partitioners.DefaultPartitioner();
const meta = (n: number) =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

test('contractPartition agrees with the kafkajs DefaultPartitioner (Java murmur2) for every key length', () => {
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 3000; i++) {
    const len = i % 40;
    const key = Array.from({ length: len }, () => String.fromCharCode(33 + (rnd() % 94))).join('');
    for (const n of [1, 6, 12, 7]) {
      const expected = kafkajsDefault({
        topic: 't',
        partitionMetadata: meta(n),
        message: { key, value: null },
      });
      assert.equal(contractPartition(key, n), expected, `key ${JSON.stringify(key)} n=${n}`);
    }
  }
});

test('murmur2 matches the Java client on known vectors', () => {
  // Vectors from Kafka's UtilsTest.testMurmur2.
  assert.equal(murmur2(Buffer.from('21')), -973932308);
  assert.equal(murmur2(Buffer.from('foobar')), -790332482);
  assert.equal(murmur2(Buffer.from('a-little-bit-long-string')), -985981536);
  assert.equal(murmur2(Buffer.from('a-little-bit-longer-string')), -1486304829);
  assert.equal(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')), -58897971);
  assert.equal(murmur2(Buffer.from('abc')), 479470107);
});

test('placementProblem names a missing key, a key that is not the VIN, and a wrong partition', () => {
  const vin = 'LSVAU2180N2183294';
  const p = contractPartition(vin, 6);
  assert.equal(placementProblem(Buffer.from(vin), vin, p, 6), undefined);
  assert.equal(placementProblem(null, vin, p, 6), 'no-key');
  assert.equal(placementProblem(Buffer.alloc(0), vin, p, 6), 'no-key');
  assert.equal(placementProblem(Buffer.from(vin.toLowerCase()), vin, p, 6), 'key-not-vin');
  assert.equal(placementProblem(Buffer.from(` ${vin}`), vin, p, 6), 'key-not-vin');
  assert.equal(placementProblem(Buffer.from(vin), vin, (p + 1) % 6, 6), 'wrong-partition');
  assert.throws(() => contractPartition(vin, 0), /positive integer/);
});
