import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTopicSpecs } from '@zmwatch/kit';
import { DEFAULT_REPLAY_PARTITIONS, topicCreationPlan } from '../src/commands/data.js';

const specs = loadTopicSpecs();
const declared = (name: string) => specs.find((s) => s.name === name)!;

test('--create-topics makes a declared topic exactly as infra/topics.yaml says, whatever --partitions says', () => {
  const reg = declared('vehicle.registrations.v1');
  const plan = topicCreationPlan(reg.name, reg.name as never, specs, undefined);
  assert.deepEqual(plan.spec, reg);
  assert.equal(plan.why, 'as infra/topics.yaml declares it');
  assert.equal(plan.note, undefined);
  const overridden = topicCreationPlan(reg.name, reg.name as never, specs, reg.partitions + 1);
  assert.equal(overridden.spec.partitions, reg.partitions);
  assert.match(
    overridden.note!,
    /--partitions 7 ignored for vehicle\.registrations\.v1: infra\/topics\.yaml declares 6/,
  );
});

test('a prefixed copy of a contract topic is made like the contract topic, so the inputs stay co-partitioned', () => {
  const decl = declared('customs.declarations.v1');
  const plan = topicCreationPlan('t1.customs.declarations.v1', 'customs.declarations.v1', specs, undefined);
  assert.deepEqual(plan.spec, {
    name: 't1.customs.declarations.v1',
    partitions: decl.partitions,
    retentionHours: decl.retentionHours,
    replicationFactor: decl.replicationFactor,
  });
  assert.equal(plan.why, 'like customs.declarations.v1 in infra/topics.yaml');
});

test('--partitions wins for an undeclared topic; with neither, the default', () => {
  assert.equal(topicCreationPlan('t1.zm.alerts.v1', 'zm.alerts.v1', specs, 2).spec.partitions, 2);
  const other = topicCreationPlan('scratch', undefined, specs, undefined);
  assert.equal(other.spec.partitions, DEFAULT_REPLAY_PARTITIONS);
  assert.equal(other.spec.retentionHours, 168);
  assert.equal(other.why, 'the default');
});
