import { DAY_MS } from '@zmwatch/schemas';

/**
 * Redis key layout. Everything a detector writes belongs to a partition of the co-partitioned input
 * topics (both keyed by VIN), and every key of partition p carries the hash tag {p<p>}:
 *   <prefix>:{p<p>}:s<n>  string: packed states of the VINs of state bucket n
 *                         (n = fnv1a(VIN) mod bucketsPerPartition), see bucket-blob.ts
 *   <prefix>:{p<p>}:v<n>  string: registrations per (registrant, day) counted from partition p
 *                         (n = fnv1a(registrantId) mod velocityBucketsPerPartition)
 *   <prefix>:layout       the layout and input partition count the state was written with
 * The process that owns partition p is the only writer of p's keys, so it keeps them in memory
 * between batches (state-cache.ts) and rewrites the buckets a batch touched with ONE atomic Lua call
 * (same hash tag: same slot, also on Redis Cluster); a version at the head of each bucket guards
 * against any other writer (a rebalance overlap). A registrant registers cars on every partition, so
 * its velocity is the sum of its counters over all partitions' buckets (read only to evaluate).
 * Bucket counts and the partition count are part of the layout: the detector refuses to start on
 * state written with another one (use a new prefix).
 */
export interface KeyLayout {
  prefix: string;
  bucketsPerPartition: number;
  velocityBucketsPerPartition: number;
}

/** 32-bit FNV-1a over UTF-16 code units (VINs and party ids are ASCII); stable across processes. */
export function fnv1a(s: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function stateBucketKey(layout: KeyLayout, partition: number, bucket: number): string {
  return `${layout.prefix}:{p${partition}}:s${bucket}`;
}

export function stateBucketOf(layout: KeyLayout, vin: string): number {
  return fnv1a(vin) % layout.bucketsPerPartition;
}

export function velocityBucketKey(layout: KeyLayout, partition: number, bucket: number): string {
  return `${layout.prefix}:{p${partition}}:v${bucket}`;
}

export function velocityBucketOf(layout: KeyLayout, registrantId: string): number {
  return fnv1a(registrantId) % layout.velocityBucketsPerPartition;
}

/** Day number (UTC) of an epoch-ms time. */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

const TAG_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Velocity counters are per (registrant, day); most registrants are individuals with one car, so the
 * entry must be tiny. The registrant id (often an 18-character credit code) is replaced by a 48-bit
 * tag (8 base64url characters from two FNV-1a hashes with different bases): a collision would need
 * two registrants in the same bucket on the same day with the same 48 bits, which does not happen at
 * any realistic number of registrants.
 */
export function registrantTag(registrantId: string): string {
  const a = fnv1a(registrantId);
  const b = fnv1a(registrantId, 0x01000193) & 0xffff;
  let out = '';
  for (let i = 0; i < 5; i++) out += TAG_ALPHABET[(a >>> (i * 6)) & 63];
  out += TAG_ALPHABET[((a >>> 30) | (b << 2)) & 63];
  out += TAG_ALPHABET[(b >>> 4) & 63];
  out += TAG_ALPHABET[(b >>> 10) & 63];
  return out;
}

/** A day as 3 base-36 characters (fixed width up to day 46655, the year 2097). */
export function dayKey(day: number): string {
  return day.toString(36).padStart(3, '0');
}

/** Velocity entry key: registrant tag (8 characters) + day (3). */
export const TAG_CHARS = 8;
export const VELOCITY_KEY_CHARS = TAG_CHARS + 3;

/** The day of a velocity entry key. */
export const dayOfVelocityKey = (key: string): number =>
  parseInt(key.slice(TAG_CHARS, VELOCITY_KEY_CHARS), 36);

export function layoutKey(layout: KeyLayout): string {
  return `${layout.prefix}:layout`;
}
