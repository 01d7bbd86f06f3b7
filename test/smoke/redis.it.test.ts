import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { stack, uniqueName } from '@zmwatch/test-support/stack';

// A compare-and-set counter: the shape of every detector script (read state, decide, write, expire) in one atomic call.
const SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('HINCRBY', KEYS[1], '#changes', 1)
`;

test('redis: a Lua script defined with defineCommand runs atomically, is pipelined, and sets a TTL', async () => {
  const redis = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }) as Redis & {
    setIfChanged(key: string, field: string, value: string, ttlMs: number): Promise<number>;
  };
  redis.defineCommand('setIfChanged', { numberOfKeys: 1, lua: SCRIPT });
  const key = `zm:{${uniqueName('smoke')}}:h`;
  await redis.connect();
  try {
    assert.equal(await redis.ping(), 'PONG');
    const pipe = redis.pipeline() as unknown as {
      setIfChanged(...a: unknown[]): unknown;
      exec(): Promise<Array<[Error | null, unknown]>>;
    };
    pipe.setIfChanged(key, 'vin', 'A', 60_000);
    pipe.setIfChanged(key, 'vin', 'A', 60_000); // unchanged: no increment
    pipe.setIfChanged(key, 'vin', 'B', 60_000);
    const results = (await pipe.exec()).map(([err, value]) => {
      assert.equal(err, null);
      return value;
    });
    assert.deepEqual(results, [1, 0, 2]);
    assert.equal(await redis.hget(key, 'vin'), 'B');
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 0 && ttl <= 60_000, `ttl ${ttl}`);
  } finally {
    await redis.del(key);
    redis.disconnect();
  }
});
