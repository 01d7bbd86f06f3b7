import { errorMessage, sleep, type Logger } from '@zmwatch/kit';
import type { DetectorMetrics } from './metrics.js';
import type { Processor } from './processor.js';
import type { StateStore } from './redis-store.js';
import type { Ruleset } from './ruleset.js';

/**
 * Incremental sweeper. Each tick claims the next `bucketsPerTick` buckets from a cursor shared by all
 * detector processes (INCRBY, so they split the work instead of repeating it), removes entries whose
 * expiry (kept in the value) has passed, and re-processes VINs whose pending declarations outlived
 * the grace period without their registration, so those are evaluated without one.
 */
export function createSweeper(opts: {
  store: StateStore;
  processor: Processor;
  ruleset: Ruleset;
  intervalMs: number;
  bucketsPerTick: number;
  withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  logger: Logger;
  metrics: DetectorMetrics;
  now?: () => number;
}) {
  const now = opts.now ?? Date.now;
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  // Velocity counters matter as long as a VIN state that counts them can still be evaluated.
  const velocityRetentionDays =
    Math.ceil(opts.ruleset.timing.stateTtlDays) + opts.ruleset.rules.registrantVelocity.windowDays;

  async function tick(): Promise<void> {
    await opts.withLock(async () => {
      const { removed, due } = await opts.store.sweep(
        opts.bucketsPerTick,
        Math.floor(now() / 1000),
        velocityRetentionDays,
      );
      if (removed > 0) opts.metrics.sweptEntries.inc(removed);
      if (due.length > 0) {
        opts.logger.info(
          { vins: due.slice(0, 20), count: due.length },
          'grace period over: evaluating declarations without a registration',
        );
        await opts.processor.process(due.map((vin) => ({ vin, events: [] })));
      }
    });
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
