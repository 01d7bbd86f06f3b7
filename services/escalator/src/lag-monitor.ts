import type { Admin } from 'kafkajs';
import type { Logger } from '@zmwatch/kit';
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
    const [ends, [committed]] = await Promise.all([
      opts.admin.fetchTopicOffsets(opts.topic),
      opts.admin.fetchOffsets({ groupId: opts.groupId, topics: [opts.topic] }),
    ]);
    const byPartition = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
    let sum = 0;
    for (const end of ends) {
      const high = Number(end.high);
      const low = Number(end.low);
      const c = byPartition.get(end.partition) ?? -1;
      const lag = Math.max(0, high - (c >= 0 ? c : low));
      opts.gauge.set({ partition: String(end.partition) }, lag);
      sum += lag;
    }
    total = sum;
    return sum;
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
