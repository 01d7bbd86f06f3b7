import type { Result } from 'ioredis';

/**
 * Compare-and-set of buckets of one partition (one hash tag, so one slot). ARGV holds, per key, the
 * version the writer read, a mode and a payload: 'a' appends the payload (changed entries) after the
 * stored lines, 'r' replaces the whole blob ('' deletes the key). Either way the value is rebuilt by
 * SET, so Redis keeps an exact-size string (APPEND would keep up to 2x spare capacity). All or
 * nothing: versions are checked first, and only if every one matches are the buckets written, so a
 * batch's VIN states and the velocity counters it adds land together or not at all (a retry never
 * counts twice). The owner of a partition is normally its only writer, so this almost never fails;
 * when it does (a rebalance overlap, a stalled process that lost its partition) the batch is retried
 * from a fresh read instead of overwriting someone else's merge. Returns the 1-based indexes of
 * stale keys.
 */
export const BUCKET_CAS_SCRIPT = `
local stale = {}
local blobs = {}
for i = 1, #KEYS do
  local v
  if ARGV[3 * i - 1] == 'a' then
    local blob = redis.call('GET', KEYS[i])
    blobs[i] = blob
    v = blob and string.match(blob, '^(%d+)\\n') or '0'
  else
    v = string.match(redis.call('GETRANGE', KEYS[i], 0, 19), '^(%d+)\\n') or '0'
  end
  if v ~= ARGV[3 * i - 2] then stale[#stale + 1] = i end
end
if #stale > 0 then return stale end
for i = 1, #KEYS do
  local payload = ARGV[3 * i]
  if ARGV[3 * i - 1] == 'a' then
    local blob = blobs[i]
    local nl = string.find(blob, '\\n', 1, true)
    redis.call('SET', KEYS[i], (tonumber(ARGV[3 * i - 2]) + 1) .. string.sub(blob, nl) .. payload)
  elseif payload == '' then
    redis.call('DEL', KEYS[i])
  else
    redis.call('SET', KEYS[i], payload)
  end
end
return stale
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    zmBucketCas(numKeys: number, ...keysThenArgs: string[]): Result<number[], Context>;
  }
}
