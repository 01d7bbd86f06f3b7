/**
 * The shared local stack (`infra/bin/stack up`) as tests use it: its addresses, names no other run
 * uses (suites share one stack, so they create only uniquely named topics, groups and key prefixes),
 * a Kafka client, polling, metric reads and cleanup of a run's Redis keys.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger, stackAddresses, type Logger } from '@zmwatch/kit';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** Addresses of the local stack, overridable with the same ZM_* variables as services. */
export const stack = stackAddresses();

/** A name no other test run uses, so suites can share one stack. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Silent unless ZM_TEST_LOG_LEVEL says otherwise. */
export const quietLogger: Logger = createLogger('test', process.env.ZM_TEST_LOG_LEVEL ?? 'silent');

export function testKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: stack.brokers, logLevel: logLevel.NOTHING });
}

/** Polls until `check` returns a truthy value or the timeout passes (then throws with `what`). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Sum of a counter in an app's registry, optionally filtered by labels. */
export async function counterValue(
  registry: { getSingleMetric(name: string): unknown },
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name) as
    | { get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number> }> }> }
    | undefined;
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x))
    .reduce((s, v) => s + v.value, 0);
}

/** Removes this run's keys from the shared Redis (SCAN, never KEYS or FLUSH). */
export async function deleteRedisKeys(prefix: string, url = stack.redisUrl): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
