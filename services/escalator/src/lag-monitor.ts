import type { Admin } from 'kafkajs';
import { consumerGroupLag, type Logger } from '@zmwatch/kit';
import type { Gauge } from 'prom-client';

/**
 * Consumer lag from the broker's point of view (log end offset - committed offset), refreshed on a
 * timer: it keeps growing while Temporal is down and the consumer holds its batch, which a per-batch
 * gauge could not show.
 */
export function createLagMonitor(opts: {
  admin: Admin;
  groupId: string;
  topic: string;
  gauge: Gauge<'partition'>;
  intervalMs: number;
  logger: Logger;
}) {
  let timer: NodeJS.Timeout | undefined;
  let total = 0;

  async function refresh(): Promise<number> {
    const lag = await consumerGroupLag(opts.admin, opts.groupId, [opts.topic]);
    for (const p of lag.partitions) opts.gauge.set({ partition: String(p.partition) }, p.lag);
    total = lag.total;
    return total;
  }

  return {
    refresh,
    get total() {
      return total;
    },
    start() {
      const tick = () => {
        refresh()
          .catch((err: unknown) =>
            opts.logger.warn({ err: String(err), topic: opts.topic }, 'lag refresh failed'),
          )
          .finally(() => {
            if (timer) timer = setTimeout(tick, opts.intervalMs).unref();
          });
      };
      timer = setTimeout(tick, 0).unref();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
