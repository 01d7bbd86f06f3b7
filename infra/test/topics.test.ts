import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopicSpecs } from '../src/topics.js';

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
