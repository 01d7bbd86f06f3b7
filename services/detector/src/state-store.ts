import type { Bucket } from './bucket-blob.js';
import type { KeyLayout } from './keys.js';

/**
 * What the detector needs from its state storage, whatever holds the buckets: redis-store.ts (packed
 * string buckets, production) and the bench's hash store implement it around bucket-writes.ts.
 */

export interface StateWrite {
  vin: string;
  expected: string;
  next: string;
}

export interface VelocityQuery {
  registrantId: string;
  day: number;
}

/**
 * What one batch read: the packed state of each VIN (undefined when absent) and the buckets of its
 * partition it may write (VIN states, and velocity counters of the registrants it may count),
 * pinned for the batch's write whatever the cache evicts meanwhile.
 */
export interface StateView {
  readonly partition: number;
  readonly states: Array<string | undefined>;
  /** Redis round trips the read took: 0 when every bucket was cached. */
  readonly roundTrips: number;
  readonly buckets: ReadonlyMap<number, Bucket>;
  readonly velocityBuckets: ReadonlyMap<number, Bucket>;
}

export interface StateStore {
  readonly layout: KeyLayout;
  /**
   * States of these VINs of one partition, and the partition's velocity buckets of `registrants`
   * (those whose counters this batch may increment): cached buckets, the others in one round trip.
   */
  read(partition: number, vins: readonly string[], registrants: Iterable<string>): Promise<StateView>;
  /**
   * Registrations per registrant on days [day - (window-1), day + (window-1)] summed over every
   * partition's counters as written so far (one round trip; the view's own partition from memory).
   */
  velocity(view: StateView, queries: readonly VelocityQuery[], windowDays: number): Promise<number[]>;
  /**
   * One atomic Lua call: every changed state bucket of the view's partition plus the velocity
   * increments of new first registrations, compare-and-set on the bucket versions. Returns the VINs
   * whose state was not written (the buckets changed since they were read: all of the batch's, as
   * the call is all or nothing); their buckets leave the cache.
   */
  write(
    view: StateView,
    writes: readonly StateWrite[],
    increments: readonly VelocityQuery[],
  ): Promise<string[]>;
  /**
   * The VINs of these state buckets of a partition whose state expired, and those whose pending
   * declarations passed their grace deadline (both read from the state header).
   */
  scan(
    partition: number,
    buckets: readonly number[],
    nowSeconds: number,
  ): Promise<{ expired: string[]; due: string[] }>;
  /** Drop velocity counters older than `minDay` from these velocity buckets of a partition. */
  compactVelocity(partition: number, buckets: readonly number[], minDay: number): Promise<number>;
  /** Forget every cached bucket (the group rebalanced: another process may have written). */
  invalidate(): void;
  /**
   * Record the layout and input partition count on first use; later, the partition count the state
   * is laid out for (which may be lower than the inputs': partitions were added and the state not
   * migrated yet). Refuses other bucket counts, a migration in progress, fewer input partitions
   * than the state's (ConfigError; see layout.ts).
   */
  checkLayout(inputs: ReadonlyArray<{ name: string; partitions: number }>): Promise<number>;
  readonly cachedBuckets: number;
}
