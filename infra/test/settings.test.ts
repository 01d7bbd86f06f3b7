import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientEnv, stackSettings } from '../src/settings.js';

const ports = (s: ReturnType<typeof stackSettings>) => [
  ...s.kafkaNodes.flatMap((n) => [n.port, n.controllerPort]),
  ...s.redisNodes.flatMap((n) => [n.port, ...(n.busPort ? [n.busPort] : [])]),
  s.temporalPort,
  s.temporalUiPort,
  s.temporalHttpPort,
];

test('the cluster profile runs on ports and in a folder of its own, so both profiles run side by side', () => {
  const single = stackSettings('single');
  const cluster = stackSettings('cluster');
  assert.equal(cluster.kafkaNodes.length, 3);
  assert.equal(cluster.redisNodes.length, 6);
  const all = [...ports(single), ...ports(cluster)];
  assert.equal(new Set(all).size, all.length, `a port is used twice: ${all.join(',')}`);
  assert.notEqual(cluster.runDir, single.runDir);
});

test('stack env: every broker and Redis Cluster node for the cluster profile, and the other form unset', () => {
  const single = clientEnv(stackSettings('single'));
  const cluster = clientEnv(stackSettings('cluster'));
  assert.equal(cluster.ZM_KAFKA_BROKERS!.split(',').length, 3);
  assert.equal(cluster.ZM_REDIS_CLUSTER_NODES!.split(',').length, 6);
  assert.ok('ZM_REDIS_URL' in cluster && cluster.ZM_REDIS_URL === undefined);
  assert.match(single.ZM_REDIS_URL!, /^redis:\/\//);
  assert.ok('ZM_REDIS_CLUSTER_NODES' in single && single.ZM_REDIS_CLUSTER_NODES === undefined);
});

test('a cluster port list of the wrong length is refused with the variable named', () => {
  process.env.ZM_CLUSTER_REDIS_PORTS = '1,2,3';
  try {
    assert.throws(
      () => stackSettings('cluster'),
      /ZM_CLUSTER_REDIS_PORTS must be 6 comma-separated TCP ports/,
    );
  } finally {
    delete process.env.ZM_CLUSTER_REDIS_PORTS;
  }
});
