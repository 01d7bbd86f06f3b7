import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ConfigError,
  DEFAULT_REDIS_URL,
  describeRedis,
  parseEnv,
  redisConnection,
  redisEnv,
} from '../src/index.js';

const schema = z.object(redisEnv);
const conn = (env: NodeJS.ProcessEnv) => redisConnection(parseEnv(schema, env));

test('redis config: one server by URL (default the local stack), or the nodes of a Redis Cluster', () => {
  assert.deepEqual(conn({}), { url: DEFAULT_REDIS_URL });
  assert.deepEqual(conn({ ZM_REDIS_URL: 'redis://h:1' }), { url: 'redis://h:1' });
  assert.deepEqual(conn({ ZM_REDIS_CLUSTER_NODES: 'a:1, b:2', ZM_REDIS_WAIT_REPLICAS: '1' }), {
    clusterNodes: [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ],
    waitReplicas: 1,
  });
});

test('redis config: ACL user and TLS files; describeRedis names neither password nor URL credentials', () => {
  const c = conn({
    ZM_REDIS_URL: 'rediss://u:secret@h:6380',
    ZM_REDIS_USERNAME: 'detector',
    ZM_REDIS_PASSWORD: 'pw',
    ZM_REDIS_TLS: 'true',
    ZM_REDIS_TLS_CA_FILE: '/etc/ca.pem',
  });
  assert.equal(c.username, 'detector');
  assert.equal(c.password, 'pw');
  assert.deepEqual(c.tls, { caFile: '/etc/ca.pem', certFile: undefined, keyFile: undefined });
  assert.equal(describeRedis(c), 'rediss://h:6380 as detector (TLS)');
  assert.doesNotMatch(describeRedis(c), /secret|pw/);
});

test('redis config: contradictions are refused with the variables named', () => {
  const refused = (env: NodeJS.ProcessEnv, re: RegExp) =>
    assert.throws(
      () => conn(env),
      (err: unknown) => err instanceof ConfigError && re.test(err.message),
    );
  refused(
    { ZM_REDIS_URL: 'redis://h:1', ZM_REDIS_CLUSTER_NODES: 'a:1' },
    /ZM_REDIS_URL .* or ZM_REDIS_CLUSTER_NODES/,
  );
  refused({ ZM_REDIS_CLUSTER_NODES: 'a' }, /ZM_REDIS_CLUSTER_NODES/);
  refused({ ZM_REDIS_URL: 'http://h:1' }, /ZM_REDIS_URL/);
  refused({ ZM_REDIS_TLS_CA_FILE: '/ca.pem' }, /ZM_REDIS_TLS is not/);
  refused(
    { ZM_REDIS_TLS: '1', ZM_REDIS_TLS_CERT_FILE: '/c.pem' },
    /CERT_FILE and ZM_REDIS_TLS_KEY_FILE go together/,
  );
});
