import type { Bucket } from './bucket-blob.js';
import {
  dayKey,
  dayOfVelocityKey,
  registrantTag,
  stateBucketOf,
  velocityBucketOf,
  type KeyLayout,
} from './keys.js';
import type { BucketKind } from './state-cache.js';
import type { StateView, StateWrite, VelocityQuery } from './state-store.js';
import { readStateHeader } from './vin-state.js';

/**
 * The storage-independent half of the state store: what a batch changes in which bucket, decided
 * from the buckets it read. Pure; the stores (redis-store.ts, and the bench's hash store) only turn
 * the result into Redis commands and apply it to their cached buckets once written.
 */

export const STATE_BUCKET: BucketKind = 0;
export const VELOCITY_BUCKET: BucketKind = 1;

/** A bucket a write changes: the bucket as read and the entries it sets ('' removes one). */
export interface BucketChanges {
  kind: BucketKind;
  /** The bucket's number within its partition. */
  b: number;
  bucket: Bucket;
  changes: Map<string, string>;
}

export interface BucketWritesPlan {
  /** The changed buckets, state ones first in the order their first VIN came, then velocity ones. */
  touched: BucketChanges[];
  /**
   * VINs whose stored state is not the one the batch merged from (`expected`): nothing may be
   * written (the batch read under its partition lock, so only a bug gets here).
   */
  lost: string[];
}

/**
 * A batch's compare-and-set plan: each VIN's new packed state in its state bucket (if the bucket
 * still holds what the batch read), and +1 per increment on its registrant's (tag, day) counter in
 * the velocity bucket (repeats within the batch add up), all within the buckets the view read.
 * `tagOf` maps a registrant to its 8-character tag (a store may memoise registrantTag).
 */
export function planBucketWrites(
  layout: KeyLayout,
  view: Pick<StateView, 'buckets' | 'velocityBuckets'>,
  writes: readonly StateWrite[],
  increments: readonly VelocityQuery[],
  tagOf: (registrantId: string) => string = registrantTag,
): BucketWritesPlan {
  const state = new Map<number, BucketChanges>();
  const velocity = new Map<number, BucketChanges>();
  const entryOf = (kind: BucketKind, b: number): BucketChanges => {
    const byNumber = kind === STATE_BUCKET ? state : velocity;
    let t = byNumber.get(b);
    if (!t) {
      const bucket = (kind === STATE_BUCKET ? view.buckets : view.velocityBuckets).get(b);
      if (!bucket)
        throw new Error(
          `write outside the buckets its batch read (${kind === STATE_BUCKET ? 'state' : 'velocity'} bucket ${b})`,
        );
      byNumber.set(b, (t = { kind, b, bucket, changes: new Map() }));
    }
    return t;
  };
  const lost: string[] = [];
  for (const w of writes) {
    const t = entryOf(STATE_BUCKET, stateBucketOf(layout, w.vin));
    if ((t.bucket.entries.get(w.vin) ?? '') !== w.expected) lost.push(w.vin);
    else t.changes.set(w.vin, w.next);
  }
  for (const inc of increments) {
    const t = entryOf(VELOCITY_BUCKET, velocityBucketOf(layout, inc.registrantId));
    const k = tagOf(inc.registrantId) + dayKey(inc.day);
    const current = t.changes.get(k) ?? t.bucket.entries.get(k);
    t.changes.set(k, ((current === undefined ? 0 : parseInt(current, 36)) + 1).toString(36));
  }
  return { touched: [...state.values(), ...velocity.values()], lost };
}

/** The velocity counters of days before `minDay` removed from each of these buckets that has any. */
export function planVelocityCompaction(
  buckets: ReadonlyMap<number, Bucket>,
  minDay: number,
): BucketChanges[] {
  const touched: BucketChanges[] = [];
  for (const [b, bucket] of buckets) {
    const changes = new Map<string, string>();
    for (const k of bucket.entries.keys()) if (dayOfVelocityKey(k) < minDay) changes.set(k, '');
    if (changes.size > 0) touched.push({ kind: VELOCITY_BUCKET, b, bucket, changes });
  }
  return touched;
}

/**
 * The VINs of these state buckets whose state expired, and those due for re-processing (a grace
 * deadline, recheck or deferred revision passed), from each state's header alone.
 */
export function sweepFindings(
  buckets: Iterable<Bucket>,
  nowSeconds: number,
): { expired: string[]; due: string[] } {
  const expired: string[] = [];
  const due: string[] = [];
  for (const bucket of buckets) {
    for (const [vin, packed] of bucket.entries) {
      const { expireAt, dueAt } = readStateHeader(packed);
      if (expireAt <= nowSeconds) expired.push(vin);
      else if (dueAt !== undefined && dueAt <= nowSeconds) due.push(vin);
    }
  }
  return { expired, due };
}

/** A written change applied to the bucket's live entries (its version and lines are the store's). */
export function applyChanges(bucket: Bucket, changes: ReadonlyMap<string, string>): void {
  for (const [k, v] of changes) {
    if (v === '') bucket.entries.delete(k);
    else bucket.entries.set(k, v);
  }
}

/** The days a registrant's velocity sums for a registration on `day`: [day - (window-1), day + (window-1)]. */
export const velocityDays = (day: number, windowDays: number): { from: number; to: number } => ({
  from: day - windowDays + 1,
  to: day + windowDays - 1,
});

/** Registrations counted for a registrant on days [from, to] in one bucket's entries. */
export function countInEntries(
  entries: ReadonlyMap<string, string>,
  tag: string,
  from: number,
  to: number,
): number {
  let sum = 0;
  for (let d = from; d <= to; d++) {
    const c = entries.get(tag + dayKey(d));
    if (c !== undefined) sum += parseInt(c, 36);
  }
  return sum;
}
