/**
 * A Redis ACL user against a real server: a private redis-server whose default user is off and
 * whose only user may touch `zmacl:*` keys. kit's env parser (loadRedisConnection: ZM_REDIS_URL,
 * ZM_REDIS_USERNAME, ZM_REDIS_PASSWORD) and createRedis are what a service uses; the detector's
 * state store runs one write and read through that client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis, DEFAULT_PORTS, loadRedisConnection, type RedisClient } from '@zmwatch/kit';
import { redisNodeComponent } from '@zmwatch/infra';
import { createStateStore } from '@zmwatch/detector';
import { privateSettings, startPrivate } from './private-server.js';
import { stateStoreRoundTrip, storeLayout } from './round-trips.js';

const PORT = DEFAULT_PORTS.secureTestRedis;
const USER = { username: 'zm', password: 'zm-acl-secret' };
const URL = `redis://127.0.0.1:${PORT}`;
let server: { stop(): Promise<void> } | undefined;

before(async () => {
  const s = privateSettings('redis-acl');
  const c = redisNodeComponent(s, {
    name: 'redis-acl',
    port: PORT,
    extraConf: ['user default off', `user ${USER.username} on >${USER.password} ~zmacl:* +@all`],
  });
  // The component's health probe logs in as `default`, which this server refuses: probe as the user.
  const probeAsUser = { ...c, health: () => ping(USER.password) };
  server = await startPrivate(s, probeAsUser, 15_000);
});

after(async () => {
  await server?.stop();
});

/** The client a service builds from these variables (no reconnecting: a refusal must surface). */
function redisFromEnv(password: string): RedisClient {
  const conn = loadRedisConnection({
    ZM_REDIS_URL: URL,
    ZM_REDIS_USERNAME: USER.username,
    ZM_REDIS_PASSWORD: password,
  });
  const redis = createRedis(conn, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  return redis;
}

async function ping(password: string): Promise<string> {
  const redis = redisFromEnv(password);
  try {
    await redis.connect();
    return await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/**
 * Why a client that should be refused was: ioredis reports a failed AUTH as an `error` event and
 * then rejects `connect` with "Connection is closed", so both are collected. Throws if nothing failed.
 */
async function refusal(redis: RedisClient): Promise<string> {
  const seen: string[] = [];
  redis.on('error', (e: Error) => seen.push(e.message));
  try {
    await redis.connect();
    await redis.get('zmacl:probe');
  } catch (err) {
    seen.push((err as Error).message);
  } finally {
    redis.disconnect();
  }
  assert.ok(seen.length > 0, 'the server accepted the client');
  return seen.join('; ');
}

test('redis ACL user from ZM_REDIS_USERNAME/PASSWORD: writes under its key pattern, NOPERM outside it', async () => {
  const redis = redisFromEnv(USER.password);
  await redis.connect();
  try {
    assert.equal(await redis.call('ACL', 'WHOAMI'), USER.username);
    assert.equal(await redis.set('zmacl:probe', 'ok', 'EX', 60), 'OK');
    assert.equal(await redis.get('zmacl:probe'), 'ok');
    await assert.rejects(redis.set('zm:outside', 'x'), /NOPERM/);
    await assert.rejects(redis.get('other:key'), /NOPERM/);
  } finally {
    redis.disconnect();
  }
});

test('redis ACL: a wrong password is refused (WRONGPASS); the disabled default user too (NOAUTH)', async () => {
  assert.match(await refusal(redisFromEnv('not-the-password')), /WRONGPASS/);
  const anonymous = createRedis({ url: URL }, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  assert.match(await refusal(anonymous), /NOAUTH/);
});

test("redis ACL: the detector's state store (prefix zmacl) writes and reads back as the ACL user", async () => {
  const redis = redisFromEnv(USER.password);
  await redis.connect();
  try {
    await stateStoreRoundTrip(redis, 'zmacl');
    const vin = 'LGXCE4CB8S0000001';
    // Outside its pattern the same store is refused, not silently empty.
    const outside = createStateStore(redis, storeLayout('zm'), { cacheBuckets: 0 });
    await assert.rejects(outside.read(1, [vin], []), /NOPERM/);
  } finally {
    redis.disconnect();
  }
});
