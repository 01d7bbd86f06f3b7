import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopicSpecs } from '@zmwatch/kit';

function file(body: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'zm-topics-')), 'topics.yaml');
  writeFileSync(f, body);
  return f;
}

test('the checked-in topics file is valid and co-partitions the two input topics', () => {
  const specs = loadTopicSpecs();
  const reg = specs.find((s) => s.name === 'vehicle.registrations.v1')!;
  const cus = specs.find((s) => s.name === 'customs.declarations.v1')!;
  assert.equal(reg.partitions, cus.partitions);
  assert.equal(reg.copartitionGroup, cus.copartitionGroup);
  for (const input of [reg, cus])
    assert.ok(
      specs.some((s) => s.name === `${input.name}.dlq`),
      `${input.name} has a DLQ topic`,
    );
});

test('a co-partition group with different partition counts is rejected with both topics named', () => {
  const f = file(`topics:
  - { name: a, partitions: 6, retentionHours: 1, copartitionGroup: g }
  - { name: b, partitions: 3, retentionHours: 1, copartitionGroup: g }
`);
  assert.throws(() => loadTopicSpecs(f), /group g has different partition counts: a=6, b=3/);
});

test('a topic without a positive partition count is rejected', () => {
  assert.throws(
    () => loadTopicSpecs(file(`topics:\n  - { name: a, partitions: 0, retentionHours: 1 }\n`)),
    /partitions must be a positive integer/,
  );
});

test('the cluster profile replicates every topic three times and acknowledges at two', () => {
  const single = loadTopicSpecs();
  const cluster = loadTopicSpecs(undefined, 'cluster');
  assert.deepEqual(
    cluster.map((s) => s.name),
    single.map((s) => s.name),
  );
  assert.ok(single.every((s) => s.replicationFactor === 1 && s.minInsyncReplicas === undefined));
  assert.ok(cluster.every((s) => s.replicationFactor === 3 && s.minInsyncReplicas === 2));
});

test('a profile whose min.insync.replicas exceeds its replication factor is rejected', () => {
  const f = file(`profiles:
  big: { replicationFactor: 2, minInsyncReplicas: 3 }
topics:
  - { name: a, partitions: 1, retentionHours: 1 }
`);
  assert.equal(loadTopicSpecs(f)[0]!.replicationFactor, 1, 'other profiles are unaffected');
  assert.throws(
    () => loadTopicSpecs(f, 'big'),
    /minInsyncReplicas must be an integer from 1 to the replication factor \(2\)/,
  );
});
