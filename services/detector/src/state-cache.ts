import type { Bucket } from './bucket-blob.js';

/** 0: VIN states, 1: registrant velocity counters. */
export type BucketKind = 0 | 1;

/**
 * The state buckets of the partitions this process owns, kept between batches so a batch reads
 * Redis only for buckets it has not seen since the last rebalance. Only valid while this process is
 * the partition's sole writer: app.ts clears it whenever the group rebalances, and the version check
 * of every write catches any other writer anyway (the loser drops its copy and retries the batch).
 * Least recently used buckets are evicted beyond `maxBuckets` (0 disables the cache: every batch
 * reads its buckets, as the naive benchmark variant does).
 */
export class StateCache {
  private readonly buckets = new Map<number, Bucket>();
  constructor(readonly maxBuckets: number) {}

  /** Kind (0 state, 1 velocity), partition and bucket as one number (bucket counts are below 2^20). */
  static id(kind: BucketKind, partition: number, bucket: number): number {
    return (partition * 2 + kind) * 1_048_576 + bucket;
  }

  get(id: number): Bucket | undefined {
    const b = this.buckets.get(id);
    if (b) {
      // Map iteration order is insertion order: re-inserting keeps the oldest first for eviction.
      this.buckets.delete(id);
      this.buckets.set(id, b);
    }
    return b;
  }

  set(id: number, bucket: Bucket): void {
    if (this.maxBuckets === 0) return;
    this.buckets.delete(id);
    this.buckets.set(id, bucket);
    while (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
  }

  delete(id: number): void {
    this.buckets.delete(id);
  }

  clear(): void {
    this.buckets.clear();
  }

  get size(): number {
    return this.buckets.size;
  }
}
