import { TAG_CHARS, VELOCITY_KEY_CHARS } from './keys.js';

/**
 * A bucket as stored in Redis: one string holding many fixed-width-key entries, e.g. the packed
 * states of ~50 VINs (velocity buckets use the same format with 11-character keys, see keys.ts).
 *
 *   <version>\n<key><value>\n<key><value>...
 *
 * VINs are validated 17-character strings, so an entry needs no separator between key and value;
 * values never contain a newline (vin-state.ts escapes it). One string per bucket costs Redis less
 * than a hash field per VIN (no per-field header, no per-field commands).
 *
 * Log-structured: a batch APPENDS its changed entries (a later line for a key replaces an earlier
 * one; a key with no value deletes it), so a write costs what changed, not the whole bucket; when
 * replaced lines would make up more than ~10% of the bucket, the writer rewrites it whole instead
 * (compaction), which bounds the memory they waste. The version, bumped by every write, is what the
 * compare-and-set Lua script checks (redis-store.ts).
 */
export interface Bucket {
  version: number;
  /** Live entries: key -> value. */
  entries: Map<string, string>;
  /** Lines stored in Redis, replaced ones included (>= entries.size). */
  lines: number;
}

export const VIN_CHARS = 17;

/** A bucket with no key in Redis (version 0). */
export const emptyBucket = (): Bucket => ({ version: 0, entries: new Map(), lines: 0 });

export class BucketFormatError extends Error {
  override readonly name = 'BucketFormatError';
}

/** `keyChars`: the fixed width of an entry's key (17 for VINs, 11 for velocity entries). */
export function parseBucket(blob: string | null | undefined, keyChars = VIN_CHARS): Bucket {
  if (!blob) return emptyBucket();
  const entries = new Map<string, string>();
  const nl = blob.indexOf('\n');
  const version = Number(nl < 0 ? blob : blob.slice(0, nl));
  if (!Number.isSafeInteger(version) || version < 1)
    throw new BucketFormatError(`bucket has no version header: ${JSON.stringify(blob.slice(0, 24))}`);
  let lines = 0;
  let at = nl < 0 ? blob.length : nl + 1;
  while (at < blob.length) {
    let end = blob.indexOf('\n', at);
    if (end < 0) end = blob.length;
    const len = end - at;
    if (len < keyChars) throw new BucketFormatError(`bucket line shorter than its key at offset ${at}`);
    const key = blob.slice(at, at + keyChars);
    if (len === keyChars) entries.delete(key);
    else entries.set(key, blob.slice(at + keyChars, end));
    lines++;
    at = end + 1;
  }
  return { version, entries, lines };
}

/**
 * The whole blob of a bucket at `version`: its entries with `changes` applied (key -> new value,
 * '' removes the key); '' when no entry is left (the key is deleted).
 */
export function formatBucket(
  version: number,
  entries: ReadonlyMap<string, string>,
  changes: ReadonlyMap<string, string> = new Map(),
): string {
  let out = String(version);
  let n = 0;
  for (const [key, value] of entries) {
    const next = changes.get(key);
    if (next === undefined) out += '\n' + key + value;
    else if (next !== '') out += '\n' + key + next;
    else continue;
    n++;
  }
  for (const [key, next] of changes) {
    if (next === '' || entries.has(key)) continue;
    out += '\n' + key + next;
    n++;
  }
  return n === 0 ? '' : out;
}

export interface BucketWrite {
  /** 'append': `payload` goes after the stored lines; 'replace': `payload` is the whole blob ('' deletes). */
  mode: 'append' | 'replace';
  payload: string;
  /** Lines stored once the write is applied. */
  lines: number;
  /** Live entries once the write is applied. */
  live: number;
}

/**
 * How one bucket's changes (planned by bucket-writes.ts) go to Redis as a string: append while
 * replaced lines stay within ~10% of the bucket (plus a little slack), else rewrite it whole.
 */
export function encodeBucketWrite(bucket: Bucket, changes: ReadonlyMap<string, string>): BucketWrite {
  let live = bucket.entries.size;
  let payload = '';
  let added = 0;
  for (const [key, next] of changes) {
    const had = bucket.entries.has(key);
    if (next === '') {
      if (!had) continue;
      live--;
    } else if (!had) live++;
    payload += '\n' + key + next;
    added++;
  }
  const lines = bucket.lines + added;
  if (bucket.version > 0 && live > 0 && lines <= Math.floor(live * 1.1) + 2)
    return { mode: 'append', payload, lines, live };
  return {
    mode: 'replace',
    payload: formatBucket(bucket.version + 1, bucket.entries, changes),
    lines: live,
    live,
  };
}

/**
 * Sum of a velocity blob's counters for `tag` on days [from, to], without parsing the rest. Lines are
 * log-structured (see Bucket): the last line of a (tag, day) holds its count, a bare key
 * deletes it.
 */
export function countInBlob(blob: string, tag: string, from: number, to: number): number {
  const byDay = new Map<number, number>();
  let at = blob.indexOf('\n' + tag);
  while (at >= 0) {
    const k = at + 1;
    const day = parseInt(blob.slice(k + TAG_CHARS, k + VELOCITY_KEY_CHARS), 36);
    let end = blob.indexOf('\n', k);
    if (end < 0) end = blob.length;
    if (end - k === VELOCITY_KEY_CHARS) byDay.delete(day);
    else byDay.set(day, parseInt(blob.slice(k + VELOCITY_KEY_CHARS, end), 36));
    at = blob.indexOf('\n' + tag, k);
  }
  let sum = 0;
  for (const [day, n] of byDay) if (day >= from && day <= to) sum += n;
  return sum;
}
