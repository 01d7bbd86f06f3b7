/**
 * Per-partition locks. The input topics are co-partitioned by VIN (same key, same partition count),
 * so a VIN's registrations and declarations share a partition number, and so do the buckets that
 * hold its state: batches of the same partition number (from either topic) and the sweeper's pass
 * over that partition's buckets run one at a time, different partitions run concurrently. Should
 * two processes ever write the same partition (a rebalance overlap), the version check of every
 * bucket write catches it and the losing batch is retried from a fresh read.
 */
export function createPartitionLocks() {
  const tails = new Map<number, Promise<unknown>>();
  return {
    withPartition<T>(partition: number, fn: () => Promise<T>): Promise<T> {
      const run = (tails.get(partition) ?? Promise.resolve()).then(fn);
      tails.set(
        partition,
        run.catch(() => undefined),
      );
      return run;
    },
  };
}

export type PartitionLocks = ReturnType<typeof createPartitionLocks>;
