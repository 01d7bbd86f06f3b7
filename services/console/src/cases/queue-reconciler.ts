import type { Logger } from '@zmwatch/kit';
import type { CaseClient } from '@zmwatch/workflows';

/**
 * How the console keeps the projection's queues (workflows case-queue-store.ts) whole from visibility,
 * off the request path: the newest cases of every queue often (a member a listing dropped in a race
 * comes back within `recentMs`), every case now and then and at start (cases opened before the
 * projection, a Redis that lost its data). Visibility lags; this never removes anything.
 */
export const QUEUE_RECONCILE = {
  recentMs: 30_000,
  recentCases: 200,
  fullEvery: 20,
  fullCases: 5_000,
} as const;

export interface QueueReconciler {
  stop(): Promise<void>;
}

export function startQueueReconciler(
  cases: Pick<CaseClient, 'reconcileQueue'>,
  queues: readonly string[],
  logger: Logger,
  o: typeof QUEUE_RECONCILE = QUEUE_RECONCILE,
): QueueReconciler {
  let round = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    const maxCases = round % o.fullEvery === 0 ? o.fullCases : o.recentCases;
    round++;
    for (const queue of queues) {
      if (stopped) return;
      const added = await cases.reconcileQueue(queue, maxCases).catch((err: unknown) => {
        logger.warn({ err, queue }, 'queue reconciliation from visibility failed (next pass retries)');
        return 0;
      });
      if (added > 0) logger.info({ queue, added }, 'queue reconciled from visibility');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().then(schedule);
    }, o.recentMs);
  };
  running = pass().then(schedule);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
