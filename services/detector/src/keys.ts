/**
 * Redis key layout. Every key carries a hash tag, so each Lua script touches one slot and the layout
 * works unchanged on Redis Cluster:
 *   <prefix>:{b<n>}:v     hash: VIN -> packed VinState            (n = fnv1a(VIN) mod stateBuckets)
 *   <prefix>:{r<n>}:vel   hash: "<day b36>:<registrantId>" -> count (n = fnv1a(registrantId) mod velocityBuckets)
 *   <prefix>:sweep:cursor counter shared by all detector processes to split the sweep between them
 * Bucket counts are part of the layout: changing them orphans existing state (use a new prefix).
 */
export interface KeyLayout {
  prefix: string;
  stateBuckets: number;
  velocityBuckets: number;
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

export function stateBucketOf(layout: KeyLayout, vin: string): number {
  return fnv1a(vin) % layout.stateBuckets;
}

export function stateKey(layout: KeyLayout, bucket: number): string {
  return `${layout.prefix}:{b${bucket}}:v`;
}

export function stateKeyOf(layout: KeyLayout, vin: string): string {
  return stateKey(layout, stateBucketOf(layout, vin));
}

export function velocityKey(layout: KeyLayout, bucket: number): string {
  return `${layout.prefix}:{r${bucket}}:vel`;
}

export function velocityKeyOf(layout: KeyLayout, registrantId: string): string {
  return velocityKey(layout, fnv1a(registrantId) % layout.velocityBuckets);
}

/** Day number (UTC) of an epoch-ms time. */
export const dayOf = (ms: number): number => Math.floor(ms / 86_400_000);

export function velocityField(day: number, registrantId: string): string {
  return `${day.toString(36)}:${registrantId}`;
}

export function sweepCursorKey(layout: KeyLayout): string {
  return `${layout.prefix}:sweep:cursor`;
}
