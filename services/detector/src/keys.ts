import { createHash } from 'node:crypto';

/**
 * Redis key layout. VINs are spread over `stateBuckets` small hashes (listpack-encoded, ~50-400
 * VINs each: ~75 bytes per VIN instead of ~170 for a key per VIN), registrant-velocity counters
 * over `velocityBuckets` hashes:
 *   <prefix>:{s<g>}:b<n>  hash: VIN -> packed VinState           (n = fnv1a(VIN) mod stateBuckets)
 *   <prefix>:{r<g>}:v<n>  hash: "<day>:<registrant tag>" -> count (n = fnv1a(registrantId) mod velocityBuckets)
 *   <prefix>:sweep:cursor counter shared by all detector processes to split the sweep between them
 * The hash tag is the bucket's slot group g = n mod slotGroups: one Lua call updates every bucket of
 * a group that a batch touches (a handful of calls per batch instead of one per VIN), and every call
 * stays within one slot, so the layout works unchanged on Redis Cluster (spread over slotGroups slots).
 * Bucket and group counts are part of the layout: changing them orphans existing state (use a new prefix).
 */
export interface KeyLayout {
  prefix: string;
  stateBuckets: number;
  velocityBuckets: number;
  slotGroups: number;
}

/** 32-bit FNV-1a over UTF-16 code units (VINs and party ids are ASCII); stable across processes. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface BucketKey {
  /** Slot group (hash tag); keys of one group may share a Lua call. */
  group: number;
  key: string;
}

export function stateKey(layout: KeyLayout, bucket: number): BucketKey {
  const group = bucket % layout.slotGroups;
  return { group, key: `${layout.prefix}:{s${group}}:b${bucket}` };
}

export function stateKeyOf(layout: KeyLayout, vin: string): BucketKey {
  return stateKey(layout, fnv1a(vin) % layout.stateBuckets);
}

export function velocityKey(layout: KeyLayout, bucket: number): BucketKey {
  const group = bucket % layout.slotGroups;
  return { group, key: `${layout.prefix}:{r${group}}:v${bucket}` };
}

export function velocityKeyOf(layout: KeyLayout, registrantId: string): BucketKey {
  return velocityKey(layout, fnv1a(registrantId) % layout.velocityBuckets);
}

/** Day number (UTC) of an epoch-ms time. */
export const dayOf = (ms: number): number => Math.floor(ms / 86_400_000);

/**
 * Velocity counters are per (registrant, day); most registrants are individuals with one car, so the
 * field must be tiny. The registrant id (often an 18-character credit code) is replaced by a 48-bit
 * tag (8 base64url chars of its SHA-1): a collision would need two registrants in the same bucket on
 * the same day with the same 48 bits, which does not happen at any realistic number of registrants.
 */
export function registrantTag(registrantId: string): string {
  return createHash('sha1').update(registrantId).digest('base64url').slice(0, 8);
}

/** `<day>:<tag>`; the Lua scripts build and parse the decimal day prefix. */
export function velocityField(day: number, tag: string): string {
  return `${day}:${tag}`;
}

export function sweepCursorKey(layout: KeyLayout): string {
  return `${layout.prefix}:sweep:cursor`;
}
