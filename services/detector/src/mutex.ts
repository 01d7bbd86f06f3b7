/** Serialises async sections: the sweeper must not evaluate a VIN while a batch is merging it. */
export function createMutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return function withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Per-partition locks plus an exclusive one. The input topics are co-partitioned by VIN (same key,
 * same partition count), so a VIN's registrations and declarations share a partition number: batches
 * of the same partition number (from either topic) run one at a time, batches of different numbers
 * run concurrently, and the sweeper, which may touch any VIN, waits for all of them and holds them
 * all off. If the topics were not co-partitioned nothing would break: the per-VIN compare-and-set
 * write detects the overlap and the losing batch is retried from a fresh read.
 */
export function createPartitionLocks() {
  const tails = new Map<number, Promise<unknown>>();
  let exclusive: Promise<unknown> = Promise.resolve();
  return {
    withPartition<T>(partition: number, fn: () => Promise<T>): Promise<T> {
      const before = Promise.all([exclusive, tails.get(partition)]);
      const run = before.then(fn);
      tails.set(
        partition,
        run.catch(() => undefined),
      );
      return run;
    },
    withAll<T>(fn: () => Promise<T>): Promise<T> {
      const run = Promise.all([exclusive, ...tails.values()]).then(fn);
      exclusive = run.catch(() => undefined);
      return run;
    },
  };
}
