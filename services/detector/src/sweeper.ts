import { errorMessage, sleep, type Logger } from '@zmwatch/kit';
import { dayOf } from './keys.js';
import type { DetectorMetrics } from './metrics.js';
import type { Processor } from './processor.js';
import type { StateStore } from './redis-store.js';
import type { Ruleset } from './ruleset.js';

/**
 * Incremental sweeper. State buckets belong to partitions, so each process sweeps the buckets of the
 * partitions it owns, `bucketsPerTick` per partition per tick (a cursor per partition), under that
 * partition's lock: VINs whose expiry (kept in the value) has passed are removed, and VINs whose
 * pending declarations outlived the grace period without their registration are re-processed, so
 * those are evaluated without one. Both go through the processor like any batch (one bucket write).
 * The partition's registrant-velocity buckets lose counters older than the window can reach.
 */
export function createSweeper(opts: {
  store: StateStore;
  processor: Processor;
  ruleset: Ruleset;
  intervalMs: number;
  bucketsPerTick: number;
  /** Partitions this process owns now. */
  partitions: () => readonly number[];
  withPartition: <T>(partition: number, fn: () => Promise<T>) => Promise<T>;
  logger: Logger;
  metrics: DetectorMetrics;
  now?: () => number;
}) {
  const now = opts.now ?? Date.now;
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  const { bucketsPerPartition, velocityBucketsPerPartition } = opts.store.layout;
  const stateCursor = bucketCursor(bucketsPerPartition, opts.bucketsPerTick);
  const velocityCursor = bucketCursor(velocityBucketsPerPartition, opts.bucketsPerTick);
  // Velocity counters matter as long as a VIN state that counts them can still be evaluated.
  const velocityRetentionDays =
    Math.ceil(opts.ruleset.timing.stateTtlDays) + opts.ruleset.rules.registrantVelocity.windowDays;

  async function sweepPartition(partition: number): Promise<void> {
    const buckets = stateCursor(partition);
    const velocityBuckets = velocityCursor(partition);
    await opts.withPartition(partition, async () => {
      const minDay = dayOf(now()) - velocityRetentionDays;
      const removed = await opts.store.compactVelocity(partition, velocityBuckets, minDay);
      if (removed > 0) opts.metrics.sweptEntries.inc(removed);
      const nowS = Math.floor(now() / 1000);
      const { expired, due } = await opts.store.scan(partition, buckets, nowS);
      if (expired.length === 0 && due.length === 0) return;
      if (due.length > 0)
        opts.logger.info(
          { partition, vins: due.slice(0, 20), count: due.length },
          'grace period over: evaluating declarations without a registration',
        );
      await opts.processor.process(
        partition,
        [...expired, ...due].map((vin) => ({ vin, events: [] })),
      );
      if (expired.length > 0) opts.metrics.sweptEntries.inc(expired.length);
    });
  }

  async function tick(): Promise<void> {
    for (const p of opts.partitions()) await sweepPartition(p);
  }

  return {
    tick,
    start() {
      loop = (async () => {
        while (!stop.signal.aborted) {
          await sleep(opts.intervalMs, stop.signal);
          if (stop.signal.aborted) break;
          try {
            await tick();
          } catch (err) {
            opts.logger.warn({ err: errorMessage(err) }, 'sweep failed; next tick retries');
          }
        }
      })();
    },
    async stop() {
      stop.abort();
      await loop;
    },
  };
}

/** Per partition, the next `perTick` of `total` bucket numbers on each call, round and round. */
function bucketCursor(total: number, perTick: number): (partition: number) => number[] {
  const n = Math.min(perTick, total);
  const cursors = new Map<number, number>();
  return (partition) => {
    const from = cursors.get(partition) ?? 0;
    cursors.set(partition, (from + n) % total);
    return Array.from({ length: n }, (_, i) => (from + i) % total);
  };
}
